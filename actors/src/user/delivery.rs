//! 1:1 delivery at the User entity, in one commit round:
//!
//! 1. `SendDirect` at the sender's entity: account state and send rate (a
//!    device's send), the `client_msg_id` (a resend gets the first ack, or
//!    waits for the first send still in flight), msg id and time; then it
//!    asks the recipient's entity to `Deliver`.
//! 2. `Deliver` at the recipient's: stores the message in its timeline and
//!    pushes it to its devices after the flush. On the same node it answers
//!    as soon as the write is applied (`DeliveryAck::Applied`), not after
//!    the flush.
//! 3. `Delivered`, back at the sender's: stores the sender's copy and the
//!    idempotency record, and answers the device after the flush of THIS
//!    step, which covers the recipient's write too (it was applied before).
//!    So the ack still means both copies are on disk, but it waits for one
//!    flush instead of two in a row.
//!
//! A REST send without a sender copy goes straight to the recipient with
//! `DeliveryAck::Durable`.

use super::{Deliver, Delivered, DeliveryAck, InFlight, SendDirect, UserState};
use crate::command::{Answer, Origin};
use crate::error::DomainError;
use crate::message::{SendAck, StoredMessage};
use crate::session::{Push, SharedMessage};
use crate::trees::{dedupe, timeline};
use crate::ChatEntity;
use imcloud_shards::{codec, EntityKey, EntityKind, StepCtx};
use std::sync::Arc;

impl UserState {
    /// Refuses a device's send when the account is gone or deactivated, or
    /// over the send rate.
    pub(super) fn check_device_send(
        &mut self,
        origin: &Origin,
        now_ms: i64,
    ) -> Result<(), DomainError> {
        let Origin::Device { rate, .. } = origin else {
            return Ok(());
        };
        match &self.record {
            None => return Err(DomainError::UserNotFound),
            Some(r) if !r.activated => return Err(DomainError::UserDeactivated),
            Some(_) => {}
        }
        if !self.bucket.try_take(rate.per_second, rate.burst, now_ms) {
            return Err(DomainError::RateLimited);
        }
        Ok(())
    }

    pub(super) fn send(&mut self, req: SendDirect, ctx: &mut StepCtx<'_, ChatEntity>) {
        let SendDirect {
            mut message,
            client_msg_id,
            origin,
        } = req;
        let now = ctx.env().clock.now_ms();
        if let Err(e) = self.check_device_send(&origin, now) {
            return ctx.answer_now::<SendDirect>(Err(e));
        }
        if let Some(cid) = &client_msg_id {
            match ctx.get(&dedupe::key(&self.key, cid)) {
                Ok(Some(bytes)) => {
                    let ack = codec::decode::<SendAck>(&bytes).map_err(|_| DomainError::Internal);
                    // After the flush: the record may be applied and not yet
                    // durable.
                    return ctx.answer::<SendDirect>(ack);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(user = %self.key, error = %e, "idempotency lookup failed");
                    return ctx.answer_now::<SendDirect>(Err(DomainError::Internal));
                }
            }
            if let Some(waiters) = self.waiting.get_mut(cid) {
                // The first send is still in flight: this resend gets its
                // answer.
                waiters.extend(ctx.take_reply());
                return;
            }
            self.waiting.insert(cid.clone(), Vec::new());
        }
        message.msg_id = ctx.env().msg_ids.next();
        message.ts = now;
        let msg_id = message.msg_id;
        tracing::debug!(msg_id, from = %message.from, to = %message.to, "1:1 message sent");
        let recipient = EntityKey::new(self.key.app.clone(), EntityKind::User, message.to.clone());
        // Every node runs its own commit; the recipient may answer before
        // its flush only when this node's commit covers its write.
        let ack = DeliveryAck::Applied;
        let deliver = Deliver {
            message: message.clone(),
            ack,
        };
        self.in_flight.insert(
            msg_id,
            InFlight {
                message,
                client_msg_id,
                origin,
                reply: ctx.take_reply(),
            },
        );
        ctx.ask_back(
            recipient,
            deliver.into(),
            move |result: Result<SendAck, DomainError>| {
                Delivered {
                    msg_id,
                    result: result.map(|_| ()),
                }
                .into()
            },
        );
    }

