//! Pages of a 1:1 conversation, backwards from the newest or from a
//! message, read through the conversation's index (`C`, in msg id order)
//! into the user's own timeline: the server's copy, the same for every
//! device, in the same order on both sides.

use super::{GetMessages, History, UserState};
use crate::command::Answer;
use crate::conversation::{HistoryPage, HISTORY_PAGE_MAX};
use crate::error::DomainError;
use crate::message::{ChatType, StoredMessage};
use crate::trees::conversations as conv;
use crate::trees::timeline;
use crate::ChatEntity;
use imcloud_shards::{codec, StepCtx};
use std::sync::Arc;

/// Most messages one `GetMessages` reads.
const MAX_GET: usize = 1000;

impl UserState {
    pub(super) fn history(&mut self, req: History, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.page_back(&req, ctx);
        // After the flush: a page never shows what a crash could take back.
        ctx.answer::<History>(result);
    }

    pub(super) fn get_messages(&mut self, req: GetMessages, ctx: &mut StepCtx<'_, ChatEntity>) {
        let mut found = Vec::with_capacity(req.seqs.len().min(MAX_GET));
        for seq in req.seqs.into_iter().take(MAX_GET) {
            match ctx.get(&timeline::entry_key(&self.key, seq)) {
                Ok(Some(b)) => match codec::decode::<StoredMessage>(&b) {
                    Ok(m) => found.push(Arc::new(m)),
                    Err(e) => {
                        tracing::error!(user = %self.key, seq, error = %e, "undecodable timeline entry skipped")
                    }
                },
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(user = %self.key, error = %e, "reading messages failed");
                    return ctx.answer_now::<GetMessages>(Err(DomainError::Internal));
                }
            }
        }
        ctx.answer::<GetMessages>(Ok(found));
    }

    fn page_back(
        &self,
        req: &History,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<HistoryPage, DomainError> {
        if self.record.is_none() {
            return Err(DomainError::UserNotFound);
        }
        let failed = |e| {
            tracing::error!(user = %self.key, error = %e, "reading history failed");
            DomainError::Internal
        };
        let limit = req.limit.clamp(1, HISTORY_PAGE_MAX);
        // The index is keyed by msg id: `before` is a position, whether or
        // not that message is still there (recalled, say).
        let before = req
            .before
            .map(|id| id.to_be_bytes().to_vec())
            .unwrap_or_default();
        let cleared = self
            .conversation(ChatType::Single, &req.peer, ctx)
            .map_err(failed)?
            .cleared_up_to;
        let prefix = conv::peer_prefix(&self.key, &req.peer);
        let index = ctx
            .store()
            .scan_rev_from(
                &prefix,
                &cleared.saturating_add(1).to_be_bytes(),
                &before,
                limit + 1,
            )
            .map_err(failed)?;
        let more = index.len() > limit;
        let mut messages = Vec::with_capacity(limit);
        for (k, v) in index.into_iter().take(limit) {
            let Some(seq) = conv::parse_index(prefix.len(), &k, &v).map(|e| e.seq) else {
                continue;
            };
            let Some(bytes) = ctx
                .get(&timeline::entry_key(&self.key, seq))
                .map_err(failed)?
            else {
                continue;
            };
            match codec::decode::<StoredMessage>(&bytes) {
                Ok(m) => messages.push(Arc::new(m)),
                Err(e) => {
                    tracing::error!(user = %self.key, seq, error = %e, "undecodable timeline entry skipped")
                }
            }
        }
        messages.reverse();
        Ok(HistoryPage { messages, more })
    }
}
