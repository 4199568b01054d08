//! The user's conversations at its entity: every countable message stored
//! in its timeline is indexed (`X` by id, `C` by conversation) and updates
//! its 1:1 conversation record (`N`) in the same step; read marks move the
//! records; receipts from peers are recorded and pushed to the devices.
//! See `crate::conversation` for what counts and how groups split the work.

use super::{MarkGroupRead, MarkRead, PeerReceipt, UserState};
use crate::command::Answer;
use crate::conversation::{
    is_countable, ConversationEntry, ConversationRecord, ReceiptKind, ReceiptPush,
};
use crate::error::DomainError;
use crate::message::{ChatType, StoredMessage};
use crate::session::Push;
use crate::trees::conversations::{self as conv, INCOMING, OUTGOING};
use crate::trees::{msg_index, timeline, user_groups};
use crate::ChatEntity;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::{codec, EntityKey, EntityKind, StepCtx, StoreError};
use std::sync::Arc;

/// Most conversation records one listing reads (1:1 and groups).
pub const MAX_CONVERSATIONS: usize = 10_000;
/// Most index entries a read mark scans to recount what is still unread
/// after it.
const MAX_RECOUNT: usize = 100_000;

impl UserState {
    fn read_failed(&self, e: StoreError) -> DomainError {
        tracing::error!(user = %self.key, error = %e, "reading the user's conversations failed");
        DomainError::Internal
    }

