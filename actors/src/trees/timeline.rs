//! Timelines: the ordered messages of one stream (a user's own timeline
//! today; group timelines later).
//!
//! - `T` + entity key bytes + seq (u64 BE) → `StoredMessage`
//! - `H` + entity key bytes → last seq (u64 BE), kept apart from the entries so
//!   a stream's seq never restarts when old entries are swept.
//! - `O` + entity key bytes → count of messages stored while no device was
//!   online and not yet synced (u64 BE).

use imcloud_shards::entity::decode_seq;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{EntityKey, StoreError};

pub fn entry_prefix(stream: &EntityKey) -> Vec<u8> {
    let mut k = vec![b'T'];
    k.extend_from_slice(&stream.to_bytes());
    k
}

pub fn entry_key(stream: &EntityKey, seq: u64) -> Vec<u8> {
    let mut k = entry_prefix(stream);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub fn head_key(stream: &EntityKey) -> Vec<u8> {
    let mut k = vec![b'H'];
    k.extend_from_slice(&stream.to_bytes());
    k
}

pub fn offline_key(stream: &EntityKey) -> Vec<u8> {
    let mut k = vec![b'O'];
    k.extend_from_slice(&stream.to_bytes());
    k
}

/// The last seq written to `stream` (0 for an empty stream).
pub fn load_head(store: &ShardStore, stream: &EntityKey) -> Result<u64, StoreError> {
    Ok(store
        .get(&head_key(stream))?
        .and_then(|v| decode_seq(&v))
        .unwrap_or(0))
}

pub fn load_offline(store: &ShardStore, stream: &EntityKey) -> Result<u64, StoreError> {
    Ok(store
        .get(&offline_key(stream))?
        .and_then(|v| decode_seq(&v))
        .unwrap_or(0))
}

/// Up to `limit` encoded entries of `stream` with seq > `after`.
pub fn read_after(
    store: &ShardStore,
    stream: &EntityKey,
    after: u64,
    limit: usize,
) -> Result<Vec<Vec<u8>>, StoreError> {
    let from = after.saturating_add(1).to_be_bytes();
    Ok(store
        .scan(&entry_prefix(stream), &from, limit)?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}
