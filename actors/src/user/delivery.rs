//! 1:1 delivery at the User entity, in one commit round:
//!
//! 1. `SendDirect` at the sender's entity: account state and send rate (a
//!    device's send), the `client_msg_id` (a resend gets the first ack, or
//!    waits for the first send still in flight), msg id and time; the
//!    sender's copy and its unconfirmed idempotency record are written in
//!    this step. Once the write is applied, it asks the recipient's entity
//!    to `Deliver`.
//! 2. `Deliver` at the recipient's: stores the message in its timeline and,
//!    after the flush, pushes it to its devices and answers with the ack.
//!    That flush covers the sender's copy too (it was applied before, on
//!    the same node), so the ack still means both copies are on disk, after
//!    one flush.
//! 3. The answer goes to the device, and back to the sender's entity
//!    (`Delivered`) only when the sender has something to do about it:
//!    delete its copy (and idempotency record) of a refused message;
//!    confirm the idempotency record, push its copy to its other devices
//!    and answer resends that waited.
//!
//! A resend that finds an unconfirmed record and no first try in flight
//! (the entity restarted, say after a crash, before it heard the end)
//! delivers the copy again as a `redelivery`, which the recipient stores
//! only if it does not hold it: each message is stored once, whatever
//! moment a crash picked (`tests/chaos.rs`).
//!
//! A REST send without a sender copy goes straight to the recipient.

use super::moderation::MuteScope;
use super::{Deliver, Delivered, InFlight, SendDirect, UserState};
use crate::command::{Answer, Command, Origin};
use crate::error::DomainError;
use crate::hooks::{self, HookEvent};
use crate::message::{SendAck, StoredMessage};
use crate::session::{Push, SharedMessage};
use crate::trees::dedupe::{self, SentRecord};
use crate::trees::{archive, timeline};
use crate::ChatEntity;
use imcloud_shards::{codec, EntityKey, EntityKind, StepCtx};
use std::sync::Arc;

/// Whether a copy is also the app's archived record of the message.
#[derive(Clone, Copy)]
enum Archive {
    Too,
    No,
}

/// How a message goes to its recipient: sent over REST, and whether it
/// is a resend's second try.
#[derive(Clone, Copy)]
struct Sent {
    rest: bool,
    redelivery: bool,
}

