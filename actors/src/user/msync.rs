//! The user's side of msync delivery (`/websocket`): each device resource
//! keeps, per stream, the last seq it acknowledged (`m` keys,
//! `trees/msync_cursors.rs`). An acknowledgement only moves a cursor
//! forward, and on the user's own stream never past its last seq.

use super::{MsyncCursor, MsyncCursors, MsyncPosition, UserState};
use crate::command::Answer;
use crate::error::DomainError;
use crate::trees::msync_cursors::{self, USER_STREAM};
use crate::ChatEntity;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::StepCtx;

/// Most streams one resource keeps a cursor for (its own timeline, its
/// groups): a listing stops there.
const MAX_STREAMS: usize = 10_000;

impl UserState {
    pub(super) fn msync_cursor(&mut self, req: MsyncCursor, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<MsyncCursor>(Err(DomainError::UserNotFound));
        }
        let key = msync_cursors::key(&self.key, &req.resource, &req.stream);
        let stored = match ctx.get(&key) {
            Ok(v) => v.as_deref().and_then(decode_seq),
            Err(e) => return ctx.fail(e),
        };
        let ack = match req.ack {
            Some(a) if req.stream == USER_STREAM => Some(a.min(self.head)),
            other => other,
        };
        match ack {
            Some(a) if stored.is_none_or(|s| a > s) => {
                ctx.put_raw(key, a.to_be_bytes().to_vec());
                // After the commit: the cursor the caller reads from is on
                // disk (a crash can only make it deliver again, never skip).
                ctx.answer::<MsyncCursor>(Ok(MsyncPosition {
                    cursor: Some(a),
                    head: self.head,
                }));
            }
            _ => ctx.answer::<MsyncCursor>(Ok(MsyncPosition {
                cursor: stored,
                head: self.head,
            })),
        }
    }

    pub(super) fn msync_cursors(&mut self, req: MsyncCursors, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<MsyncCursors>(Err(DomainError::UserNotFound));
        }
        let p = msync_cursors::resource_prefix(&self.key, &req.resource);
        let entries = match ctx.store().scan(&p, &[], MAX_STREAMS) {
            Ok(e) => e,
            Err(e) => return ctx.fail(e),
        };
        let cursors = entries
            .iter()
            .filter_map(|(k, v)| {
                let stream = msync_cursors::stream_of(p.len(), k)?;
                Some((stream.to_string(), decode_seq(v)?))
            })
            .collect();
        // A read of committed state.
        ctx.answer_now::<MsyncCursors>(Ok((self.head, cursors)));
    }
}
