//! Idempotency records: the ack of a message sent with a `client_msg_id`,
//! so a resend returns the first ack and stores nothing.
//!
//! - `D` + sender entity key bytes + client_msg_id → `SendAck` (1:1 sends,
//!   kept by the sender)
//! - `D` + group entity key bytes + sender + 0x00 + client_msg_id →
//!   `SendAck` (group sends, kept by the group, which assigns the seq)

use super::families::DEDUPE;
use imcloud_shards::EntityKey;

pub fn prefix(owner: &EntityKey) -> Vec<u8> {
    let mut k = vec![DEDUPE];
    owner.write_bytes(&mut k);
    k
}

pub fn key(sender: &EntityKey, client_msg_id: &str) -> Vec<u8> {
    let mut k = prefix(sender);
    k.extend_from_slice(client_msg_id.as_bytes());
    k
}

/// The record of `sender`'s send to the stream `owner` keeps.
pub fn scoped_key(owner: &EntityKey, sender: &str, client_msg_id: &str) -> Vec<u8> {
    let mut k = prefix(owner);
    k.extend_from_slice(sender.as_bytes());
    k.push(0);
    k.extend_from_slice(client_msg_id.as_bytes());
    k
}
