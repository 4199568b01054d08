//! The outbox: what waits to leave the node for an app's servers, kept in
//! the shard of the entity whose step wrote it, in the same batch as the
//! change it reports. One lane per callback rule (its id) and lane 0 for
//! offline push notifications; within a lane, ids grow in the order the
//! shard's steps ran (they come from the node's msg id generator), which
//! is the order entries become durable and are delivered.
//!
//! - `q` + app + 0 + lane (u32 BE) + id (u64 BE) → `QueuedEvent`
//!   (callback lanes) or `PushJob` (lane 0).

use super::families::OUTBOX;

/// `q` + app + 0 + lane.
pub fn lane_prefix(app: &str, lane: u32) -> Vec<u8> {
    let mut k = Vec::with_capacity(app.len() + 14);
    k.push(OUTBOX);
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k.extend_from_slice(&lane.to_be_bytes());
    k
}

pub fn key(app: &str, lane: u32, id: u64) -> Vec<u8> {
    let mut k = lane_prefix(app, lane);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// `(app, lane, id)` of an outbox key.
pub fn parse(key: &[u8]) -> Option<(String, u32, u64)> {
    let rest = key.strip_prefix(&[OUTBOX])?;
    let zero = rest.iter().position(|b| *b == 0)?;
    let app = std::str::from_utf8(&rest[..zero]).ok()?.to_string();
    let tail = rest.get(zero + 1..)?;
    let lane = u32::from_be_bytes(tail.get(..4)?.try_into().ok()?);
    let id = u64::from_be_bytes(tail.get(4..12)?.try_into().ok()?);
    Some((app, lane, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_back_and_sort_by_lane_then_id() {
        let k = key("a#b", 3, 99);
        assert_eq!(parse(&k), Some(("a#b".to_string(), 3, 99)));
        assert!(key("a#b", 3, 99) < key("a#b", 3, 100));
        assert!(key("a#b", 3, u64::MAX) < key("a#b", 4, 0));
        assert!(k.starts_with(&lane_prefix("a#b", 3)));
    }
}
