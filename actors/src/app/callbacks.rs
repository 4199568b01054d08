//! The App entity's callback rules (§14.3): added (at most
//! [`MAX_RULES`]), changed and deleted whole or not at all; each change
//! saves the record, which moves its version, tells the node's hook
//! registry and every gateway after the commit.

use super::{AddCallback, AppState, DeleteCallback, PatchCallback};
use crate::command::Answer;
use crate::error::DomainError;
use crate::hooks::rules::{CallbackRule, MAX_RULES};
use crate::ChatEntity;
use imcloud_shards::StepCtx;

fn bad_rule(e: crate::hooks::rules::BadRule) -> DomainError {
    DomainError::InvalidArgument(e.to_string())
}

impl AppState {
    pub(super) fn add_callback(&mut self, req: AddCallback, ctx: &mut StepCtx<'_, ChatEntity>) {
        let now = ctx.env().clock.now_ms();
        let added = (|| {
            let record = self.record.as_mut().ok_or(DomainError::AppNotFound)?;
            if record.callbacks.len() >= MAX_RULES {
                return Err(DomainError::CallbackLimit);
            }
            let id = record.last_callback_id + 1;
            let rule = CallbackRule::new(id, req.secret, now, &req.patch).map_err(bad_rule)?;
            if record.callbacks.iter().any(|r| r.name == rule.name) {
                return Err(DomainError::RuleExists(rule.name));
            }
            record.last_callback_id = id;
            record.callbacks.push(rule.clone());
            Ok(rule)
        })();
        match added {
            Ok(rule) => {
                let saved = self.save(ctx).map(|_| rule);
                ctx.answer::<AddCallback>(saved);
            }
            Err(e) => ctx.answer_now::<AddCallback>(Err(e)),
        }
    }

    pub(super) fn patch_callback(&mut self, req: PatchCallback, ctx: &mut StepCtx<'_, ChatEntity>) {
        let changed = (|| {
            let record = self.record.as_mut().ok_or(DomainError::AppNotFound)?;
            let at = record
                .callbacks
                .iter()
                .position(|r| r.name == req.name)
                .ok_or_else(|| DomainError::RuleNotFound(req.name.clone()))?;
            let rule = record.callbacks[at].patched(&req.patch).map_err(bad_rule)?;
            if rule.name != req.name && record.callbacks.iter().any(|r| r.name == rule.name) {
                return Err(DomainError::RuleExists(rule.name));
            }
            record.callbacks[at] = rule.clone();
            Ok(rule)
        })();
        match changed {
            Ok(rule) => {
                let saved = self.save(ctx).map(|_| rule);
                ctx.answer::<PatchCallback>(saved);
            }
            Err(e) => ctx.answer_now::<PatchCallback>(Err(e)),
        }
    }

    pub(super) fn delete_callback(
        &mut self,
        req: DeleteCallback,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let Some(record) = self.record.as_mut() else {
            return ctx.answer_now::<DeleteCallback>(Err(DomainError::AppNotFound));
        };
        let before = record.callbacks.len();
        record.callbacks.retain(|r| r.name != req.name);
        if record.callbacks.len() == before {
            return ctx.answer_now::<DeleteCallback>(Err(DomainError::RuleNotFound(req.name)));
        }
        let saved = self.save(ctx).map(|_| ());
        ctx.answer::<DeleteCallback>(saved);
    }
}
