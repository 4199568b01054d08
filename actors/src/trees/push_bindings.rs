//! A user's push state beyond its record, at the user's entity:
//!
//! - `p` + user entity key bytes + device id → `PushBinding`: the token a
//!   device bound and the credential it belongs to (§10.4 binding);
//! - `d` + user entity key bytes + `u` (a peer) or `g` (a group) + its id
//!   → `PushSetting`: the user's setting for one conversation.

use super::families::{CONVERSATION_PUSH, PUSH_BINDINGS};
use imcloud_shards::EntityKey;

pub fn bindings_prefix(user: &EntityKey) -> Vec<u8> {
    let mut k = vec![PUSH_BINDINGS];
    user.write_bytes(&mut k);
    k
}

pub fn binding_key(user: &EntityKey, device: &str) -> Vec<u8> {
    let mut k = bindings_prefix(user);
    k.extend_from_slice(device.as_bytes());
    k
}

/// Whether a conversation setting is for a peer or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversation {
    User,
    Group,
}

pub fn setting_key(user: &EntityKey, conv: Conversation, id: &str) -> Vec<u8> {
    let mut k = vec![CONVERSATION_PUSH];
    user.write_bytes(&mut k);
    k.push(match conv {
        Conversation::User => b'u',
        Conversation::Group => b'g',
    });
    k.extend_from_slice(id.as_bytes());
    k
}

pub fn settings_prefix(user: &EntityKey) -> Vec<u8> {
    let mut k = vec![CONVERSATION_PUSH];
    user.write_bytes(&mut k);
    k
}
