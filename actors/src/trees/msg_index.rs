//! Where a message sits in a group's timeline, by its id: history pages
//! "before a msg_id", read marks "up to a msg_id" and recalls start from
//! it. (A user's 1:1 messages are found by id through the conversation
//! index, `conversations.rs`, whose keys are msg ids.)
//!
//! - `X` + group entity key bytes + msg_id (u64 BE) → seq (u64 BE), then
//!   the group's count of countable messages up to and including it (u64
//!   BE): what a read mark at it records. Kept after a recall, as a
//!   position.

use super::families::MSG_INDEX;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::EntityKey;

pub fn prefix(stream: &EntityKey) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + stream.byte_len() + 8);
    k.push(MSG_INDEX);
    stream.write_bytes(&mut k);
    k
}

pub fn key(stream: &EntityKey, msg_id: u64) -> Vec<u8> {
    let mut k = prefix(stream);
    k.extend_from_slice(&msg_id.to_be_bytes());
    k
}

/// The value: the seq, and a count where the stream keeps one.
pub fn value(seq: u64, counted: Option<u64>) -> Vec<u8> {
    let mut v = seq.to_be_bytes().to_vec();
    if let Some(c) = counted {
        v.extend_from_slice(&c.to_be_bytes());
    }
    v
}

/// `(seq, count)` from a value (count 0 where none was kept).
pub fn parse(value: &[u8]) -> Option<(u64, u64)> {
    let seq = decode_seq(value)?;
    let counted = value.get(8..).and_then(decode_seq).unwrap_or(0);
    Some((seq, counted))
}
