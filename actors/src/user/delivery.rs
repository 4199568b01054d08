//! 1:1 delivery at the User entity. A client send goes
//! sender entity (`Send`: rate limit, idempotency, msg id) → recipient
//! entity (`Deliver`: store in the recipient's timeline, push to its devices
//! after the flush) → sender entity (`Delivered`: store the sender's copy and
//! the idempotency record, then ack after the flush).

use super::{Pending, UserState};
use crate::command::{answer, Command, Outgoing};
use crate::error::DomainError;
use crate::message::{SendAck, StoredMessage};
use crate::session::{Push, SharedMessage};
use crate::trees::{dedupe, timeline};
use crate::ChatEntity;
use imcloud_shards::{codec, StepCtx};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A pending `client_msg_id` older than this is forgotten (its first send
/// was lost on the way); a resend then goes through as new.
const PENDING_TTL: Duration = Duration::from_secs(30);

impl UserState {
    pub(super) fn send(&mut self, mut out: Box<Outgoing>, ctx: &mut StepCtx<'_, ChatEntity>) {
        if !out.from_rest {
            match &self.record {
                None => return answer(out.reply, Err(DomainError::UserNotFound)),
                Some(r) if !r.activated => {
                    return answer(out.reply, Err(DomainError::UserDeactivated))
                }
                Some(_) => {}
            }
            if !self.bucket.try_take(out.rate.per_second, out.rate.burst) {
                return answer(out.reply, Err(DomainError::RateLimited));
            }
        }
        if let Some(cid) = out.client_msg_id.clone() {
            match ctx.get(&dedupe::key(&self.key, &cid)) {
                Ok(Some(bytes)) => {
                    return answer(
                        out.reply,
                        codec::decode::<SendAck>(&bytes).map_err(|_| DomainError::Internal),
                    );
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(user = %self.key, error = %e, "idempotency lookup failed");
                    return answer(out.reply, Err(DomainError::Internal));
                }
            }
            let now = Instant::now();
            self.pending
                .retain(|_, p| now.duration_since(p.since) < PENDING_TTL);
            if let Some(p) = self.pending.get_mut(&cid) {
                p.waiters.push(out.reply);
                return;
            }
            self.pending.insert(
                cid,
                Pending {
                    since: now,
                    waiters: Vec::new(),
                },
            );
        }
        out.message.msg_id = ctx.env().msg_ids.next();
        out.message.ts = crate::ids::now_ms();
        let recipient = out.recipient.clone();
        // A refusal comes back as `Delivered(Err)` through `Command::reject`.
        let _ = ctx.router().send(recipient, Command::Deliver(out));
    }

    pub(super) fn deliver(&mut self, mut out: Box<Outgoing>, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return Command::Deliver(out).reject(DomainError::UserNotFound);
        }
        #[cfg(feature = "fault-injection")]
        if take_drop_fault(ctx) {
            // Pretend it was stored: ack without storing or pushing.
            out.message.seq = 0;
            return self.release_delivery(out, ctx);
        }
        let message = self.append(out.message.clone(), ctx);
        out.message.seq = message.seq;
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
        self.release_delivery(out, ctx);
    }

    /// After the recipient's write is durable: back to the sender's entity
    /// for its copy, or (REST without a copy) straight to the caller.
    fn release_delivery(&mut self, out: Box<Outgoing>, ctx: &mut StepCtx<'_, ChatEntity>) {
        if out.sender_copy {
            ctx.after_commit(move || {
                let router = out.router.clone();
                let sender = out.sender.clone();
                // Refusal answers the caller through `Command::reject`.
                let _ = router.send(sender, Command::Delivered(out, Ok(())));
            });
        } else {
            let ack = SendAck {
                msg_id: out.message.msg_id,
                seq: 0,
                ts: out.message.ts,
            };
            ctx.after_commit(move || answer(out.reply, Ok(ack)));
        }
    }

    pub(super) fn delivered(
        &mut self,
        out: Box<Outgoing>,
        result: Result<(), DomainError>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let Outgoing {
            message,
            client_msg_id,
            origin_session,
            reply,
            sender,
            recipient,
            ..
        } = *out;
        let waiters = client_msg_id
            .as_ref()
            .and_then(|cid| self.pending.remove(cid))
            .map(|p| p.waiters)
            .unwrap_or_default();
        if let Err(e) = result {
            answer(reply, Err(e.clone()));
            for w in waiters {
                answer(w, Err(e.clone()));
            }
            return;
        }
        // A message to oneself is already in this timeline once; a REST
        // sender that is no registered user has no timeline.
        let stored = if sender == recipient || self.record.is_none() {
            Arc::new(message)
        } else {
            self.append(message, ctx)
        };
        let ack = SendAck {
            msg_id: stored.msg_id,
            seq: stored.seq,
            ts: stored.ts,
        };
        if let Some(cid) = &client_msg_id {
            ctx.put(dedupe::key(&self.key, cid), &ack);
        }
        let others: Vec<_> = if sender == recipient {
            Vec::new()
        } else {
            self.sessions
                .iter()
                .filter(|s| Some(s.id) != origin_session)
                .cloned()
                .collect()
        };
        ctx.after_commit(move || {
            let shared = Arc::new(SharedMessage::new(stored));
            for s in &others {
                s.push(Push::Message(shared.clone()));
            }
            answer(reply, Ok(ack));
            for w in waiters {
                answer(w, Ok(ack));
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
        // docs/architecture-notes.md. Sled costs per key written, and this is
        // the hottest path of the server.
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
