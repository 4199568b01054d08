//! The shard's index of an app's groups by creation time, for the paged
//! list of all groups (each shard is scanned, newest first, and the pages
//! merged by the gateway). Written in the group's own shard.
//!
//! - `I` + app + 0x00 + created ms (u64 BE) + group id → empty

pub fn app_prefix(app: &str) -> Vec<u8> {
    let mut k = vec![b'I'];
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k
}

pub fn key(app: &str, created_ms: i64, group: &str) -> Vec<u8> {
    let mut k = app_prefix(app);
    k.extend_from_slice(&(created_ms.max(0) as u64).to_be_bytes());
    k.extend_from_slice(group.as_bytes());
    k
}

/// `(created ms, group id)` from an index key under `app_prefix`.
pub fn parse(prefix_len: usize, key: &[u8]) -> Option<(i64, String)> {
    let rest = key.get(prefix_len..)?;
    let created = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?) as i64;
    let id = std::str::from_utf8(rest.get(8..)?).ok()?.to_string();
    Some((created, id))
}