/// What the sender's entity hears of a send's end.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TellSender {
    /// Nothing: it kept no copy and waits for nothing.
    Never,
    /// Only a refusal, to delete its copy.
    OnRefusal,
    /// Either end (see [`InFlight`]).
    Always,
}

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
            replaced_words,
        } = req;
        let now = ctx.env().clock.now_ms();
        if let Err(e) = self
            .check_device_send(&origin, now)
            .and_then(|()| self.check_global_mute(MuteScope::Chat, now))
        {
            return ctx.answer_now::<SendDirect>(Err(e));
        }
        if let Origin::Device {
            friend_check: true, ..
        } = origin
        {
            if let Err(e) = self.check_friend(&message.to, ctx) {
                return ctx.answer_now::<SendDirect>(Err(e));
            }
        }
        if let Some(cid) = &client_msg_id {
            if let Some(waiters) = self.waiting.get_mut(cid) {
                // The first send is still in flight: this resend gets its
                // answer.
                waiters.extend(ctx.take_reply());
                return;
            }
            match self.sent_record(cid, ctx) {
                Err(e) => return ctx.answer_now::<SendDirect>(Err(e)),
                // After the flush: the record may be applied and not yet
                // durable.
                Ok(Some(r)) if !r.unconfirmed => return ctx.answer::<SendDirect>(Ok(r.ack())),
                // Not in flight, not confirmed: this entity restarted
                // before it heard the first try's end.
                Ok(Some(r)) => return self.redeliver(r, cid.clone(), origin, ctx),
                Ok(None) => {}
            }
            self.waiting.insert(cid.clone(), Vec::new());
        }
        // A message that waited for pre-send rules at the gateway has the
        // id they were shown.
        if message.msg_id == 0 {
            message.msg_id = ctx.env().msg_ids.next();
        }
        message.ts = now;
        let msg_id = message.msg_id;
        tracing::debug!(msg_id, from = %message.from, to = %message.to, "1:1 message sent");
        let to_self = message.to == self.key.id;
        let keep_copy = match origin {
            Origin::Device { .. } => true,
            Origin::Rest { sync_device } => sync_device,
        };
        // A message to oneself is stored once, as received; a REST sender
        // that is no registered user has no timeline.
        let copy = (keep_copy && !to_self && self.record.is_some())
            .then(|| self.append(message.clone(), Archive::No, ctx));
        if let Some(c) = &copy {
            self.index_message(c, ctx);
        }
        let sender_seq = copy.as_ref().map_or(0, |c| c.seq);
        if let Some(cid) = &client_msg_id {
            let ack = SendAck {
                msg_id,
                seq: sender_seq,
                ts: now,
                counted: 0,
            };
            ctx.put(dedupe::key(&self.key, cid), &SentRecord::new(ack, true));
        }
        let others = self
            .sessions
            .iter()
            .any(|s| Some(s.id()) != origin.session());
        let tell = if client_msg_id.is_some() || (copy.is_some() && others) {
            TellSender::Always
        } else if copy.is_some() {
            TellSender::OnRefusal
        } else {
            TellSender::Never
        };
        let sent = Sent {
            rest: origin.is_rest(),
            redelivery: false,
        };
        if tell == TellSender::Always {
            self.in_flight.insert(
                msg_id,
                InFlight {
                    copy,
                    client_msg_id,
                    origin,
                },
            );
        }
        self.ask_recipient(message, sender_seq, tell, sent, replaced_words, ctx);
    }

    fn sent_record(
        &self,
        cid: &str,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Option<SentRecord>, DomainError> {
        match ctx.get(&dedupe::key(&self.key, cid)) {
            Ok(Some(bytes)) => codec::decode::<SentRecord>(&bytes)
                .map(Some)
                .map_err(|_| DomainError::Internal),
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::error!(user = %self.key, error = %e, "idempotency lookup failed");
                Err(DomainError::Internal)
            }
        }
    }

    /// A resend of a send whose end this entity never heard: its copy
    /// goes to the recipient again, which stores it only if it does not
    /// hold it yet; the answer confirms (or, for a refusal, undoes) the
    /// send as the first answer would have.
    fn redeliver(
        &mut self,
        record: SentRecord,
        cid: String,
        origin: Origin,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let copy = if record.seq == 0 {
            None
        } else {
            match ctx.get(&timeline::entry_key(&self.key, record.seq)) {
                Ok(bytes) => bytes.and_then(|b| codec::decode::<StoredMessage>(&b).ok()),
                Err(e) => {
                    tracing::error!(user = %self.key, error = %e, "reading a sent copy failed");
                    return ctx.answer_now::<SendDirect>(Err(DomainError::Internal));
                }
            }
        };
        let Some(message) = copy else {
            // Nothing to send again (a message to oneself keeps no
            // sender's copy): the record is all there is.
            return ctx.answer::<SendDirect>(Ok(record.ack()));
        };
        tracing::info!(user = %self.key, msg_id = record.msg_id, "resend of an unconfirmed send: delivering it again");
        // The words the first try replaced were not kept: if that try
        // never stored the message, its `keyword_alert` is lost with it.
        let sent = Sent {
            rest: origin.is_rest(),
            redelivery: true,
        };
        self.waiting.insert(cid.clone(), Vec::new());
        self.in_flight.insert(
            record.msg_id,
            InFlight {
                copy: Some(Arc::new(message.clone())),
                client_msg_id: Some(cid),
                origin,
            },
        );
        self.ask_recipient(
            message,
            record.seq,
            TellSender::Always,
            sent,
            Vec::new(),
            ctx,
        );
    }

    /// Asks the recipient's entity to `Deliver`; its answer goes to the
    /// caller and, as `tell` says, back to this entity.
    fn ask_recipient(
        &mut self,
        message: StoredMessage,
        sender_seq: u64,
        tell: TellSender,
        sent: Sent,
        replaced_words: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let Sent { rest, redelivery } = sent;
        let msg_id = message.msg_id;
        let recipient = EntityKey::new(self.key.app.clone(), EntityKind::User, message.to.clone());
        let sender_name = self.record.as_ref().and_then(|r| r.nickname.clone());
        let deliver = Deliver {
            message,
            sender_seq,
            redelivery,
            rest,
            sender_name,
            replaced_words,
        };
        let caller = ctx.take_reply();
        ctx.ask_then(
            recipient,
            deliver.into(),
            move |result: Result<SendAck, DomainError>| {
                let back = match (&result, tell) {
                    (_, TellSender::Never) | (Ok(_), TellSender::OnRefusal) => None,
                    _ => Some(Command::from(Delivered {
                        msg_id,
                        sender_seq,
                        result: result.clone(),
                    })),
                };
                if let Some(caller) = caller {
                    caller.send(result);
                }
                back
            },
        );
    }

    pub(super) fn deliver(&mut self, req: Deliver, ctx: &mut StepCtx<'_, ChatEntity>) {
        let Deliver {
            message,
            sender_seq,
            redelivery,
            rest,
            sender_name,
            replaced_words,
        } = req;
        if self.record.is_none() {
            return ctx.answer_now::<Deliver>(Err(DomainError::UserNotFound));
        }
        // Nothing is stored or pushed for a blocker.
        if let Err(e) = self.check_not_blocked(&message.from, ctx) {
            return ctx.answer_now::<Deliver>(Err(e));
        }
        let ack = SendAck {
            msg_id: message.msg_id,
            seq: sender_seq,
            ts: message.ts,
            counted: 0,
        };
        if redelivery {
            // Found through the app's archive, where the recipient files
            // every message it stores (`cmd` too, which has no
            // conversation index entry) under the same time and id.
            match ctx.get(&archive::key(&self.key.app, message.ts, message.msg_id)) {
                Ok(Some(_)) => return ctx.answer::<Deliver>(Ok(ack)),
                Ok(None) => {}
                Err(e) => return ctx.fail(e),
            }
        }
        #[cfg(feature = "fault-injection")]
        if take_drop_fault(ctx) {
            // Pretend it was stored: answer without storing or pushing.
            return ctx.answer::<Deliver>(Ok(ack));
        }
        // The recipient keeps the app's record: every delivered message
        // has one, whether or not the sender kept a copy.
        let message = self.append(message, Archive::Too, ctx);
        self.index_message(&message, ctx);
        tracing::debug!(
            msg_id = message.msg_id,
            seq = message.seq,
            "1:1 message stored"
        );
        let offline = self.sessions.is_empty();
        if offline {
            self.offline += 1;
            ctx.put_raw(
                timeline::offline_key(&self.key),
                self.offline.to_be_bytes().to_vec(),
            );
        }
        self.report_delivery(&message, offline, rest, ctx);
        hooks::emit_replaced(ctx, &self.key.app, &message, replaced_words);
        let sender = sender_name.unwrap_or_else(|| message.from.clone());
        self.queue_push(&message, &sender, ctx);
        if !offline {
            let sessions = self.sessions.clone();
            ctx.after_commit(move || {
                let shared = Arc::new(SharedMessage::new(message));
                for s in &sessions {
                    s.push(Push::Message(shared.clone()));
                }
            });
        }
        ctx.answer::<Deliver>(Ok(ack));
    }

    /// The end of a send this entity made: see [`TellSender`].
    pub(super) fn delivered(&mut self, req: Delivered, ctx: &mut StepCtx<'_, ChatEntity>) {
        let sent = self.in_flight.remove(&req.msg_id);
        let waiters = sent
            .as_ref()
            .and_then(|s| s.client_msg_id.as_ref())
            .and_then(|cid| self.waiting.remove(cid))
            .unwrap_or_default();
        let ack = match req.result {
            Err(e) if e.is_indeterminate() => {
                // The recipient may hold it (its node went away after
                // storing it, the answer was lost): the copy and its
                // unconfirmed record stay, so a resend delivers it again as
                // a redelivery, which the recipient stores only if it does
                // not hold it.
                for w in waiters {
                    w.send(Err::<SendAck, _>(e.clone()));
                }
                return;
            }
            Err(e) => {
                if req.sender_seq != 0 {
                    // The recipient refused (or failed): the copy goes,
                    // leaving a gap in this timeline's seqs.
                    self.drop_copy(req.sender_seq, ctx);
                }
                if let Some(cid) = sent.as_ref().and_then(|s| s.client_msg_id.as_ref()) {
                    // A resend is a new try.
                    ctx.delete(dedupe::key(&self.key, cid));
                }
                for w in waiters {
                    w.send(Err::<SendAck, _>(e.clone()));
                }
                return;
            }
            Ok(ack) => ack,
        };
        let Some(sent) = sent else {
            // The entity restarted since: its copy is on disk, the device
            // was answered; only the pushes to the other devices are lost
            // (they sync).
            return;
        };
        if let Some(cid) = &sent.client_msg_id {
            ctx.put(dedupe::key(&self.key, cid), &SentRecord::new(ack, false));
        }
        let others: Vec<_> = self
            .sessions
            .iter()
            .filter(|s| Some(s.id()) != sent.origin.session())
            .cloned()
            .collect();
        let copy = sent.copy;
        ctx.after_commit(move || {
            if let Some(copy) = copy {
                let shared = Arc::new(SharedMessage::new(copy));
                for s in &others {
                    s.push(Push::Message(shared.clone()));
                }
            }
            for w in waiters {
                w.send(Ok::<_, DomainError>(ack));
            }
        });
    }

    /// Queues the post-send events of a message stored here: `chat`, and
    /// `chat_offline` when no device of the user is online.
    fn report_delivery(
        &self,
        message: &StoredMessage,
        offline: bool,
        rest: bool,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let app = &self.key.app;
        if ctx.env().hooks.post_rules(app).is_none() {
            return;
        }
        for offline in [false, true].into_iter().take(1 + usize::from(offline)) {
            let event = HookEvent::Message {
                offline,
                message: message.clone(),
                rest,
            };
            hooks::emit(ctx, app, event);
        }
    }

    /// Deletes this timeline's copy of a refused send, and its indexes.
    fn drop_copy(&mut self, seq: u64, ctx: &mut StepCtx<'_, ChatEntity>) {
        let key = timeline::entry_key(&self.key, seq);
        let copy = match ctx.get(&key) {
            Ok(bytes) => bytes.and_then(|b| codec::decode::<StoredMessage>(&b).ok()),
            Err(e) => return ctx.fail(e),
        };
        ctx.delete(key);
        if let Some(copy) = copy {
            self.unindex_message(&copy, ctx);
        }
    }

    /// Appends `message` to this user's timeline with the next seq (and,
    /// for the recipient's copy, to the app's archive).
    fn append(
        &mut self,
        mut message: StoredMessage,
        kept_as: Archive,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Arc<StoredMessage> {
        self.head += 1;
        message.seq = self.head;
        // The timeline entry is the copy's record (no head key, no copy in
        // the shard log); see docs/architecture.md. This is the hottest
        // path of the server.
        let entry = timeline::entry_key(&self.key, self.head);
        match kept_as {
            Archive::Too => archive::put_stored(&self.key.app, entry, &message, ctx),
            Archive::No => ctx.put(entry, &message),
        }
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
