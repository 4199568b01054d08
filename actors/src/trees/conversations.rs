//! A user's conversations, kept at the user's entity.
//!
//! - `N` + user entity key bytes + kind (`s` 1:1, `g` group) + peer or
//!   group id → `ConversationRecord` (last message, unread, read marks).
//! - `C` + user entity key bytes + peer + 0x00 + msg_id (u64 BE) →
//!   direction (1 from the peer, 0 to it), seq in the user's timeline (u64
//!   BE), ts (i64 BE): the 1:1 conversation's messages in msg id order
//!   (time order, the same on both sides), for history pages, finding a
//!   message by id, the conversation's last message and counting what is
//!   unread after a read mark. `cmd` messages are not in it (they are kept
//!   out of history and unread counts).

use super::families::{CONVERSATIONS, CONVERSATION_INDEX};
use crate::message::ChatType;
use imcloud_shards::EntityKey;

pub const INCOMING: u8 = 1;
pub const OUTGOING: u8 = 0;

fn kind_byte(chat: ChatType) -> u8 {
    match chat {
        ChatType::Group => b'g',
        ChatType::Single | ChatType::Chatroom => b's',
    }
}

pub fn record_prefix(user: &EntityKey) -> Vec<u8> {
    let mut k = vec![CONVERSATIONS];
    user.write_bytes(&mut k);
    k
}

pub fn record_key(user: &EntityKey, chat: ChatType, with: &str) -> Vec<u8> {
    let mut k = record_prefix(user);
    k.push(kind_byte(chat));
    k.extend_from_slice(with.as_bytes());
    k
}

/// `(chat, with)` from a record key under `record_prefix`.
pub fn parse_record_key(prefix_len: usize, key: &[u8]) -> Option<(ChatType, String)> {
    let rest = key.get(prefix_len..)?;
    let chat = match rest.first()? {
        b'g' => ChatType::Group,
        b's' => ChatType::Single,
        _ => return None,
    };
    let with = std::str::from_utf8(rest.get(1..)?).ok()?.to_string();
    Some((chat, with))
}

pub fn index_prefix(user: &EntityKey) -> Vec<u8> {
    let mut k = vec![CONVERSATION_INDEX];
    user.write_bytes(&mut k);
    k
}

pub fn peer_prefix(user: &EntityKey, peer: &str) -> Vec<u8> {
    let mut k = index_prefix(user);
    k.extend_from_slice(peer.as_bytes());
    k.push(0);
    k
}

pub fn index_key(user: &EntityKey, peer: &str, msg_id: u64) -> Vec<u8> {
    let mut k = peer_prefix(user, peer);
    k.extend_from_slice(&msg_id.to_be_bytes());
    k
}

/// An index entry's value.
pub fn index_value(incoming: bool, seq: u64, ts: i64) -> Vec<u8> {
    let mut v = Vec::with_capacity(17);
    v.push(if incoming { INCOMING } else { OUTGOING });
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(&ts.to_be_bytes());
    v
}

/// One entry of a conversation's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    pub seq: u64,
    pub incoming: bool,
    pub msg_id: u64,
    pub ts: i64,
}

/// An index entry from its key (under `peer_prefix`, of length
/// `prefix_len`) and value.
pub fn parse_index(prefix_len: usize, key: &[u8], value: &[u8]) -> Option<IndexEntry> {
    let msg_id = u64::from_be_bytes(key.get(prefix_len..prefix_len + 8)?.try_into().ok()?);
    let incoming = *value.first()? == INCOMING;
    let seq = u64::from_be_bytes(value.get(1..9)?.try_into().ok()?);
    let ts = i64::from_be_bytes(value.get(9..17)?.try_into().ok()?);
    Some(IndexEntry {
        seq,
        incoming,
        msg_id,
        ts,
    })
}
