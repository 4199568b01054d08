//! The seqs of a group's recalled messages, so members' unread counts
//! (differences of the group's count) leave them out.
//!
//! - `R` + group entity key bytes + seq (u64 BE) → empty

use super::families::RECALLED;
use imcloud_shards::EntityKey;

pub fn prefix(group: &EntityKey) -> Vec<u8> {
    let mut k = vec![RECALLED];
    group.write_bytes(&mut k);
    k
}

pub fn key(group: &EntityKey, seq: u64) -> Vec<u8> {
    let mut k = prefix(group);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}
