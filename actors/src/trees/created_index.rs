//! The shard's index of an app's groups, and apart of its chatrooms, by
//! creation time, for the paged lists of all groups / rooms (each shard is
//! scanned, newest first, and the pages merged by the gateway). Written in
//! the group's or room's own shard.
//!
//! - `I` (groups) or `J` (rooms) + app + 0x00 + created ms (u64 BE) + id
//!   → empty

use super::families::{GROUPS_BY_CREATION, ROOMS_BY_CREATION};
use serde::{Deserialize, Serialize};

/// Which entities an index lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Listed {
    Groups,
    Rooms,
}

impl Listed {
    fn family(self) -> u8 {
        match self {
            Listed::Groups => GROUPS_BY_CREATION,
            Listed::Rooms => ROOMS_BY_CREATION,
        }
    }
}

pub fn app_prefix(listed: Listed, app: &str) -> Vec<u8> {
    let mut k = vec![listed.family()];
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k
}

pub fn key(listed: Listed, app: &str, created_ms: i64, id: &str) -> Vec<u8> {
    let mut k = app_prefix(listed, app);
    k.extend_from_slice(&(created_ms.max(0) as u64).to_be_bytes());
    k.extend_from_slice(id.as_bytes());
    k
}

/// `(created ms, id)` from an index key under `app_prefix`.
pub fn parse(prefix_len: usize, key: &[u8]) -> Option<(i64, String)> {
    let rest = key.get(prefix_len..)?;
    let created = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?) as i64;
    let id = std::str::from_utf8(rest.get(8..)?).ok()?.to_string();
    Some((created, id))
}
