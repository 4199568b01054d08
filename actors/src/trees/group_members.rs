//! Group membership and block lists, one small key per member so a change
//! writes one key, not the whole member list.
//!
//! - `M` + group entity key bytes + username → `MemberRecord`
//! - `B` + group entity key bytes + username → empty (blocked user)

use super::families::{GROUP_BLOCKS, GROUP_MEMBERS};
use imcloud_shards::EntityKey;

fn key(family: u8, group: &EntityKey, user: &str) -> Vec<u8> {
    let mut k = prefix(family, group);
    k.extend_from_slice(user.as_bytes());
    k
}

fn prefix(family: u8, group: &EntityKey) -> Vec<u8> {
    let mut k = vec![family];
    group.write_bytes(&mut k);
    k
}

pub fn member_prefix(group: &EntityKey) -> Vec<u8> {
    prefix(GROUP_MEMBERS, group)
}

pub fn member_key(group: &EntityKey, user: &str) -> Vec<u8> {
    key(GROUP_MEMBERS, group, user)
}

pub fn block_prefix(group: &EntityKey) -> Vec<u8> {
    prefix(GROUP_BLOCKS, group)
}

pub fn block_key(group: &EntityKey, user: &str) -> Vec<u8> {
    key(GROUP_BLOCKS, group, user)
}

/// The username of a key under a prefix of length `prefix_len`.
pub fn parse_user(prefix_len: usize, key: &[u8]) -> Option<String> {
    std::str::from_utf8(key.get(prefix_len..)?)
        .ok()
        .map(str::to_string)
}
