//! Timelines: the ordered messages of one stream (a user's own timeline,
//! or a group's).
//!
//! - `T` + entity key bytes + seq (u64 BE) → `StoredMessage`
//! - `H` + entity key bytes → last seq (u64 BE), for streams that keep one
//!   (groups), then the stream's count of countable messages (u64 BE). User timelines do not: their head is their last entry, one
//!   write less per message; a retention sweep must keep each stream's last
//!   entry (or write its head key) so seqs never restart.
//! - `O` + entity key bytes → count of messages stored while no device was
//!   online and not yet synced (u64 BE).

use super::families::{HEAD, OFFLINE, TIMELINE};
use crate::error::DomainError;
use crate::message::{StoredMessage, SyncPage};
use imcloud_shards::entity::decode_seq;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{codec, EntityKey, StoreError};
use std::sync::Arc;

fn prefixed(family: u8, stream: &EntityKey) -> Vec<u8> {
    // Room for a seq after the prefix (entry keys).
    let mut k = Vec::with_capacity(1 + stream.byte_len() + 8);
    k.push(family);
    stream.write_bytes(&mut k);
    k
}

pub fn entry_prefix(stream: &EntityKey) -> Vec<u8> {
    prefixed(TIMELINE, stream)
}

pub fn entry_key(stream: &EntityKey, seq: u64) -> Vec<u8> {
    let mut k = entry_prefix(stream);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

pub fn head_key(stream: &EntityKey) -> Vec<u8> {
    prefixed(HEAD, stream)
}

pub fn offline_key(stream: &EntityKey) -> Vec<u8> {
    prefixed(OFFLINE, stream)
}

/// The last seq written to `stream` (0 for an empty stream): the larger of
/// the stream's head key (streams that keep one) and its last entry.
pub fn load_head(store: &ShardStore, stream: &EntityKey) -> Result<u64, StoreError> {
    let kept = store
        .get(&head_key(stream))?
        .and_then(|v| decode_seq(&v))
        .unwrap_or(0);
    let prefix = entry_prefix(stream);
    let last = store
        .last(&prefix)?
        .and_then(|(k, _)| k.get(prefix.len()..).and_then(decode_seq))
        .unwrap_or(0);
    Ok(kept.max(last))
}

/// The count of countable messages a stream's head key keeps (0 for
/// none).
pub fn load_counted(store: &ShardStore, stream: &EntityKey) -> Result<u64, StoreError> {
    Ok(store
        .get(&head_key(stream))?
        .and_then(|v| v.get(8..).and_then(decode_seq))
        .unwrap_or(0))
}

/// A head key's value: the last seq and the count of countable messages.
pub fn head_value(seq: u64, counted: u64) -> Vec<u8> {
    let mut v = seq.to_be_bytes().to_vec();
    v.extend_from_slice(&counted.to_be_bytes());
    v
}

pub fn load_offline(store: &ShardStore, stream: &EntityKey) -> Result<u64, StoreError> {
    Ok(store
        .get(&offline_key(stream))?
        .and_then(|v| decode_seq(&v))
        .unwrap_or(0))
}

/// Up to `limit` messages of `stream` with seq > `after`, oldest first,
/// and whether more follow. An entry that does not decode is logged and
/// skipped.
pub fn page_after(
    store: &ShardStore,
    stream: &EntityKey,
    after: u64,
    limit: usize,
) -> Result<SyncPage, DomainError> {
    let from = after.saturating_add(1).to_be_bytes();
    let raw = store
        .scan(&entry_prefix(stream), &from, limit + 1)
        .map_err(|e| {
            tracing::error!(stream = %stream, error = %e, "reading a timeline failed");
            DomainError::Internal
        })?;
    let more = raw.len() > limit;
    let mut messages = Vec::with_capacity(raw.len().min(limit));
    for (_, bytes) in raw.into_iter().take(limit) {
        match codec::decode::<StoredMessage>(&bytes) {
            Ok(m) => messages.push(Arc::new(m)),
            Err(e) => {
                tracing::error!(stream = %stream, error = %e, "undecodable timeline entry skipped")
            }
        }
    }
    let cursor = messages.last().map(|m| m.seq).unwrap_or(after);
    Ok(SyncPage {
        messages,
        cursor,
        more,
    })
}