    /// The record of the conversation `(chat, with)`, empty if none. A
    /// record that does not decode is logged and started afresh.
    fn conversation(
        &self,
        chat: ChatType,
        with: &str,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<ConversationRecord, StoreError> {
        Ok(match ctx.get(&conv::record_key(&self.key, chat, with))? {
            Some(bytes) => codec::decode(&bytes).unwrap_or_else(|e| {
                tracing::error!(user = %self.key, %with, error = %e, "undecodable conversation record replaced");
                ConversationRecord::default()
            }),
            None => ConversationRecord::default(),
        })
    }

    /// Indexes a 1:1 message just appended to this timeline and updates its
    /// conversation: a message from the peer is unread, one's own marks
    /// the conversation read.
    pub(super) fn index_message(
        &mut self,
        m: &Arc<StoredMessage>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if !is_countable(m) {
            return;
        }
        let incoming = m.from != self.key.id;
        let peer = if incoming { &m.from } else { &m.to };
        ctx.put_raw(
            msg_index::key(&self.key, m.msg_id),
            msg_index::value(m.seq, None),
        );
        ctx.put_raw(
            conv::index_key(&self.key, peer, m.seq),
            vec![if incoming { INCOMING } else { OUTGOING }],
        );
        let mut rec = match self.conversation(ChatType::Single, peer, ctx) {
            Ok(r) => r,
            Err(e) => return ctx.fail(e),
        };
        rec.last = Some(m.clone());
        rec.ts = m.ts;
        if incoming {
            rec.unread += 1;
            rec.last_in = m.msg_id;
        } else {
            rec.unread = 0;
            rec.read_seq = m.seq;
        }
        ctx.put(conv::record_key(&self.key, ChatType::Single, peer), &rec);
    }

    /// A message left this timeline (a refused send's copy, a recall): its
    /// indexes go, an unread one no longer counts, and the conversation's
    /// last message becomes the newest one left.
    pub(super) fn unindex_message(&mut self, m: &StoredMessage, ctx: &mut StepCtx<'_, ChatEntity>) {
        if !is_countable(m) {
            return;
        }
        let incoming = m.from != self.key.id;
        let peer = if incoming { &m.from } else { &m.to };
        ctx.delete(msg_index::key(&self.key, m.msg_id));
        ctx.delete(conv::index_key(&self.key, peer, m.seq));
        let mut rec = match self.conversation(ChatType::Single, peer, ctx) {
            Ok(r) => r,
            Err(e) => return ctx.fail(e),
        };
        if incoming && m.seq > rec.read_seq {
            rec.unread = rec.unread.saturating_sub(1);
        }
        if rec.last.as_ref().is_some_and(|l| l.msg_id == m.msg_id) {
            rec.last = match self.newest_in(peer, m.seq, ctx) {
                Ok(last) => last,
                Err(e) => return ctx.fail(e),
            };
        }
        ctx.put(conv::record_key(&self.key, ChatType::Single, peer), &rec);
    }

    /// This timeline's message `msg_id`, if it holds it.
    pub(super) fn own_message(
        &self,
        msg_id: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Option<StoredMessage>, DomainError> {
        let Some((seq, _)) = ctx
            .get(&msg_index::key(&self.key, msg_id))
            .map_err(|e| self.read_failed(e))?
            .and_then(|v| msg_index::parse(&v))
        else {
            return Ok(None);
        };
        Ok(ctx
            .get(&timeline::entry_key(&self.key, seq))
            .map_err(|e| self.read_failed(e))?
            .and_then(|b| codec::decode::<StoredMessage>(&b).ok()))
    }

    /// The newest message of the conversation with `peer` older than `seq`.
    fn newest_in(
        &self,
        peer: &str,
        seq: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Option<Arc<StoredMessage>>, StoreError> {
        let prefix = conv::peer_prefix(&self.key, peer);
        let Some((k, _)) = ctx.store().scan_rev(&prefix, &seq.to_be_bytes(), 1)?.pop() else {
            return Ok(None);
        };
        let Some(older) = k.get(prefix.len()..).and_then(decode_seq) else {
            return Ok(None);
        };
        Ok(ctx
            .get(&timeline::entry_key(&self.key, older))?
            .and_then(|b| codec::decode::<StoredMessage>(&b).ok())
            .map(Arc::new))
    }

    /// A group's first read mark: where the user joined.
    pub(super) fn start_group_conversation(
        &mut self,
        group: &str,
        seq: u64,
        counted: u64,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let rec = ConversationRecord {
            ts: ctx.env().clock.now_ms(),
            read_seq: seq,
            read_counted: counted,
            ..Default::default()
        };
        ctx.put(conv::record_key(&self.key, ChatType::Group, group), &rec);
    }

    pub(super) fn list_conversations(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.conversations(ctx);
        ctx.answer::<super::ListConversations>(result);
    }

    fn conversations(
        &self,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Vec<ConversationEntry>, DomainError> {
        if self.record.is_none() {
            return Err(DomainError::UserNotFound);
        }
        let prefix = conv::record_prefix(&self.key);
        let raw = ctx
            .store()
            .scan(&prefix, &[], MAX_CONVERSATIONS)
            .map_err(|e| self.read_failed(e))?;
        let mut entries = Vec::with_capacity(raw.len());
        for (k, v) in raw {
            let Some((chat, with)) = conv::parse_record_key(prefix.len(), &k) else {
                continue;
            };
            match codec::decode::<ConversationRecord>(&v) {
                Ok(record) => entries.push(ConversationEntry { chat, with, record }),
                Err(e) => {
                    tracing::error!(user = %self.key, %with, error = %e, "undecodable conversation record skipped")
                }
            }
        }
        // Groups joined before conversations were kept have no record: they
        // start with everything since the join unread.
        let gp = user_groups::prefix(&self.key);
        for (k, v) in ctx
            .store()
            .scan(&gp, &[], MAX_CONVERSATIONS)
            .map_err(|e| self.read_failed(e))?
        {
            let Some(group) = k.get(gp.len()..).and_then(|b| std::str::from_utf8(b).ok()) else {
                continue;
            };
            let known = entries
                .iter()
                .any(|e| e.chat == ChatType::Group && e.with == group);
            if !known {
                entries.push(ConversationEntry {
                    chat: ChatType::Group,
                    with: group.to_string(),
                    record: ConversationRecord {
                        read_seq: decode_seq(&v).unwrap_or(0),
                        ..Default::default()
                    },
                });
            }
        }
        Ok(entries)
    }

    pub(super) fn mark_read(&mut self, req: MarkRead, ctx: &mut StepCtx<'_, ChatEntity>) {
        let receipt = match self.move_read_mark(&req, ctx) {
            Ok(r) => r,
            Err(e) => return ctx.answer_now::<MarkRead>(Err(e)),
        };
        let Some(msg_id) = receipt else {
            return ctx.answer::<MarkRead>(Ok(()));
        };
        self.tell_own_devices(
            ReceiptPush {
                kind: ReceiptKind::Read,
                msg_id,
                from: self.key.id.clone(),
                chat: ChatType::Single,
                to: req.peer.clone(),
            },
            req.session,
            ctx,
        );
        // The peer records the receipt in its own commit; the reader is
        // answered once both are on disk (a peer that is gone or kept no
        // copy does not fail the read).
        let caller = ctx.take_reply();
        let peer = EntityKey::new(self.key.app.clone(), EntityKind::User, req.peer);
        let receipt = PeerReceipt {
            kind: ReceiptKind::Read,
            from: self.key.id.clone(),
            msg_id,
        };
        ctx.ask_then(peer, receipt.into(), move |_: Result<(), DomainError>| {
            if let Some(caller) = caller {
                caller.send(Ok::<(), DomainError>(()));
            }
            None
        });
    }

    /// Moves the read mark of the conversation with `req.peer`; returns
    /// the id of the newest message from the peer now read, if the mark
    /// moved past one.
    fn move_read_mark(
        &mut self,
        req: &MarkRead,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<Option<u64>, DomainError> {
        if self.record.is_none() {
            return Err(DomainError::UserNotFound);
        }
        let prefix = conv::peer_prefix(&self.key, &req.peer);
        let (seq, newest_in) = match req.msg_id {
            Some(id) => {
                let seq = ctx
                    .get(&msg_index::key(&self.key, id))
                    .map_err(|e| self.read_failed(e))?
                    .and_then(|v| msg_index::parse(&v))
                    .map(|(seq, _)| seq)
                    .ok_or(DomainError::MessageNotFound)?;
                let direction = ctx
                    .get(&conv::index_key(&self.key, &req.peer, seq))
                    .map_err(|e| self.read_failed(e))?
                    .ok_or(DomainError::MessageNotFound)?;
                (seq, (direction.first() == Some(&INCOMING)).then_some(id))
            }
            None => {
                let last = ctx
                    .store()
                    .scan_rev(&prefix, &[], 1)
                    .map_err(|e| self.read_failed(e))?
                    .pop()
                    .and_then(|(k, _)| k.get(prefix.len()..).and_then(decode_seq));
                let Some(seq) = last else {
                    return Ok(None);
                };
                (seq, None)
            }
        };
        let mut rec = self
            .conversation(ChatType::Single, &req.peer, ctx)
            .map_err(|e| self.read_failed(e))?;
        if seq <= rec.read_seq {
            return Ok(None);
        }
        let newest_in = newest_in.or((rec.last_in != 0).then_some(rec.last_in));
        rec.read_seq = seq;
        rec.unread = self.unread_after(&prefix, seq, ctx)?;
        ctx.put(
            conv::record_key(&self.key, ChatType::Single, &req.peer),
            &rec,
        );
        Ok(newest_in)
    }

    /// Messages from the peer after `seq` and after the user's own newest
    /// message (which marked everything before it read).
    fn unread_after(
        &self,
        prefix: &[u8],
        seq: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<u64, DomainError> {
        let mut unread = 0;
        let mut before: Vec<u8> = Vec::new();
        let mut scanned = 0;
        loop {
            let chunk = ctx
                .store()
                .scan_rev(prefix, &before, 512)
                .map_err(|e| self.read_failed(e))?;
            if chunk.is_empty() {
                return Ok(unread);
            }
            scanned += chunk.len();
            for (k, v) in chunk {
                let at = k.get(prefix.len()..).and_then(decode_seq).unwrap_or(0);
                if at <= seq || v.first() != Some(&INCOMING) {
                    return Ok(unread);
                }
                unread += 1;
                before = at.to_be_bytes().to_vec();
            }
            if scanned >= MAX_RECOUNT {
                return Ok(unread);
            }
        }
    }

    pub(super) fn mark_group_read(
        &mut self,
        req: MarkGroupRead,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return ctx.answer_now::<MarkGroupRead>(Err(DomainError::UserNotFound));
        }
        let mut rec = match self.conversation(ChatType::Group, &req.group, ctx) {
            Ok(r) => r,
            Err(e) => return ctx.answer_now::<MarkGroupRead>(Err(self.read_failed(e))),
        };
        if req.mark.seq > rec.read_seq {
            rec.read_seq = req.mark.seq;
            rec.read_counted = req.mark.counted;
            ctx.put(
                conv::record_key(&self.key, ChatType::Group, &req.group),
                &rec,
            );
            if let (Some(session), true) = (req.session, req.mark.msg_id != 0) {
                self.tell_own_devices(
                    ReceiptPush {
                        kind: ReceiptKind::Read,
                        msg_id: req.mark.msg_id,
                        from: self.key.id.clone(),
                        chat: ChatType::Group,
                        to: req.group,
                    },
                    Some(session),
                    ctx,
                );
            }
        }
        ctx.answer::<MarkGroupRead>(Ok(()));
    }

    pub(super) fn peer_receipt(&mut self, req: PeerReceipt, ctx: &mut StepCtx<'_, ChatEntity>) {
        let sent = match self.own_message_to(&req.from, req.msg_id, ctx) {
            Ok(sent) => sent,
            Err(e) => return ctx.answer_now::<PeerReceipt>(Err(e)),
        };
        if !sent {
            return ctx.answer_now::<PeerReceipt>(Ok(()));
        }
        let mut rec = match self.conversation(ChatType::Single, &req.from, ctx) {
            Ok(r) => r,
            Err(e) => return ctx.answer_now::<PeerReceipt>(Err(self.read_failed(e))),
        };
        rec.peer_delivered = rec.peer_delivered.max(req.msg_id);
        if req.kind == ReceiptKind::Read {
            rec.peer_read = rec.peer_read.max(req.msg_id);
        }
        ctx.put(
            conv::record_key(&self.key, ChatType::Single, &req.from),
            &rec,
        );
        self.tell_own_devices(
            ReceiptPush {
                kind: req.kind,
                msg_id: req.msg_id,
                from: req.from,
                chat: ChatType::Single,
                to: self.key.id.clone(),
            },
            None,
            ctx,
        );
        ctx.answer::<PeerReceipt>(Ok(()));
    }

    /// Whether `msg_id` is a message this user sent to `to` and keeps.
    fn own_message_to(
        &self,
        to: &str,
        msg_id: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<bool, DomainError> {
        if self.record.is_none() {
            return Ok(false);
        }
        let Some((seq, _)) = ctx
            .get(&msg_index::key(&self.key, msg_id))
            .map_err(|e| self.read_failed(e))?
            .and_then(|v| msg_index::parse(&v))
        else {
            return Ok(false);
        };
        let direction = ctx
            .get(&conv::index_key(&self.key, to, seq))
            .map_err(|e| self.read_failed(e))?;
        Ok(direction.as_deref() == Some(&[OUTGOING]))
    }

    /// Pushes `receipt` to this user's devices after the flush, but not to
    /// `skip` (the device it came from).
    fn tell_own_devices(
        &self,
        receipt: ReceiptPush,
        skip: Option<u64>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        self.push_after_commit(Push::Receipt(Arc::new(receipt)), skip, ctx);
    }

    /// Pushes `push` to this user's devices but `skip` after the flush.
    pub(super) fn push_after_commit(
        &self,
        push: Push,
        skip: Option<u64>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let targets: Vec<_> = self
            .sessions
            .iter()
            .filter(|s| Some(s.id()) != skip)
            .cloned()
            .collect();
        if targets.is_empty() {
            return;
        }
        ctx.after_commit(move || {
            for s in &targets {
                s.push(push.clone());
            }
        });
    }
}
