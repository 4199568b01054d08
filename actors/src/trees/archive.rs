//! The app's message archive: one copy of every message as sent (1:1,
//! group and chatroom), by app and time, for the hourly export (§5.8) and
//! the retention sweep. It is the app's record, not a user's: one-sided
//! deletes leave it, a recall removes the message, an edit rewrites it.
//!
//! - `Y` + app + 0 + ts (u64 BE, ms) + msg_id (u64 BE) → `StoredMessage`
//!
//! Each copy lives in the shard of the entity that stored the message (a
//! 1:1 message's recipient, the group, the room); an export merges the
//! shards' ranges by time.

use super::families::ARCHIVE;
use crate::message::StoredMessage;
use crate::ChatEntity;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::{codec, StepCtx};

/// Every archived message of `app` on a shard.
pub fn app_prefix(app: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(2 + app.len() + 16);
    k.push(ARCHIVE);
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k
}

/// The part of a key after [`app_prefix`]: time, then id.
pub fn position(ts: i64, msg_id: u64) -> [u8; 16] {
    let mut p = [0u8; 16];
    p[..8].copy_from_slice(&(ts.max(0) as u64).to_be_bytes());
    p[8..].copy_from_slice(&msg_id.to_be_bytes());
    p
}

pub fn key(app: &str, ts: i64, msg_id: u64) -> Vec<u8> {
    let mut k = app_prefix(app);
    k.extend_from_slice(&position(ts, msg_id));
    k
}

/// `(ts, msg_id)` of a key under `prefix_len` bytes of app prefix.
pub fn parse(prefix_len: usize, key: &[u8]) -> Option<(i64, u64)> {
    let rest = key.get(prefix_len..)?;
    let ts = decode_seq(rest.get(..8)?)?;
    let msg_id = decode_seq(rest.get(8..16)?)?;
    Some((ts as i64, msg_id))
}

/// Stages `m` (already numbered and timed) as `app`'s record of it.
pub fn put(app: &str, m: &StoredMessage, ctx: &mut StepCtx<'_, ChatEntity>) {
    ctx.put(key(app, m.ts, m.msg_id), m);
}

/// Stages `m` under `stored_at` (its timeline entry) and as `app`'s
/// record of it, encoded once: the two values are the same bytes.
pub fn put_stored(
    app: &str,
    stored_at: Vec<u8>,
    m: &StoredMessage,
    ctx: &mut StepCtx<'_, ChatEntity>,
) {
    match codec::encode(m) {
        Ok(bytes) => {
            ctx.put_raw(key(app, m.ts, m.msg_id), bytes.clone());
            ctx.put_raw(stored_at, bytes);
        }
        Err(e) => ctx.fail(e),
    }
}

/// Stages the removal of `m` from `app`'s record.
pub fn delete(app: &str, m: &StoredMessage, ctx: &mut StepCtx<'_, ChatEntity>) {
    ctx.delete(key(app, m.ts, m.msg_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_time_then_id_and_parse_back() {
        let a = key("o#a", 1_000, 9);
        let b = key("o#a", 1_001, 1);
        assert!(a < b);
        let n = app_prefix("o#a").len();
        assert_eq!(parse(n, &a), Some((1_000, 9)));
        assert!(!key("o#ab", 0, 0).starts_with(&app_prefix("o#a")));
    }
}