    pub(super) fn deliver(&mut self, req: Deliver, ctx: &mut StepCtx<'_, ChatEntity>) {
        let Deliver { message, ack } = req;
        if self.record.is_none() {
            return ctx.answer_now::<Deliver>(Err(DomainError::UserNotFound));
        }
        let receipt = SendAck {
            msg_id: message.msg_id,
            seq: 0,
            ts: message.ts,
        };
        #[cfg(feature = "fault-injection")]
        if take_drop_fault(ctx) {
            // Pretend it was stored: answer without storing or pushing.
            return ctx.answer::<Deliver>(Ok(receipt));
        }
        let message = self.append(message, ctx);
        if self.sessions.is_empty() {
            self.offline += 1;
            ctx.put_raw(
                timeline::offline_key(&self.key),
                self.offline.to_be_bytes().to_vec(),
            );
        } else {
            let sessions = self.sessions.clone();
            ctx.after_commit(move || {
                let shared = Arc::new(SharedMessage::new(message));
                for s in &sessions {
                    s.push(Push::Message(shared.clone()));
                }
            });
        }
        match ack {
            DeliveryAck::Applied => ctx.answer_now::<Deliver>(Ok(receipt)),
            DeliveryAck::Durable => ctx.answer::<Deliver>(Ok(receipt)),
        }
    }

    pub(super) fn delivered(&mut self, req: Delivered, ctx: &mut StepCtx<'_, ChatEntity>) {
        let Some(sent) = self.in_flight.remove(&req.msg_id) else {
            // The entity restarted since (its callers were answered then).
            tracing::debug!(user = %self.key, msg_id = req.msg_id, "an answer for a send this entity no longer waits for");
            return;
        };
        let InFlight {
            message,
            client_msg_id,
            origin,
            reply,
        } = sent;
        let waiters = client_msg_id
            .as_ref()
            .and_then(|cid| self.waiting.remove(cid))
            .unwrap_or_default();
        let callers = reply.into_iter().chain(waiters);
        if let Err(e) = req.result {
            for caller in callers {
                caller.send(Err::<SendAck, _>(e.clone()));
            }
            return;
        }
        let to_self = message.to == self.key.id;
        let keep_copy = match origin {
            Origin::Device { .. } => true,
            Origin::Rest { sync_device } => sync_device,
        };
        // A message to oneself is in this timeline once already; a REST
        // sender that is no registered user has no timeline.
        let stored = if to_self || !keep_copy || self.record.is_none() {
            Arc::new(message)
        } else {
            self.append(message, ctx)
        };
        let ack = SendAck {
            msg_id: stored.msg_id,
            seq: if keep_copy { stored.seq } else { 0 },
            ts: stored.ts,
        };
        if let Some(cid) = &client_msg_id {
            ctx.put(dedupe::key(&self.key, cid), &ack);
        }
        let others: Vec<_> = if to_self || !keep_copy {
            Vec::new()
        } else {
            self.sessions
                .iter()
                .filter(|s| Some(s.id()) != origin.session())
                .cloned()
                .collect()
        };
        let callers: Vec<_> = callers.collect();
        ctx.after_commit(move || {
            let shared = Arc::new(SharedMessage::new(stored));
            for s in &others {
                s.push(Push::Message(shared.clone()));
            }
            for caller in callers {
                caller.send(Ok::<_, DomainError>(ack));
            }
        });
    }

    /// Appends `message` to this user's timeline with the next seq.
    fn append(
        &mut self,
        mut message: StoredMessage,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Arc<StoredMessage> {
        self.head += 1;
        message.seq = self.head;
        // One write per message: the timeline entry is the message's record
        // (no head key, no copy in the shard log); see
        // docs/architecture.md. This is the hottest path of the server.
        ctx.put(timeline::entry_key(&self.key, self.head), &message);
        Arc::new(message)
    }
}

#[cfg(feature = "fault-injection")]
fn take_drop_fault(ctx: &StepCtx<'_, ChatEntity>) -> bool {
    use std::sync::atomic::Ordering;
    ctx.env()
        .faults
        .drop_deliveries
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok()
}
