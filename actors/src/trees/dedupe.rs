//! Idempotency records: the ack of a message a user sent with a
//! `client_msg_id`, so a resend returns the first ack and stores nothing.
//!
//! - `D` + sender entity key bytes + client_msg_id → `SendAck`

use imcloud_shards::EntityKey;

pub fn key(sender: &EntityKey, client_msg_id: &str) -> Vec<u8> {
    let mut k = vec![b'D'];
    k.extend_from_slice(&sender.to_bytes());
    k.extend_from_slice(client_msg_id.as_bytes());
    k
}

pub fn prefix(sender: &EntityKey) -> Vec<u8> {
    let mut k = vec![b'D'];
    k.extend_from_slice(&sender.to_bytes());
    k
}
