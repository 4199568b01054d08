//! The storage seam. Everything above it sees keyspaces (ordered byte maps),
//! atomic batches, point reads, range scans and one durable `flush` for all
//! keyspaces. fjall is the default engine ([`FjallEngine`]); sled 0.34 stays
//! selectable ([`SledEngine`]); another engine (redb, RocksDB) would sit
//! behind the same seam by implementing [`Engine`].
//!
//! Each shard owns one keyspace, `s{shard}`. Its tree families (log, entity
//! snapshots, and the domain's indexes) are key prefixes inside that keyspace,
//! because a batch must be atomic (sled's are atomic only within one tree)
//! and every state change must land with its index updates in one batch.

mod fjall_engine;
mod sled_engine;

pub use fjall_engine::FjallEngine;
pub use sled_engine::SledEngine;

use crate::error::StoreError;
use std::sync::Arc;

/// One write in a batch.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Write {
    Put(
        #[serde(with = "serde_bytes")] Vec<u8>,
        #[serde(with = "serde_bytes")] Vec<u8>,
    ),
    Delete(#[serde(with = "serde_bytes")] Vec<u8>),
}

/// Writes applied atomically: all or none. Plain data: in a cluster a
/// shard's batches are also its replicated log's records.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Batch {
    writes: Vec<Write>,
}

impl Batch {
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.writes.push(Write::Put(key, value));
    }
    pub fn delete(&mut self, key: Vec<u8>) {
        self.writes.push(Write::Delete(key));
    }
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
    pub fn len(&self) -> usize {
        self.writes.len()
    }
    pub fn into_writes(self) -> Vec<Write> {
        self.writes
    }
    /// The value this batch would write for `key`, newest first, so a step can
    /// read its own staged writes.
    pub fn staged(&self, key: &[u8]) -> Option<Option<&[u8]>> {
        self.writes.iter().rev().find_map(|w| match w {
            Write::Put(k, v) if k == key => Some(Some(v.as_slice())),
            Write::Delete(k) if k == key => Some(None),
            _ => None,
        })
    }
}

/// A key and its value, as range scans return them.
pub type Entry = (Vec<u8>, Vec<u8>);

/// An ordered byte map inside the engine.
pub trait Keyspace: Send + Sync {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    fn apply(&self, batch: Batch) -> Result<(), StoreError>;
    /// Up to `limit` entries with `start <= key < end`, in key order.
    fn range(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError>;
    /// Up to `limit` entries with `start <= key < end`, in reverse key order.
    fn range_rev(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError>;
}

/// A storage engine: a set of keyspaces that become durable together.
pub trait Engine: Send + Sync {
    fn keyspace(&self, name: &str) -> Result<Arc<dyn Keyspace>, StoreError>;
    /// Makes every write applied so far durable (on disk).
    fn flush(&self) -> Result<(), StoreError>;
    /// Bytes the engine uses on disk, for metrics.
    fn size_on_disk(&self) -> Result<u64, StoreError>;
}

/// The smallest key greater than every key that starts with `prefix`, for
/// turning a prefix into a half-open range. `None` means "no upper bound".
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0xff; prefix.len() + 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_bounds_the_prefix() {
        assert_eq!(prefix_end(b"ab"), b"ac".to_vec());
        assert_eq!(prefix_end(&[1, 0xff]), vec![2]);
    }

    #[test]
    fn batch_reads_its_newest_staged_write() {
        let mut b = Batch::default();
        b.put(b"k".to_vec(), b"1".to_vec());
        b.put(b"k".to_vec(), b"2".to_vec());
        assert_eq!(b.staged(b"k"), Some(Some(&b"2"[..])));
        b.delete(b"k".to_vec());
        assert_eq!(b.staged(b"k"), Some(None));
        assert_eq!(b.staged(b"x"), None);
    }
}
