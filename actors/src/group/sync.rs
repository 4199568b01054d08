//! A member's page of the group timeline. The floor is the member's join
//! seq, checked here at the group: nobody reads what was sent before they
//! joined, and a non-member (or removed member) reads nothing.

use super::GroupState;
use crate::command::{answer, Reply, SyncPage};
use crate::error::DomainError;
use crate::message::StoredMessage;
use crate::trees::timeline;
use crate::ChatEntity;
use imcloud_shards::{codec, StepCtx};
use std::sync::Arc;

impl GroupState {
    /// Messages after `after` (or after the join seq when `None`).
    pub(super) fn sync(
        &mut self,
        user: &str,
        after: Option<u64>,
        limit: usize,
        reply: Reply<SyncPage>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return answer(reply, Err(DomainError::GroupNotFound));
        }
        let Some(member) = self.members.get(user) else {
            return answer(reply, Err(DomainError::NotGroupMember));
        };
        let floor = member.joined_seq;
        let limit = limit.clamp(1, self.limits.sync_page_max);
        let after = after.unwrap_or(floor).max(floor).min(self.head);
        let raw = match timeline::read_after(ctx.store(), &self.key, after, limit + 1) {
            Ok(raw) => raw,
            Err(e) => {
                tracing::error!(group = %self.key, error = %e, "reading group timeline failed");
                return answer(reply, Err(DomainError::Internal));
            }
        };
        let more = raw.len() > limit;
        let mut messages = Vec::with_capacity(raw.len().min(limit));
        for bytes in raw.into_iter().take(limit) {
            match codec::decode::<StoredMessage>(&bytes) {
                Ok(m) => messages.push(Arc::new(m)),
                Err(e) => {
                    tracing::error!(group = %self.key, error = %e, "undecodable group entry skipped")
                }
            }
        }
        let cursor = messages.last().map(|m| m.seq).unwrap_or(after);
        // Released after the flush, so a device never sees a message that a
        // crash could still take back.
        ctx.after_commit(move || {
            answer(
                reply,
                Ok(SyncPage {
                    messages,
                    cursor,
                    more,
                }),
            )
        });
    }
}
