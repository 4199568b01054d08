//! Group read receipts for messages sent with `need_group_ack` (groups of
//! at most [`MAX_ACK_GROUP`] members). Such a message gets an `A` record
//! with its read count; when a member's read mark moves past it (the
//! group places every read mark, `ReadMarkAt`), the count goes up once
//! for that member (its own mark, `Q`, only moves forward) and the sender's
//! devices get a `receipt` push. The sender, the owner and admins may ask
//! a message's count.

use super::{GroupReadCount, GroupState, SCOPE};
use crate::command::Answer;
use crate::conversation::{GroupMark, ReceiptKind, ReceiptPush};
use crate::error::DomainError;
use crate::message::{ChatType, StoredMessage};
use crate::roster::Actor;
use crate::session::Push;
use crate::trees::group_acks::{self, Acked};
use crate::ChatEntity;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::{EntityKey, EntityKind, StepCtx, StoreError};
use std::sync::Arc;

/// Largest group whose messages may ask for read receipts.
pub const MAX_ACK_GROUP: usize = 500;
/// Most acked messages one read mark counts, oldest first (a member far
/// behind gets the rest counted on its next read).
const MAX_COUNTED_PER_READ: usize = 10_000;

impl GroupState {
    /// Stages the record of a message sent with `need_group_ack` (the
    /// group's size was checked before it was stored).
    pub(super) fn start_acks(&self, m: &StoredMessage, ctx: &mut StepCtx<'_, ChatEntity>) {
        let rec = Acked {
            msg_id: m.msg_id,
            count: 0,
            sender: m.from.clone(),
        };
        ctx.put_raw(
            group_acks::ack_key(&self.key, m.seq),
            group_acks::ack_value(&rec),
        );
    }

    /// `user`'s read mark moved to `mark`: counts the acked messages it
    /// passed (not the user's own) and tells their senders after the flush.
    pub(super) fn count_reads(
        &self,
        user: &str,
        floor: u64,
        mark: &GroupMark,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), StoreError> {
        let mark_key = group_acks::mark_key(&self.key, user);
        let old = ctx
            .get(&mark_key)?
            .and_then(|v| decode_seq(&v))
            .unwrap_or(floor)
            .max(floor);
        if mark.seq <= old {
            return Ok(());
        }
        let prefix = group_acks::ack_prefix(&self.key);
        let from = old.saturating_add(1).to_be_bytes();
        let mut reached = old;
        let mut pushes = Vec::new();
        let raw = ctx.store().scan(&prefix, &from, MAX_COUNTED_PER_READ)?;
        let capped = raw.len() == MAX_COUNTED_PER_READ;
        for (k, v) in raw {
            let Some(seq) = k.get(prefix.len()..).and_then(decode_seq) else {
                continue;
            };
            if seq > mark.seq {
                break;
            }
            reached = seq;
            let Some(mut acked) = group_acks::parse_ack(&v) else {
                continue;
            };
            if acked.sender == user {
                continue;
            }
            acked.count += 1;
            ctx.put_raw(k, group_acks::ack_value(&acked));
            pushes.push((
                acked.sender,
                ReceiptPush {
                    kind: ReceiptKind::Read,
                    msg_id: acked.msg_id,
                    from: user.to_string(),
                    chat: ChatType::Group,
                    to: self.key.id.clone(),
                },
            ));
        }
        // All the way, unless the scan stopped at its cap.
        let new_mark = if capped { reached } else { mark.seq };
        ctx.put_raw(mark_key, new_mark.to_be_bytes().to_vec());
        if !pushes.is_empty() {
            let (router, app) = (ctx.router().clone(), self.key.app.clone());
            ctx.after_commit(move || {
                for (sender, receipt) in pushes {
                    let key = EntityKey::new(app.clone(), EntityKind::User, sender);
                    let push = crate::user::PushToDevices {
                        push: Push::Receipt(Arc::new(receipt)),
                    };
                    // A sender whose mailbox is full misses the push; the
                    // count stays right.
                    let _ = router.tell(key, push.into());
                }
            });
        }
        Ok(())
    }

    pub(super) fn read_count(&mut self, req: GroupReadCount, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.count_of(&req, ctx);
        ctx.answer::<GroupReadCount>(result);
    }

    fn count_of(
        &self,
        req: &GroupReadCount,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<u64, DomainError> {
        self.floor_of(&req.user)?;
        let (seq, _) = self.locate(req.msg_id, ctx)?;
        let acked = ctx
            .get(&group_acks::ack_key(&self.key, seq))
            .map_err(|e| self.read_failed(e))?
            .and_then(|v| group_acks::parse_ack(&v))
            .ok_or_else(|| {
                DomainError::InvalidArgument("the message was not sent with need_group_ack".into())
            })?;
        let actor = Actor::User(req.user.clone());
        if acked.sender != req.user && !self.roster.is_manager(&actor) {
            return Err(DomainError::Forbidden(
                SCOPE,
                "only the sender, the owner and admins see a message's read count".into(),
            ));
        }
        Ok(acked.count)
    }
}
