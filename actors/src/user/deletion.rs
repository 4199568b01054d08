//! One-sided deletion of a user's conversations and messages (Easemob
//! §5.7): only this user's copies go; the peer keeps theirs. Deleting a
//! conversation hides it from the list until a newer message comes; with
//! `delete_roam` (and "up to a time") its history is cleared by a mark
//! written at once, and the entries under the mark are purged in bounded
//! steps afterwards (each step tells the entity to run the next), so a
//! long conversation never stalls the entity and a crash mid-purge leaves
//! only entries the mark already hides.

use super::{
    ClearUpTo, ClearedMark, DeleteConversation, DeleteMessages, HiddenOf, HideGroupMessages,
    PurgeCleared, UserState,
};
use crate::command::Answer;
use crate::error::DomainError;
use crate::message::ChatType;
use crate::trees::conversations as conv;
use crate::trees::hidden_group_messages as hidden;
use crate::trees::timeline;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

/// Index entries one purge step deletes (with their timeline entries).
const PURGE_STEP: usize = 1_000;
/// Most messages one `DeleteMessages` names (Easemob's 50).
pub const MAX_DELETE_IDS: usize = 50;

impl UserState {
    pub(super) fn delete_conversation(
        &mut self,
        req: DeleteConversation,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return ctx.answer_now::<DeleteConversation>(Err(DomainError::UserNotFound));
        }
        let mut rec = match self.conversation(req.chat, &req.with, ctx) {
            Ok(r) => r,
            Err(e) => return ctx.answer_now::<DeleteConversation>(Err(self.read_failed(e))),
        };
        let newest = match req.chat {
            ChatType::Group => req.group_last,
            _ => {
                let mut newest = 0;
                if let Err(e) = self.walk_back(&req.with, ctx, |e| {
                    newest = e.msg_id;
                    false
                }) {
                    return ctx.answer_now::<DeleteConversation>(Err(e));
                }
                newest
            }
        };
        rec.hidden_up_to = rec.hidden_up_to.max(newest);
        rec.read_id = rec.read_id.max(newest);
        let clear = req.delete_roam && newest > rec.cleared_up_to;
        if clear {
            rec.cleared_up_to = newest;
        }
        // A group's timeline is shared: its history of it starts after the
        // mark, nothing is purged.
        let purge = clear && req.chat == ChatType::Single;
        self.save_conversation(req.chat, &req.with, rec, ctx);
        if purge {
            self.purge_later(&req.with, ctx);
        }
        ctx.answer::<DeleteConversation>(Ok(()));
    }

    pub(super) fn clear_up_to(&mut self, req: ClearUpTo, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<ClearUpTo>(Err(DomainError::UserNotFound));
        }
        let chat = match req.chat {
            ChatType::Group => ChatType::Group,
            _ => ChatType::Single,
        };
        let mut rec = match self.conversation(chat, &req.peer, ctx) {
            Ok(r) => r,
            Err(e) => return ctx.answer_now::<ClearUpTo>(Err(self.read_failed(e))),
        };
        if req.msg_id > rec.cleared_up_to {
            rec.cleared_up_to = req.msg_id;
            self.save_conversation(chat, &req.peer, rec, ctx);
            if chat == ChatType::Single {
                self.purge_later(&req.peer, ctx);
            }
        }
        ctx.answer::<ClearUpTo>(Ok(()));
    }

    pub(super) fn cleared_mark(&mut self, req: ClearedMark, ctx: &mut StepCtx<'_, ChatEntity>) {
        let mark = self
            .conversation(req.chat, &req.with, ctx)
            .map(|r| r.cleared_up_to)
            .map_err(|e| self.read_failed(e));
        // After the flush: a mark is shown only once it is durable.
        ctx.answer::<ClearedMark>(mark);
    }

    pub(super) fn delete_messages(
        &mut self,
        req: DeleteMessages,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return ctx.answer_now::<DeleteMessages>(Err(DomainError::UserNotFound));
        }
        for id in req.msg_ids.into_iter().take(MAX_DELETE_IDS) {
            match self.own_message(&req.peer, id, ctx) {
                Ok(Some(m)) => {
                    ctx.delete(timeline::entry_key(&self.key, m.seq));
                    self.unindex_message(&m, ctx);
                }
                Ok(None) => {}
                Err(e) => return ctx.answer_now::<DeleteMessages>(Err(e)),
            }
        }
        ctx.answer::<DeleteMessages>(Ok(()));
    }

    pub(super) fn hide_group_messages(
        &mut self,
        req: HideGroupMessages,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return ctx.answer_now::<HideGroupMessages>(Err(DomainError::UserNotFound));
        }
        for id in req.msg_ids.into_iter().take(MAX_DELETE_IDS) {
            ctx.put_raw(hidden::key(&self.key, &req.group, id), Vec::new());
        }
        ctx.answer::<HideGroupMessages>(Ok(()));
    }

    pub(super) fn hidden_of(&mut self, req: HiddenOf, ctx: &mut StepCtx<'_, ChatEntity>) {
        let mut found = Vec::new();
        // A history page's worth at most.
        for id in req
            .msg_ids
            .into_iter()
            .take(crate::conversation::HISTORY_PAGE_MAX)
        {
            match ctx.get(&hidden::key(&self.key, &req.group, id)) {
                Ok(Some(_)) => found.push(id),
                Ok(None) => {}
                Err(e) => return ctx.answer_now::<HiddenOf>(Err(self.read_failed(e))),
            }
        }
        ctx.answer::<HiddenOf>(Ok(found));
    }

    /// After this step's commit, the next purge step of `peer`'s cleared
    /// entries.
    fn purge_later(&self, peer: &str, ctx: &mut StepCtx<'_, ChatEntity>) {
        let (router, key, peer) = (ctx.router().clone(), self.key.clone(), peer.to_string());
        ctx.after_commit(move || {
            // A full mailbox drops it: the mark still hides the entries,
            // and the next clear of this conversation purges them.
            let _ = router.tell(key, PurgeCleared { peer }.into());
        });
    }

    /// One bounded step of deleting the entries under the conversation's
    /// cleared mark.
    pub(super) fn purge_cleared(&mut self, req: PurgeCleared, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return;
        }
        let cleared = match self.conversation(ChatType::Single, &req.peer, ctx) {
            Ok(r) => r.cleared_up_to,
            Err(e) => return ctx.fail(e),
        };
        let prefix = conv::peer_prefix(&self.key, &req.peer);
        let below = cleared.saturating_add(1).to_be_bytes();
        let entries = match ctx.store().scan_rev(&prefix, &below, PURGE_STEP) {
            Ok(e) => e,
            Err(e) => return ctx.fail(e),
        };
        let full = entries.len() == PURGE_STEP;
        for (k, v) in entries {
            if let Some(e) = conv::parse_index(prefix.len(), &k, &v) {
                ctx.delete(timeline::entry_key(&self.key, e.seq));
            }
            ctx.delete(k);
        }
        if full {
            self.purge_later(&req.peer, ctx);
        }
    }
}
