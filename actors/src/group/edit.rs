//! Editing a group message: by its sender only (or the app, over REST).
//! The one stored copy is rewritten in place (same seq) and every online
//! member is pushed `edit` after the flush.

use super::{EditInGroup, GroupState, SCOPE};
use crate::command::Answer;
use crate::error::DomainError;
use crate::message::StoredMessage;
use crate::roster::Actor;
use crate::session::Push;
use crate::trees::{archive, timeline};
use crate::ChatEntity;
use imcloud_shards::StepCtx;
use std::sync::Arc;

impl GroupState {
    pub(super) fn edit(&mut self, req: EditInGroup, ctx: &mut StepCtx<'_, ChatEntity>) {
        let edited = match self.edited(&req, ctx) {
            Ok(m) => m,
            Err(e) => return ctx.answer_now::<EditInGroup>(Err(e)),
        };
        let entry = timeline::entry_key(&self.key, edited.seq);
        archive::put_stored(&self.key.app, entry, &edited, ctx);
        tracing::debug!(group = %self.key, msg_id = edited.msg_id, edits = edited.edits, "group message edited");
        self.fanout(Push::Edit(Arc::new(edited)), None, ctx);
        ctx.answer::<EditInGroup>(Ok(()));
    }

    fn edited(
        &self,
        req: &EditInGroup,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<StoredMessage, DomainError> {
        if self.record.is_none() {
            return Err(DomainError::NotFound(SCOPE));
        }
        let m = self.stored_message(req.msg_id, ctx)?;
        let allowed = match &req.by {
            Actor::App => true,
            Actor::User(u) => *u == m.from,
        };
        if !allowed {
            return Err(DomainError::PermissionDenied);
        }
        req.edit.apply(&m)
    }
}
