//! Group read receipts: the messages sent with `need_group_ack`, with how
//! many members have read each, and how far each member has read.
//!
//! - `A` + group entity key bytes + seq (u64 BE) → msg id (u64 BE), read
//!   count (u64 BE), sender (UTF-8)
//! - `Q` + group entity key bytes + username → seq (u64 BE)

use super::families::{GROUP_ACKS, GROUP_READ_MARKS};
use imcloud_shards::entity::decode_seq;
use imcloud_shards::EntityKey;

pub fn ack_prefix(group: &EntityKey) -> Vec<u8> {
    let mut k = vec![GROUP_ACKS];
    group.write_bytes(&mut k);
    k
}

pub fn ack_key(group: &EntityKey, seq: u64) -> Vec<u8> {
    let mut k = ack_prefix(group);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// An acked message's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acked {
    pub msg_id: u64,
    pub count: u64,
    pub sender: String,
}

pub fn ack_value(a: &Acked) -> Vec<u8> {
    let mut v = Vec::with_capacity(16 + a.sender.len());
    v.extend_from_slice(&a.msg_id.to_be_bytes());
    v.extend_from_slice(&a.count.to_be_bytes());
    v.extend_from_slice(a.sender.as_bytes());
    v
}

pub fn parse_ack(v: &[u8]) -> Option<Acked> {
    Some(Acked {
        msg_id: decode_seq(v)?,
        count: decode_seq(v.get(8..)?)?,
        sender: std::str::from_utf8(v.get(16..)?).ok()?.to_string(),
    })
}

pub fn mark_key(group: &EntityKey, user: &str) -> Vec<u8> {
    let mut k = vec![GROUP_READ_MARKS];
    group.write_bytes(&mut k);
    k.extend_from_slice(user.as_bytes());
    k
}
