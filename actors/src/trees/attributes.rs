//! User attributes, kept at the user's entity, and the per-shard count of
//! the bytes they take (what `GET /metadata/user/capacity` sums).
//!
//! - `a` + user entity key bytes → `Attributes` (a map of strings).
//! - `s` + app + 0x00 → bytes (u64 BE) of the attributes (keys + values)
//!   of the app's users on this shard. Every attribute change moves it in
//!   the same batch: a shard's entities take their steps one at a time,
//!   so the read-modify-write of one shard's count never races.

use super::families::{ATTRIBUTE_BYTES, USER_ATTRIBUTES};
use imcloud_shards::EntityKey;

pub fn key(user: &EntityKey) -> Vec<u8> {
    let mut k = vec![USER_ATTRIBUTES];
    user.write_bytes(&mut k);
    k
}

pub fn bytes_key(app: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(app.len() + 2);
    k.push(ATTRIBUTE_BYTES);
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k
}

/// A stored byte count (0 for none or a value of another shape).
pub fn parse_bytes(value: Option<&[u8]>) -> u64 {
    value
        .and_then(|v| v.get(..8))
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0)
}
