//! Editing a 1:1 message: the sender's entity checks and rewrites its copy
//! (same seq, new body, one more edit), then asks the recipient's entity to
//! rewrite theirs; both push `edit` to their devices after their commits,
//! and the caller is answered after both.

use super::{ApplyEdit, EditDirect, UserState};
use crate::command::Answer;
use crate::error::DomainError;
use crate::message::StoredMessage;
use crate::session::Push;
use crate::trees::{archive, timeline};
use crate::ChatEntity;
use imcloud_shards::{EntityKey, EntityKind, StepCtx};
use std::sync::Arc;

impl UserState {
    pub(super) fn edit_direct(&mut self, req: EditDirect, ctx: &mut StepCtx<'_, ChatEntity>) {
        let edited = match self.edited_copy(&req, ctx) {
            Ok(m) => m,
            Err(e) => return ctx.answer_now::<EditDirect>(Err(e)),
        };
        self.rewrite(edited.clone(), ctx);
        let caller = ctx.take_reply();
        let recipient = EntityKey::new(self.key.app.clone(), EntityKind::User, req.peer);
        let apply = ApplyEdit {
            from: self.key.id.clone(),
            message: edited,
        };
        ctx.ask_then(
            recipient,
            apply.into(),
            move |r: Result<(), DomainError>| {
                // A recipient that is gone, or dropped its copy, leaves the
                // sender's side edited.
                let r = match r {
                    Err(DomainError::MessageNotFound | DomainError::UserNotFound) => Ok(()),
                    other => other,
                };
                if let Some(caller) = caller {
                    caller.send(r);
                }
                None
            },
        );
    }

    fn edited_copy(
        &self,
        req: &EditDirect,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<StoredMessage, DomainError> {
        if self.record.is_none() {
            return Err(DomainError::UserNotFound);
        }
        let m = self
            .own_message(&req.peer, req.msg_id, ctx)?
            .ok_or(DomainError::MessageNotFound)?;
        if m.from != self.key.id {
            return Err(DomainError::PermissionDenied);
        }
        req.edit.apply(&m)
    }

    pub(super) fn apply_edit(&mut self, req: ApplyEdit, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<ApplyEdit>(Err(DomainError::UserNotFound));
        }
        let mine = match self.own_message(&req.from, req.message.msg_id, ctx) {
            Ok(Some(m)) if m.from == req.from => m,
            Ok(_) => return ctx.answer_now::<ApplyEdit>(Err(DomainError::MessageNotFound)),
            Err(e) => return ctx.answer_now::<ApplyEdit>(Err(e)),
        };
        // This timeline's seq, the sender's new body.
        let edited = StoredMessage {
            seq: mine.seq,
            ..req.message
        };
        self.rewrite(edited, ctx);
        ctx.answer::<ApplyEdit>(Ok(()));
    }

    /// Replaces this timeline's entry of `m` (same seq) and tells every
    /// device of the user after the flush.
    fn rewrite(&mut self, m: StoredMessage, ctx: &mut StepCtx<'_, ChatEntity>) {
        let entry = timeline::entry_key(&self.key, m.seq);
        if m.to == self.key.id {
            // The recipient's copy is the app's record too.
            archive::put_stored(&self.key.app, entry, &m, ctx);
        } else {
            ctx.put(entry, &m);
        }
        tracing::debug!(user = %self.key, msg_id = m.msg_id, edits = m.edits, "message edited");
        self.push_after_commit(Push::Edit(Arc::new(m)), None, ctx);
    }
}
