//! Group messages a member deleted from their own history (H3): the
//! group's timeline is shared, so the member's history of it leaves these
//! out.
//!
//! - `V` + user entity key bytes + group id + 0 + msg_id (u64 BE) → empty

use super::families::HIDDEN_GROUP_MESSAGES;
use imcloud_shards::EntityKey;

pub fn key(user: &EntityKey, group: &str, msg_id: u64) -> Vec<u8> {
    let mut k = vec![HIDDEN_GROUP_MESSAGES];
    user.write_bytes(&mut k);
    k.extend_from_slice(group.as_bytes());
    k.push(0);
    k.extend_from_slice(&msg_id.to_be_bytes());
    k
}
