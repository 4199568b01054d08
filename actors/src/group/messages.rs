//! Sending to a group: the group checks the sender (member, not muted,
//! not silenced by mute-all unless owner/admin), stores ONE copy in the
//! group timeline with the next group seq, and after the flush acks the
//! sender and fans the message out, one notice per shard holding members.

use super::{GroupState, Role};
use crate::command::{answer, GroupOutgoing};
use crate::error::DomainError;
use crate::events::Event;
use crate::message::SendAck;
use crate::session::{Push, SharedMessage};
use crate::trees::timeline;
use crate::ChatEntity;
use imcloud_shards::{codec, EntityKey, StepCtx};
use std::sync::Arc;

/// `D` + group key bytes + sender + 0x00 + client_msg_id → `SendAck`: the
/// idempotency record of a group send (kept at the group, which assigns
/// the seq).
fn dedupe_key(group: &EntityKey, sender: &str, cid: &str) -> Vec<u8> {
    let mut k = vec![b'D'];
    k.extend_from_slice(&group.to_bytes());
    k.extend_from_slice(sender.as_bytes());
    k.push(0);
    k.extend_from_slice(cid.as_bytes());
    k
}

impl GroupState {
    /// Whether `sender` may speak now.
    fn check_sender(&self, sender: &str, from_rest: bool) -> Result<(), DomainError> {
        let Some(record) = &self.record else {
            return Err(DomainError::GroupNotFound);
        };
        let member = match self.members.get(sender) {
            Some(m) => m,
            // The app server may send as anyone (Easemob does not check the
            // sender of a REST send); a device must be a member.
            None if from_rest => return Ok(()),
            None if self.blocks.contains(sender) => return Err(DomainError::GroupBlocked),
            None => return Err(DomainError::NotGroupMember),
        };
        if member.mute_until > crate::ids::now_ms() {
            return Err(DomainError::GroupMuted);
        }
        if record.mute_all && member.role == Role::Member {
            return Err(DomainError::GroupMutedAll);
        }
        Ok(())
    }

    pub(super) fn send(&mut self, out: GroupOutgoing, ctx: &mut StepCtx<'_, ChatEntity>) {
        let GroupOutgoing {
            mut message,
            client_msg_id,
            origin_session,
            from_rest,
            reply,
        } = out;
        if let Err(e) = self.check_sender(&message.from, from_rest) {
            return answer(reply, Err(e));
        }
        let dedupe = client_msg_id
            .as_deref()
            .map(|cid| dedupe_key(&self.key, &message.from, cid));
        if let Some(k) = &dedupe {
            match ctx.get(k) {
                Ok(Some(bytes)) => {
                    let ack = codec::decode::<SendAck>(&bytes).map_err(|_| DomainError::Internal);
                    // After the flush: the first send may still be on its way.
                    return ctx.after_commit(move || answer(reply, ack));
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(group = %self.key, error = %e, "idempotency lookup failed");
                    return answer(reply, Err(DomainError::Internal));
                }
            }
        }
        self.head += 1;
        message.msg_id = ctx.env().msg_ids.next();
        message.ts = crate::ids::now_ms();
        message.seq = self.head;
        message.to = self.key.id.clone();
        ctx.put(timeline::entry_key(&self.key, self.head), &message);
        ctx.put_raw(
            timeline::head_key(&self.key),
            self.head.to_be_bytes().to_vec(),
        );
        ctx.append_event(&Event::MessageStored {
            stream: self.key.to_string(),
            message: message.clone(),
        });
        let ack = SendAck {
            msg_id: message.msg_id,
            seq: message.seq,
            ts: message.ts,
        };
        if let Some(k) = dedupe {
            ctx.put(k, &ack);
        }
        // The ack is queued before the fan-out: the sender hears first that
        // its message is durable.
        ctx.after_commit(move || answer(reply, Ok(ack)));
        let shared = SharedMessage::new(Arc::new(message));
        self.fanout(Push::Message(Arc::new(shared)), origin_session, &[], ctx);
    }
}
