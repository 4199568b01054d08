//! The groups a user belongs to, kept at the user's entity (written by a
//! notice the group sends after its own commit), so sync can find the
//! user's group streams without asking every group.
//!
//! - `G` + user entity key bytes + group id → join seq (u64 BE): the
//!   group's last seq when the user joined; older messages are not theirs.

use super::families::USER_GROUPS;
use imcloud_shards::EntityKey;

pub fn prefix(user: &EntityKey) -> Vec<u8> {
    let mut k = vec![USER_GROUPS];
    user.write_bytes(&mut k);
    k
}

pub fn key(user: &EntityKey, group: &str) -> Vec<u8> {
    let mut k = prefix(user);
    k.extend_from_slice(group.as_bytes());
    k
}
