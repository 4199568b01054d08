//! Recalling a 1:1 message: the sender's entity checks and drops its copy,
//! then asks the recipient's to drop theirs; both push `recall` to their
//! devices after their commits, and the caller is answered after both. A
//! REST recall of a message whose sender kept no copy goes to the
//! recipient alone, which then checks the window itself.

use super::{DropRecalled, RecallDirect, UserState};
use crate::command::Answer;
use crate::conversation::{attachment_url, is_countable, RecallPush, Recalled};
use crate::error::{DomainError, RecallRefusal};
use crate::message::{ChatType, StoredMessage};
use crate::session::Push;
use crate::trees::{archive, timeline};
use crate::ChatEntity;
use imcloud_shards::{EntityKey, EntityKind, StepCtx};
use std::sync::Arc;

const NOT_FOUND: DomainError = DomainError::Recall(RecallRefusal::NotFound);

impl UserState {
    pub(super) fn recall_direct(&mut self, req: RecallDirect, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() && !req.from_rest {
            return ctx.answer_now::<RecallDirect>(Err(DomainError::UserNotFound));
        }
        let found = match self.own_message(&req.peer, req.msg_id, ctx) {
            Ok(m) => m,
            Err(e) => return ctx.answer_now::<RecallDirect>(Err(e)),
        };
        let recipient = EntityKey::new(self.key.app.clone(), EntityKind::User, req.peer.clone());
        let drop = DropRecalled {
            msg_id: req.msg_id,
            from: self.key.id.clone(),
            window: req.window,
            sent_at: None,
        };
        let Some(m) = found else {
            if req.from_rest {
                // No copy here: the recipient checks and drops its own.
                return ctx.forward(recipient, drop.into());
            }
            return ctx.answer_now::<RecallDirect>(Err(NOT_FOUND));
        };
        if m.from != self.key.id {
            // Received, not sent: only the sender may recall it.
            return ctx
                .answer_now::<RecallDirect>(Err(DomainError::Recall(RecallRefusal::NotAllowed)));
        }
        if m.to != req.peer {
            return ctx.answer_now::<RecallDirect>(Err(NOT_FOUND));
        }
        if let Err(e) = self.may_recall(&m, req.window, ctx) {
            return ctx.answer_now::<RecallDirect>(Err(e));
        }
        self.drop_recalled_copy(&m, ctx);
        let caller = ctx.take_reply();
        let drop = DropRecalled {
            window: crate::conversation::RecallWindow(None),
            sent_at: Some(m.ts),
            ..drop
        };
        let url = attachment_url(&m);
        ctx.ask_then(
            recipient,
            drop.into(),
            move |r: Result<Recalled, DomainError>| {
                // The recipient may have deleted its copy already (or be gone):
                // the sender's side is recalled either way.
                let r = match r {
                    Ok(_) => Ok(url),
                    Err(e) if e == NOT_FOUND || e == DomainError::UserNotFound => Ok(url),
                    Err(e) => Err(e),
                };
                if let Some(caller) = caller {
                    caller.send(r);
                }
                None
            },
        );
    }

    pub(super) fn drop_recalled(&mut self, req: DropRecalled, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<DropRecalled>(Err(DomainError::UserNotFound));
        }
        let m = match self.own_message(&req.from, req.msg_id, ctx) {
            Ok(Some(m)) if m.from == req.from && m.to == self.key.id => m,
            Ok(_) => {
                if let Some(ts) = req.sent_at {
                    // Deleted one-sidedly here, still in the app's record.
                    ctx.delete(archive::key(&self.key.app, ts, req.msg_id));
                    return ctx.answer::<DropRecalled>(Err(NOT_FOUND));
                }
                return ctx.answer_now::<DropRecalled>(Err(NOT_FOUND));
            }
            Err(e) => return ctx.answer_now::<DropRecalled>(Err(e)),
        };
        if let Err(e) = self.may_recall(&m, req.window, ctx) {
            return ctx.answer_now::<DropRecalled>(Err(e));
        }
        self.drop_recalled_copy(&m, ctx);
        ctx.answer::<DropRecalled>(Ok(attachment_url(&m)));
    }

    fn may_recall(
        &self,
        m: &StoredMessage,
        window: crate::conversation::RecallWindow,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        if !is_countable(m) {
            return Err(DomainError::Recall(RecallRefusal::NotAllowed));
        }
        window.check(m.ts, ctx.env().clock.now_ms())
    }

    /// Deletes this timeline's copy of `m` and its indexes, and tells every
    /// device of the user after the flush.
    fn drop_recalled_copy(&mut self, m: &StoredMessage, ctx: &mut StepCtx<'_, ChatEntity>) {
        ctx.delete(timeline::entry_key(&self.key, m.seq));
        self.unindex_message(m, ctx);
        if m.to == self.key.id {
            archive::delete(&self.key.app, m, ctx);
            // Reported once, where the app's copy goes.
            let (from, to, recalled) = (m.from.clone(), m.to.clone(), m.msg_id);
            crate::hooks::emit_new(ctx, &self.key.app, |event_id| {
                crate::hooks::HookEvent::Recall {
                    chat: ChatType::Single,
                    from,
                    to,
                    recalled,
                    event_id,
                }
            });
        }
        tracing::debug!(user = %self.key, msg_id = m.msg_id, "message recalled");
        let push = Push::Recall(Arc::new(RecallPush {
            msg_id: m.msg_id,
            chat: ChatType::Single,
            from: m.from.clone(),
            to: m.to.clone(),
        }));
        self.push_after_commit(push, None, ctx);
    }
}
