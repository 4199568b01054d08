//! A user's contacts, kept at the user's entity: its friends, the friend
//! requests waiting for its answer, and the users it blocked.
//!
//! - `f` + user entity key bytes + friend → `FriendRecord` (remark, since).
//! - `r` + user entity key bytes + requester → `ContactRequest` (reason,
//!   when): a request this user has not answered.
//! - `b` + user entity key bytes + blocked user → when (i64 ms, BE): the
//!   user's block list.

use super::families::{FRIENDS, FRIEND_REQUESTS, USER_BLOCKS};
use imcloud_shards::EntityKey;

/// The three families of a user's contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactTree {
    Friends,
    Requests,
    Blocks,
}

impl ContactTree {
    fn family(self) -> u8 {
        match self {
            ContactTree::Friends => FRIENDS,
            ContactTree::Requests => FRIEND_REQUESTS,
            ContactTree::Blocks => USER_BLOCKS,
        }
    }

    pub fn prefix(self, user: &EntityKey) -> Vec<u8> {
        let mut k = vec![self.family()];
        user.write_bytes(&mut k);
        k
    }

    pub fn key(self, user: &EntityKey, other: &str) -> Vec<u8> {
        let mut k = self.prefix(user);
        k.extend_from_slice(other.as_bytes());
        k
    }
}
