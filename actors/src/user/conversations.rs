//! The user's conversations at its entity. Every countable message stored
//! in its timeline is indexed in the same step (`X` by id, `C` by
//! conversation); a conversation's first message also writes its record
//! (`N`). The last message and the unread count are derived from `C` when
//! the conversations are listed, so a message writes nothing else. Read
//! marks and peers' receipts move the records; receipts are pushed to the
//! devices. See `crate::conversation` for what counts and how groups split
//! the work.

use super::{MarkGroupRead, MarkRead, PeerReceipt, UserState};
use crate::command::Answer;
use crate::conversation::{
    is_countable, ConversationEntry, ConversationRecord, LastRef, ReceiptKind, ReceiptPush,
};
use crate::error::DomainError;
use crate::message::{ChatType, StoredMessage};
use crate::session::Push;
use crate::trees::conversations::{self as conv, IndexEntry};
use crate::trees::{timeline, user_groups};
use crate::ChatEntity;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::{codec, EntityKey, EntityKind, StepCtx, StoreError};
use std::sync::Arc;

/// Most conversation records one listing reads (1:1 and groups).
pub const MAX_CONVERSATIONS: usize = 10_000;
/// Most 1:1 records an active user entity keeps in memory.
const MAX_CACHED_CONVERSATIONS: usize = 1024;
/// Most index entries read to count one conversation's unread messages
/// (a count past it is reported as this many).
const MAX_UNREAD_COUNTED: usize = 100_000;
/// Index entries read per scan while counting.
const SCAN_CHUNK: usize = 64;

impl UserState {
    pub(super) fn read_failed(&self, e: StoreError) -> DomainError {
        tracing::error!(user = %self.key, error = %e, "reading the user's conversations failed");
        DomainError::Internal
    }

    /// The record of the conversation `(chat, with)`, if it has one: from
    /// the entity's cache of 1:1 records, else the store. A record that
    /// does not decode is logged and started afresh.
    fn find_conversation(
        &self,
        chat: ChatType,
        with: &str,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        if chat == ChatType::Single {
            if let Some(r) = self.conversations.get(with) {
                return Ok(Some(r.clone()));
            }
        }
        Ok(ctx
            .get(&conv::record_key(&self.key, chat, with))?
            .map(|bytes| {
                codec::decode(&bytes).unwrap_or_else(|e| {
                    tracing::error!(user = %self.key, %with, error = %e, "undecodable conversation record replaced");
                    ConversationRecord::default()
                })
            }))
    }

