//! A member's page of the group timeline. The floor is the member's join
//! seq, checked here at the group: nobody reads what was sent before they
//! joined, and a non-member (or removed member) reads nothing.

use super::{GroupState, SyncGroup, SCOPE};
use crate::command::Answer;
use crate::error::DomainError;
use crate::message::SyncPage;
use crate::trees::timeline;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl GroupState {
    /// Messages after `after` (or after the join seq when `None`).
    pub(super) fn sync(&mut self, req: SyncGroup, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.page(req, ctx);
        // Released after the flush, so a device never sees a message that a
        // crash could still take back.
        ctx.answer::<SyncGroup>(result);
    }

    fn page(&self, req: SyncGroup, ctx: &StepCtx<'_, ChatEntity>) -> Result<SyncPage, DomainError> {
        if self.record.is_none() {
            return Err(DomainError::NotFound(SCOPE));
        }
        let Some(&floor) = self.members.0.get(&req.user) else {
            return Err(DomainError::NotMember(SCOPE));
        };
        let limit = req.limit.clamp(1, self.limits.sync_page_max);
        let after = req.after.unwrap_or(floor).max(floor).min(self.head);
        timeline::page_after(ctx.store(), &self.key, after, limit)
    }
}
