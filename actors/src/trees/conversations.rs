//! A user's conversations, kept at the user's entity.
//!
//! - `N` + user entity key bytes + kind (`s` 1:1, `g` group) + peer or
//!   group id → `ConversationRecord` (last message, unread, read marks).
//! - `C` + user entity key bytes + peer + 0x00 + seq (u64 BE) → one byte,
//!   1 for a message from the peer, 0 for one to it: the 1:1 conversation's
//!   messages in the user's own timeline, for history pages and for
//!   counting what is unread after a read mark. `cmd` messages are not in
//!   it (they are kept out of history and unread counts).

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

pub fn index_key(user: &EntityKey, peer: &str, seq: u64) -> Vec<u8> {
    let mut k = peer_prefix(user, peer);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}