    pub(super) fn conversation(
        &self,
        chat: ChatType,
        with: &str,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<ConversationRecord, StoreError> {
        Ok(self.find_conversation(chat, with, ctx)?.unwrap_or_default())
    }

    /// Stages `rec` as the record of the conversation `(chat, with)`, and
    /// keeps 1:1 records in the entity's cache (every message asks whether
    /// its conversation has one). The cache is bounded: when full it starts
    /// over.
    pub(super) fn save_conversation(
        &mut self,
        chat: ChatType,
        with: &str,
        rec: ConversationRecord,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        ctx.put(conv::record_key(&self.key, chat, with), &rec);
        if chat == ChatType::Single {
            self.cache_conversation(with, rec);
        }
    }

    fn cache_conversation(&mut self, with: &str, rec: ConversationRecord) {
        if self.conversations.len() >= MAX_CACHED_CONVERSATIONS
            && !self.conversations.contains_key(with)
        {
            self.conversations.clear();
        }
        self.conversations.insert(with.to_string(), rec);
    }

    /// Indexes a 1:1 message just appended to this timeline; the first
    /// message of a conversation also starts its record.
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
            conv::index_key(&self.key, peer, m.msg_id),
            conv::index_value(incoming, m.seq, m.ts),
        );
        if self.conversations.contains_key(peer.as_str()) {
            // The conversation has its record: nothing more to write.
            return;
        }
        match self.find_conversation(ChatType::Single, peer, ctx) {
            Ok(Some(rec)) => self.cache_conversation(peer, rec),
            Ok(None) => {
                let rec = ConversationRecord {
                    ts: m.ts,
                    ..Default::default()
                };
                self.save_conversation(ChatType::Single, peer, rec, ctx);
            }
            Err(e) => ctx.fail(e),
        }
    }

    /// A message left this timeline (a refused send's copy, a recall): its
    /// indexes go; the conversation's last message and unread count follow
    /// (they are derived from the index).
    pub(super) fn unindex_message(&mut self, m: &StoredMessage, ctx: &mut StepCtx<'_, ChatEntity>) {
        if !is_countable(m) {
            return;
        }
        let peer = if m.from != self.key.id {
            &m.from
        } else {
            &m.to
        };
        ctx.delete(conv::index_key(&self.key, peer, m.msg_id));
    }

    /// This timeline's message `msg_id` of the conversation with `peer`,
    /// if it holds it.
    pub(super) fn own_message(
        &self,
        peer: &str,
        msg_id: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Option<StoredMessage>, DomainError> {
        let Some(entry) = self.index_entry(peer, msg_id, ctx)? else {
            return Ok(None);
        };
        Ok(ctx
            .get(&timeline::entry_key(&self.key, entry.seq))
            .map_err(|e| self.read_failed(e))?
            .and_then(|b| codec::decode::<StoredMessage>(&b).ok()))
    }

    /// The peer of the 1:1 conversation holding `msg_id`, looked for in
    /// every conversation of the user (one point read each).
    pub(super) fn find_sent(&mut self, msg_id: u64, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.conversation_of(msg_id, ctx);
        ctx.answer_now::<super::FindSent>(result);
    }

    fn conversation_of(
        &self,
        msg_id: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Option<String>, DomainError> {
        for (chat, peer, _) in self.records(ctx)? {
            if chat == ChatType::Single && self.index_entry(&peer, msg_id, ctx)?.is_some() {
                return Ok(Some(peer));
            }
        }
        Ok(None)
    }

    /// The index entry of the message `msg_id` of the conversation with
    /// `peer`, if any.
    fn index_entry(
        &self,
        peer: &str,
        msg_id: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Option<IndexEntry>, DomainError> {
        let prefix = conv::peer_prefix(&self.key, peer);
        let key = conv::index_key(&self.key, peer, msg_id);
        Ok(ctx
            .get(&key)
            .map_err(|e| self.read_failed(e))?
            .and_then(|v| conv::parse_index(prefix.len(), &key, &v)))
    }

    /// Walks the conversation with `peer` from the newest message back,
    /// handing each index entry to `visit` until it returns false (or
    /// [`MAX_UNREAD_COUNTED`] entries were read).
    pub(super) fn walk_back(
        &self,
        peer: &str,
        ctx: &StepCtx<'_, ChatEntity>,
        mut visit: impl FnMut(&IndexEntry) -> bool,
    ) -> Result<(), DomainError> {
        let prefix = conv::peer_prefix(&self.key, peer);
        let mut before: Vec<u8> = Vec::new();
        let mut read = 0;
        while read < MAX_UNREAD_COUNTED {
            let chunk = ctx
                .store()
                .scan_rev(&prefix, &before, SCAN_CHUNK)
                .map_err(|e| self.read_failed(e))?;
            let done = chunk.len() < SCAN_CHUNK;
            for (k, v) in chunk {
                read += 1;
                let Some(e) = conv::parse_index(prefix.len(), &k, &v) else {
                    continue;
                };
                if !visit(&e) {
                    return Ok(());
                }
                before = e.msg_id.to_be_bytes().to_vec();
            }
            if done {
                break;
            }
        }
        Ok(())
    }

    /// The conversation's newest message, and the messages from the peer
    /// after both the read mark (`read_id`) and the user's own newest
    /// message (which marked everything before it read).
    fn derive(
        &self,
        peer: &str,
        rec: &ConversationRecord,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<(Option<LastRef>, u64), DomainError> {
        let read_id = rec.read_id.max(rec.cleared_up_to);
        let mut last = None;
        let mut unread = 0;
        self.walk_back(peer, ctx, |e| {
            if e.msg_id <= rec.cleared_up_to {
                // Deleted from this user's history, not yet purged.
                return false;
            }
            if last.is_none() {
                last = Some(LastRef {
                    seq: e.seq,
                    msg_id: e.msg_id,
                    ts: e.ts,
                });
            }
            if e.msg_id <= read_id || !e.incoming {
                return false;
            }
            unread += 1;
            true
        })?;
        Ok((last, unread))
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
        self.save_conversation(ChatType::Group, group, rec, ctx);
    }

    /// Every conversation record of the user, raw: `(chat, with, value)`.
    fn records(
        &self,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Vec<(ChatType, String, Vec<u8>)>, DomainError> {
        if self.record.is_none() {
            return Err(DomainError::UserNotFound);
        }
        let prefix = conv::record_prefix(&self.key);
        let raw = ctx
            .store()
            .scan(&prefix, &[], MAX_CONVERSATIONS)
            .map_err(|e| self.read_failed(e))?;
        Ok(raw
            .into_iter()
            .filter_map(|(k, v)| {
                let (chat, with) = conv::parse_record_key(prefix.len(), &k)?;
                Some((chat, with, v))
            })
            .collect())
    }

    pub(super) fn list_conversations(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.conversations(ctx);
        ctx.answer::<super::ListConversations>(result);
    }

    fn conversations(
        &self,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Vec<ConversationEntry>, DomainError> {
        let raw = self.records(ctx)?;
        let mut entries = Vec::with_capacity(raw.len());
        for (chat, with, v) in raw {
            let record = match codec::decode::<ConversationRecord>(&v) {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(user = %self.key, %with, error = %e, "undecodable conversation record skipped");
                    continue;
                }
            };
            let (last, unread) = match chat {
                ChatType::Group => (None, 0),
                _ => self.derive(&with, &record, ctx)?,
            };
            let hidden = last.is_none_or(|l| l.msg_id <= record.hidden_up_to);
            if chat == ChatType::Single && hidden {
                // Deleted from the list (and nothing newer since), or every
                // message of it was recalled or refused.
                continue;
            }
            entries.push(ConversationEntry {
                chat,
                with,
                record,
                last,
                unread,
            });
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
                    last: None,
                    unread: 0,
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
        let (from, to) = (self.key.id.clone(), req.peer.clone());
        crate::hooks::emit_new(ctx, &self.key.app, |event_id| {
            crate::hooks::HookEvent::ReadAck {
                from,
                to,
                msg_id,
                event_id,
            }
        });
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
        let (read_id, newest_in) = match req.msg_id {
            Some(id) => {
                let entry = self
                    .index_entry(&req.peer, id, ctx)?
                    .ok_or(DomainError::MessageNotFound)?;
                (id, entry.incoming.then_some(id))
            }
            None => {
                let mut newest = None;
                let mut newest_in = None;
                self.walk_back(&req.peer, ctx, |e| {
                    newest.get_or_insert(e.msg_id);
                    if e.incoming {
                        newest_in = Some(e.msg_id);
                        return false;
                    }
                    true
                })?;
                let Some(id) = newest else {
                    return Ok(None);
                };
                (id, newest_in)
            }
        };
        let mut rec = self
            .conversation(ChatType::Single, &req.peer, ctx)
            .map_err(|e| self.read_failed(e))?;
        if read_id <= rec.read_id {
            return Ok(None);
        }
        rec.read_id = read_id;
        self.save_conversation(ChatType::Single, &req.peer, rec, ctx);
        Ok(newest_in)
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
            rec.read_id = req.mark.msg_id;
            rec.read_counted = req.mark.counted;
            self.save_conversation(ChatType::Group, &req.group, rec, ctx);
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
        self.save_conversation(ChatType::Single, &req.from, rec, ctx);
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
        Ok(self
            .index_entry(to, msg_id, ctx)?
            .is_some_and(|e| !e.incoming))
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
