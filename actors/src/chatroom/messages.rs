//! Sending to a room: the room checks the sender (present member or owner,
//! not muted, not silenced by mute-all unless owner/admin, not blocked),
//! asks the node's fan-out queue to admit a message of its priority,
//! numbers it, keeps it among the recent messages and queues one push for
//! every joined device. A resend with the same `client_msg_id` (within the
//! room's last [`MAX_RESENDS`](super::resends::MAX_RESENDS) keyed messages)
//! gets the first ack and is not fanned out again. The one write is the
//! app's archived copy (for export); the ack does not wait for it: it
//! means "accepted for fan-out" and is answered at once (rooms are
//! online-only, nothing is delivered from disk).

use super::fanout::FanoutJob;
use super::{PostToRoom, RoomState, SCOPE};
use crate::command::Answer;
use crate::error::DomainError;
use crate::hooks::HookEvent;
use crate::message::{Post, SendAck};
use crate::session::{Push, SharedMessage};
use crate::trees::archive;
use crate::ChatEntity;
use imcloud_shards::StepCtx;
use std::sync::Arc;

impl RoomState {
    /// Whether `sender` may send now (see `Roster::may_send`).
    fn check_sender(&self, sender: &str, from_rest: bool, now: i64) -> Result<(), DomainError> {
        let member = self.is_member(sender);
        self.record()?
            .roster
            .may_send(SCOPE, sender, member, from_rest, now)
    }

    pub(super) fn post(&mut self, post: Post, ctx: &mut StepCtx<'_, ChatEntity>) {
        let Post {
            mut message,
            client_msg_id,
            origin,
            priority,
            replaced_words,
            ..
        } = post;
        let now = ctx.env().clock.now_ms();
        if let Err(e) = self.check_sender(&message.from, origin.is_rest(), now) {
            return ctx.answer_now::<PostToRoom>(Err(e));
        }
        let resend_key = client_msg_id.map(|cid| (message.from.clone(), cid));
        if let Some(ack) = resend_key.as_ref().and_then(|k| self.resends.get(k)) {
            // A resend: the first ack again, and no second fan-out.
            return ctx.answer_now::<PostToRoom>(Ok(*ack));
        }
        let devices = self.devices();
        if let Err(e) = self.fanout.admit(priority, devices.len()) {
            return ctx.answer_now::<PostToRoom>(Err(e));
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
        let ack = SendAck {
            msg_id: message.msg_id,
            seq: message.seq,
            ts: message.ts,
            counted: 0,
        };
        if let Some(k) = resend_key {
            self.resends.remember(k, ack);
        }
        archive::put(&self.key.app, &message, ctx);
        if ctx.env().hooks.post_rules(&self.key.app).is_some() {
            let event = HookEvent::Message {
                offline: false,
                message: message.clone(),
                rest: origin.is_rest(),
            };
            crate::hooks::emit(ctx, &self.key.app, event);
        }
        crate::hooks::emit_replaced(ctx, &self.key.app, &message, replaced_words);
        let message = Arc::new(message);
        if self.keep_recent > 0 {
            if self.recent.len() >= self.keep_recent {
                self.recent.pop_front();
            }
            self.recent.push_back(message.clone());
        }
        self.fanout
            .stats
            .messages
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The ack goes first: the sender hears its message was accepted
        // before other devices see it.
        ctx.answer_now::<PostToRoom>(Ok(ack));
        self.fanout.enqueue(FanoutJob {
            devices,
            push: Push::Message(Arc::new(SharedMessage::new(message))),
            priority,
            skip_session: origin.session(),
        });
    }
}
