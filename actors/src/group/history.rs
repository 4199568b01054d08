//! A member's history of the group, their conversation summary and read
//! marks. Everything starts at the member's join seq: nobody pages, counts
//! or marks what was sent before they joined. `cmd` messages are skipped.

use super::{GroupHistory, GroupState, ReadMarkAt, SummaryFor, SCOPE};
use crate::command::Answer;
use crate::conversation::{is_countable, GroupMark, GroupSummary, HistoryPage, HISTORY_PAGE_MAX};
use crate::error::DomainError;
use crate::message::StoredMessage;
use crate::trees::{msg_index, timeline};
use crate::ChatEntity;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::{codec, StepCtx};
use std::sync::Arc;

/// Most timeline entries one history page reads looking for countable
/// messages (a run of `cmd` messages longer than this ends the page early,
/// with `more`).
const MAX_SCANNED: usize = 2_000;

impl GroupState {
    /// The member's join seq (the floor of what they see).
    pub(super) fn floor_of(&self, user: &str) -> Result<u64, DomainError> {
        if self.record.is_none() {
            return Err(DomainError::NotFound(SCOPE));
        }
        self.members
            .0
            .get(user)
            .copied()
            .ok_or(DomainError::NotMember(SCOPE))
    }

    /// `(seq, count)` of the countable message `msg_id` of this group.
    pub(super) fn locate(
        &self,
        msg_id: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<(u64, u64), DomainError> {
        let bytes = ctx
            .get(&msg_index::key(&self.key, msg_id))
            .map_err(|e| self.read_failed(e))?
            .ok_or(DomainError::MessageNotFound)?;
        msg_index::parse(&bytes).ok_or(DomainError::Internal)
    }

    /// The stored group message `msg_id` (not recalled).
    pub(super) fn stored_message(
        &self,
        msg_id: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<StoredMessage, DomainError> {
        let (seq, _) = self.locate(msg_id, ctx)?;
        ctx.get(&timeline::entry_key(&self.key, seq))
            .map_err(|e| self.read_failed(e))?
            .and_then(|b| codec::decode::<StoredMessage>(&b).ok())
            .ok_or(DomainError::MessageNotFound)
    }

    pub(super) fn read_failed(&self, e: imcloud_shards::StoreError) -> DomainError {
        tracing::error!(group = %self.key, error = %e, "reading the group timeline failed");
        DomainError::Internal
    }

    pub(super) fn history(&mut self, req: GroupHistory, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.page_back(&req, ctx);
        // After the flush: a page never shows what a crash could take back.
        ctx.answer::<GroupHistory>(result);
    }

    fn page_back(
        &self,
        req: &GroupHistory,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<HistoryPage, DomainError> {
        let floor = self.floor_of(&req.user)?;
        let limit = req.limit.clamp(1, HISTORY_PAGE_MAX);
        let mut before = match req.before {
            Some(id) => self.locate(id, ctx)?.0,
            None => self.head.saturating_add(1),
        };
        let prefix = timeline::entry_prefix(&self.key);
        // One more than a page, to know whether older ones exist.
        let mut found: Vec<Arc<StoredMessage>> = Vec::with_capacity(limit + 1);
        let mut scanned = 0;
        let mut capped = false;
        'scan: while before > floor.saturating_add(1) {
            if scanned >= MAX_SCANNED {
                capped = true;
                break;
            }
            let want = (limit + 1 - found.len()).min(MAX_SCANNED - scanned);
            let raw = ctx
                .store()
                .scan_rev(&prefix, &before.to_be_bytes(), want)
                .map_err(|e| self.read_failed(e))?;
            if raw.is_empty() {
                break;
            }
            scanned += raw.len();
            for (k, v) in raw {
                let seq = k.get(prefix.len()..).and_then(decode_seq).unwrap_or(0);
                before = seq;
                if seq <= floor {
                    break 'scan;
                }
                match codec::decode::<StoredMessage>(&v) {
                    // Group msg ids grow with seqs: all older are cleared.
                    Ok(m) if m.msg_id <= req.cleared_up_to => break 'scan,
                    Ok(m) if is_countable(&m) => {
                        found.push(Arc::new(m));
                        if found.len() > limit {
                            break 'scan;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(group = %self.key, seq, error = %e, "undecodable timeline entry skipped")
                    }
                }
            }
        }
        let more = found.len() > limit || capped;
        found.truncate(limit);
        found.reverse();
        Ok(HistoryPage {
            messages: found,
            more,
        })
    }

    pub(super) fn summary_for(&mut self, req: SummaryFor, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.summary(&req.user, ctx).and_then(|mut s| {
            s.counted = s
                .counted
                .saturating_sub(self.recalled_after(req.read_seq, ctx)?);
            Ok(s)
        });
        ctx.answer::<SummaryFor>(result);
    }

    fn summary(
        &self,
        user: &str,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<GroupSummary, DomainError> {
        let page = self.page_back(
            &GroupHistory {
                user: user.to_string(),
                before: None,
                limit: 1,
                cleared_up_to: 0,
            },
            ctx,
        )?;
        Ok(GroupSummary {
            last: page.messages.into_iter().next(),
            counted: self.counted,
        })
    }

    pub(super) fn read_mark_at(&mut self, req: ReadMarkAt, ctx: &mut StepCtx<'_, ChatEntity>) {
        let mark = match self.mark(&req, ctx) {
            Ok(m) => m,
            Err(e) => return ctx.answer_now::<ReadMarkAt>(Err(e)),
        };
        let floor = self.members.0.get(&req.user).copied().unwrap_or(0);
        if let Err(e) = self.count_reads(&req.user, floor, &mark, ctx) {
            return ctx.fail(e);
        }
        // After the flush: the read counts it moved are on disk.
        ctx.answer::<ReadMarkAt>(Ok(mark));
    }

    fn mark(
        &self,
        req: &ReadMarkAt,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<GroupMark, DomainError> {
        let floor = self.floor_of(&req.user)?;
        match req.msg_id {
            Some(id) => {
                let (seq, counted) = self.locate(id, ctx)?;
                if seq <= floor {
                    return Err(DomainError::MessageNotFound);
                }
                Ok(GroupMark {
                    seq,
                    counted,
                    msg_id: id,
                })
            }
            None => {
                let last = self.summary(&req.user, ctx)?.last;
                Ok(GroupMark {
                    seq: self.head,
                    counted: self.counted,
                    msg_id: last.map_or(0, |m| m.msg_id),
                })
            }
        }
    }
}
