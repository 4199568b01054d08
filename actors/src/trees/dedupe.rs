//! Idempotency records: the ack of a message sent with a `client_msg_id`,
//! so a resend returns the first ack and stores nothing.
//!
//! - `D` + sender entity key bytes + client_msg_id → [`SentRecord`] (1:1
//!   sends, kept by the sender)
//! - `D` + group entity key bytes + sender + 0x00 + client_msg_id →
//!   `SendAck` (group sends, kept by the group, which assigns the seq)

use super::families::DEDUPE;
use crate::message::SendAck;
use imcloud_shards::EntityKey;
use serde::{Deserialize, Serialize};

/// A 1:1 sender's record of a `client_msg_id`: the ack of its send, and
/// whether the recipient has confirmed it. It is written unconfirmed in
/// the sender's step, in the same commit as the sender's copy, so a crash
/// at any point after that leaves a record a resend finds (a record
/// written only once the recipient answered left a window in which a
/// resend stored the message a second time). Records written before this
/// field existed (plain `SendAck`s) read as confirmed.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SentRecord {
    pub msg_id: u64,
    pub seq: u64,
    pub ts: i64,
    #[serde(default)]
    pub counted: u64,
    #[serde(default)]
    pub unconfirmed: bool,
}

impl SentRecord {
    pub fn new(ack: SendAck, unconfirmed: bool) -> SentRecord {
        SentRecord {
            msg_id: ack.msg_id,
            seq: ack.seq,
            ts: ack.ts,
            counted: ack.counted,
            unconfirmed,
        }
    }

    pub fn ack(&self) -> SendAck {
        SendAck {
            msg_id: self.msg_id,
            seq: self.seq,
            ts: self.ts,
            counted: self.counted,
        }
    }
}

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
