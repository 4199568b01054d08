//! The shard's index of an app's users by creation time, for the paged user
//! list (each shard is scanned and the pages merged by the gateway).
//!
//! - `U` + app + 0x00 + created ms (u64 BE) + username → empty

use super::families::USERS_BY_CREATION;

pub fn app_prefix(app: &str) -> Vec<u8> {
    let mut k = vec![USERS_BY_CREATION];
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k
}

pub fn key(app: &str, created_ms: i64, username: &str) -> Vec<u8> {
    let mut k = app_prefix(app);
    k.extend_from_slice(&(created_ms.max(0) as u64).to_be_bytes());
    k.extend_from_slice(username.as_bytes());
    k
}

/// Position after `(created, username)`, for resuming a scan.
pub fn resume_from(created_ms: i64, username: &str) -> Vec<u8> {
    let mut k = (created_ms.max(0) as u64).to_be_bytes().to_vec();
    k.extend_from_slice(username.as_bytes());
    k.push(0);
    k
}

/// `(created ms, username)` from an index key under `app_prefix`.
pub fn parse(prefix_len: usize, key: &[u8]) -> Option<(i64, String)> {
    let rest = key.get(prefix_len..)?;
    let created = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?) as i64;
    let name = std::str::from_utf8(rest.get(8..)?).ok()?.to_string();
    Some((created, name))
}
