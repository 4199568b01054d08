//! Sending to a group: the group checks the sender (member, not muted,
//! not silenced by mute-all unless owner/admin), stores ONE copy in the
//! group timeline with the next group seq, and after the flush acks the
//! sender and fans the message out, one notice per shard holding members.

use super::{GroupState, PostToGroup, SCOPE};
use crate::command::Answer;
use crate::conversation::is_countable;
use crate::error::DomainError;
use crate::events::Event;
use crate::hooks::HookEvent;
use crate::message::{Post, SendAck};
use crate::session::{Push, SharedMessage};
use crate::trees::{archive, dedupe, msg_index, timeline};
use crate::ChatEntity;
use imcloud_shards::{codec, StepCtx};
use std::sync::Arc;

impl GroupState {
    /// Whether `sender` may send now (see `Roster::may_send`).
    fn check_sender(&self, sender: &str, from_rest: bool, now: i64) -> Result<(), DomainError> {
        if self.record.is_none() {
            return Err(DomainError::NotFound(SCOPE));
        }
        let member = self.members.0.contains_key(sender);
        self.roster.may_send(SCOPE, sender, member, from_rest, now)
    }

    pub(super) fn post(&mut self, post: Post, ctx: &mut StepCtx<'_, ChatEntity>) {
        let Post {
            mut message,
            client_msg_id,
            origin,
            need_group_ack,
            replaced_words,
            ..
        } = post;
        let now = ctx.env().clock.now_ms();
        if let Err(e) = self.check_sender(&message.from, origin.is_rest(), now) {
            return ctx.answer_now::<PostToGroup>(Err(e));
        }
        let dedupe = client_msg_id
            .as_deref()
            .map(|cid| dedupe::scoped_key(&self.key, &message.from, cid));
        if let Some(k) = &dedupe {
            match ctx.get(k) {
                Ok(Some(bytes)) => {
                    let ack = codec::decode::<SendAck>(&bytes).map_err(|_| DomainError::Internal);
                    // After the flush: the first send may still be on its way.
                    return ctx.answer::<PostToGroup>(ack);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(group = %self.key, error = %e, "idempotency lookup failed");
                    return ctx.answer_now::<PostToGroup>(Err(DomainError::Internal));
                }
            }
        }
        if need_group_ack && self.members.0.len() > super::receipts::MAX_ACK_GROUP {
            return ctx.answer_now::<PostToGroup>(Err(DomainError::InvalidArgument(format!(
                "read receipts are for groups of at most {} members",
                super::receipts::MAX_ACK_GROUP
            ))));
        }
        self.head += 1;
        // A device's message that waited for pre-send rules keeps the id
        // they were shown.
        if message.msg_id == 0 {
            message.msg_id = ctx.env().msg_ids.next();
        }
        message.ts = now;
        message.seq = self.head;
        message.to = self.key.id.clone();
        tracing::debug!(msg_id = message.msg_id, from = %message.from, seq = message.seq, "group message stored");
        archive::put_stored(
            &self.key.app,
            timeline::entry_key(&self.key, self.head),
            &message,
            ctx,
        );
        if is_countable(&message) {
            self.counted += 1;
            ctx.put_raw(
                msg_index::key(&self.key, message.msg_id),
                msg_index::value(message.seq, Some(self.counted)),
            );
        }
        ctx.put_raw(
            timeline::head_key(&self.key),
            timeline::head_value(self.head, self.counted),
        );
        if need_group_ack && is_countable(&message) {
            self.start_acks(&message, ctx);
        }
        ctx.append_event(&Event::MessageStored {
            stream: self.key.to_string(),
            message: message.clone(),
        });
        let ack = SendAck {
            msg_id: message.msg_id,
            seq: message.seq,
            ts: message.ts,
            counted: self.counted,
        };
        if ctx.env().hooks.post_rules(&self.key.app).is_some() {
            let event = HookEvent::Message {
                offline: false,
                message: message.clone(),
                rest: origin.is_rest(),
            };
            crate::hooks::emit(ctx, &self.key.app, event);
        }
        crate::hooks::emit_replaced(ctx, &self.key.app, &message, replaced_words);
        if let Some(k) = dedupe {
            ctx.put(k, &ack);
        }
        // The ack is queued before the fan-out: the sender hears first that
        // its message is durable.
        ctx.answer::<PostToGroup>(Ok(ack));
        let shared = SharedMessage::new(Arc::new(message));
        self.fanout(Push::Message(Arc::new(shared)), origin.session(), ctx);
    }
}
