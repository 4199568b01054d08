//! Pages of a 1:1 conversation, backwards from the newest or from a
//! message, read through the conversation's index (`C`) into the user's
//! own timeline: the server's copy, the same for every device.

use super::{History, UserState};
use crate::command::Answer;
use crate::conversation::{HistoryPage, HISTORY_PAGE_MAX};
use crate::error::DomainError;
use crate::message::StoredMessage;
use crate::trees::conversations as conv;
use crate::trees::{msg_index, timeline};
use crate::ChatEntity;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::{codec, StepCtx};
use std::sync::Arc;

impl UserState {
    pub(super) fn history(&mut self, req: History, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.page_back(&req, ctx);
        // After the flush: a page never shows what a crash could take back.
        ctx.answer::<History>(result);
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
        let before = match req.before {
            Some(id) => {
                let seq = ctx
                    .get(&msg_index::key(&self.key, id))
                    .map_err(failed)?
                    .and_then(|v| msg_index::parse(&v))
                    .map(|(seq, _)| seq)
                    .ok_or(DomainError::MessageNotFound)?;
                seq.to_be_bytes().to_vec()
            }
            None => Vec::new(),
        };
        let prefix = conv::peer_prefix(&self.key, &req.peer);
        let index = ctx
            .store()
            .scan_rev(&prefix, &before, limit + 1)
            .map_err(failed)?;
        let more = index.len() > limit;
        let mut messages = Vec::with_capacity(limit);
        for (k, _) in index.into_iter().take(limit) {
            let Some(seq) = k.get(prefix.len()..).and_then(decode_seq) else {
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
