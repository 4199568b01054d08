//! Recalling a group message: by its sender, by the group's owner or an
//! admin, or by the app (REST). The one stored copy goes, the group keeps
//! the recalled seq (`R`) so members' unread counts leave it out, and
//! every online member is pushed `recall` after the flush.

use super::{GroupState, RecallInGroup, SCOPE};
use crate::command::Answer;
use crate::conversation::{attachment_url, is_countable, RecallPush};
use crate::error::{DomainError, RecallRefusal};
use crate::message::{ChatType, StoredMessage};
use crate::roster::Actor;
use crate::session::Push;
use crate::trees::{archive, recalled, timeline};
use crate::ChatEntity;
use imcloud_shards::StepCtx;
use std::sync::Arc;

impl GroupState {
    pub(super) fn recall(&mut self, req: RecallInGroup, ctx: &mut StepCtx<'_, ChatEntity>) {
        let m = match self.recallable(&req, ctx) {
            Ok(m) => m,
            Err(e) => return ctx.answer_now::<RecallInGroup>(Err(e)),
        };
        // Its `X` entry stays: a position for history pages and read marks.
        ctx.delete(timeline::entry_key(&self.key, m.seq));
        ctx.put_raw(recalled::key(&self.key, m.seq), Vec::new());
        archive::delete(&self.key.app, &m, ctx);
        let (from, to, recalled) = (m.from.clone(), self.key.id.clone(), m.msg_id);
        crate::hooks::emit_new(ctx, &self.key.app, |event_id| {
            crate::hooks::HookEvent::Recall {
                chat: ChatType::Group,
                from,
                to,
                recalled,
                event_id,
            }
        });
        tracing::debug!(group = %self.key, msg_id = m.msg_id, "group message recalled");
        let push = Push::Recall(Arc::new(RecallPush {
            msg_id: m.msg_id,
            chat: ChatType::Group,
            from: m.from.clone(),
            to: self.key.id.clone(),
        }));
        self.fanout(push, None, ctx);
        ctx.answer::<RecallInGroup>(Ok(attachment_url(&m)));
    }

    fn recallable(
        &self,
        req: &RecallInGroup,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<StoredMessage, DomainError> {
        if self.record.is_none() {
            return Err(DomainError::NotFound(SCOPE));
        }
        if let Actor::User(u) = &req.by {
            if !self.members.0.contains_key(u) {
                return Err(DomainError::NotMember(SCOPE));
            }
        }
        let m = self.stored_message(req.msg_id, ctx).map_err(|e| match e {
            DomainError::MessageNotFound => DomainError::Recall(RecallRefusal::NotFound),
            other => other,
        })?;
        let own = matches!(&req.by, Actor::User(u) if *u == m.from);
        if !is_countable(&m) || !(own || self.roster.is_manager(&req.by)) {
            return Err(DomainError::Recall(RecallRefusal::NotAllowed));
        }
        req.window.check(m.ts, ctx.env().clock.now_ms())?;
        Ok(m)
    }

    /// Messages recalled after seq `after` (they are in the group's count
    /// but no longer unread).
    pub(super) fn recalled_after(
        &self,
        after: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<u64, DomainError> {
        let prefix = recalled::prefix(&self.key);
        let n = ctx
            .store()
            .scan(
                &prefix,
                &after.saturating_add(1).to_be_bytes(),
                MAX_RECALLED_COUNTED,
            )
            .map_err(|e| {
                tracing::error!(group = %self.key, error = %e, "reading recalled seqs failed");
                DomainError::Internal
            })?
            .len();
        Ok(n as u64)
    }
}

/// Most recalled messages subtracted from one member's unread count.
const MAX_RECALLED_COUNTED: usize = 10_000;
