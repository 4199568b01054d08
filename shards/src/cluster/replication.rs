//! Replicating every shard write to the shard's log on JetStream before
//! the acks that depend on it go out (`docs/cluster.md`, "A commit round").
//!
//! Shards write through a [`LoggedEngine`]: its shard keyspaces apply a
//! batch locally and keep its encoding in the [`RoundLog`]. The group
//! commit, after its flush, has the [`Replicator`] append what the round
//! log holds, one record per shard, each fenced by the last sequence this
//! node's writer knows; the round's acks are released only when every
//! append is stored. An append that fails (fenced by another node's claim,
//! or NATS unreachable) fails the round's acks and makes the node step
//! down from that shard: its local copy now holds writes the log does not,
//! so it is discarded when the shard is taken again.
//!
//! Each shard has an epoch, bumped whenever it is released or taken: a
//! batch recorded in an older epoch is never appended after a newer claim.

use crate::cluster::shard_log::{LogError, ShardWriter};
use crate::commit::Replicate;
use crate::error::StoreError;
use crate::host::keyspace_name;
use crate::placement::ShardId;
use crate::store::{Batch, Engine, Entry, Keyspace};
use crate::wire;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// Batches applied locally and not yet appended to their shard's log.
pub struct RoundLog {
    pending: Mutex<Vec<Recorded>>,
    epochs: Vec<AtomicU64>,
    progress: Vec<Progress>,
}

/// One shard's writes in its current epoch, for snapshots: a snapshot is
/// kept once `appended` reaches what `started` was when its scan ended.
#[derive(Default)]
pub struct Progress {
    /// Batches begun (counted before they apply).
    pub started: AtomicU64,
    /// Batches appended to the log.
    pub appended: AtomicU64,
    /// The sequence of this node's last record in the shard's log.
    pub seq: AtomicU64,
    /// Batches in the log since the last snapshot (or rebuilt from it).
    pub since_snapshot: AtomicU64,
}

struct Recorded {
    shard: ShardId,
    epoch: u64,
    batch: Vec<u8>,
}

impl RoundLog {
    pub fn new(shard_count: u32) -> RoundLog {
        RoundLog {
            pending: Mutex::new(Vec::new()),
            epochs: (0..shard_count).map(|_| AtomicU64::new(0)).collect(),
            progress: (0..shard_count).map(|_| Progress::default()).collect(),
        }
    }

    pub fn progress(&self, shard: ShardId) -> Option<&Progress> {
        self.progress.get(shard as usize)
    }

    fn pending(&self) -> MutexGuard<'_, Vec<Recorded>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn epoch(&self, shard: ShardId) -> u64 {
        self.epochs
            .get(shard as usize)
            .map_or(0, |e| e.load(Ordering::Acquire))
    }

    /// Starts a new epoch of `shard`: what was recorded before is never
    /// appended.
    pub fn bump(&self, shard: ShardId) {
        if let Some(e) = self.epochs.get(shard as usize) {
            e.fetch_add(1, Ordering::AcqRel);
        }
    }

    fn record(&self, shard: ShardId, batch: Vec<u8>) {
        let epoch = self.epoch(shard);
        self.pending().push(Recorded {
            shard,
            epoch,
            batch,
        });
    }

    fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.pending())
    }
}

/// An engine whose shard keyspaces record every batch they apply.
pub struct LoggedEngine {
    inner: Arc<dyn Engine>,
    log: Arc<RoundLog>,
}

impl LoggedEngine {
    pub fn new(inner: Arc<dyn Engine>, log: Arc<RoundLog>) -> LoggedEngine {
        LoggedEngine { inner, log }
    }
}

fn shard_of_keyspace(name: &str) -> Option<ShardId> {
    let shard: ShardId = name.strip_prefix('s')?.parse().ok()?;
    (keyspace_name(shard) == name).then_some(shard)
}

impl Engine for LoggedEngine {
    fn keyspace(&self, name: &str) -> Result<Arc<dyn Keyspace>, StoreError> {
        let inner = self.inner.keyspace(name)?;
        Ok(match shard_of_keyspace(name) {
            Some(shard) => Arc::new(LoggedKeyspace {
                inner,
                shard,
                log: self.log.clone(),
            }),
            None => inner,
        })
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.inner.flush()
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.inner.size_on_disk()
    }
}

struct LoggedKeyspace {
    inner: Arc<dyn Keyspace>,
    shard: ShardId,
    log: Arc<RoundLog>,
}

impl Keyspace for LoggedKeyspace {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key)
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        let encoded = wire::encode(&batch)?;
        // Counted before it applies: a snapshot scan that may see it waits
        // until it is in the log.
        let progress = self.log.progress(self.shard);
        if let Some(p) = progress {
            p.started.fetch_add(1, Ordering::AcqRel);
        }
        if let Err(e) = self.inner.apply(batch) {
            if let Some(p) = progress {
                p.started.fetch_sub(1, Ordering::AcqRel);
            }
            return Err(e);
        }
        // Recorded after it applied, by the shard's one thread, so the
        // log holds the shard's batches in the order they applied.
        self.log.record(self.shard, encoded);
        Ok(())
    }

    fn range(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        self.inner.range(start, end, limit)
    }

    fn range_rev(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        self.inner.range_rev(start, end, limit)
    }
}

/// One log record of a round: the shard's batches in the order they
/// applied.
pub fn encode_round(batches: Vec<Vec<u8>>) -> Result<Vec<u8>, StoreError> {
    let batches: Vec<serde_bytes::ByteBuf> = batches
        .into_iter()
        .map(serde_bytes::ByteBuf::from)
        .collect();
    wire::encode(&batches)
}

/// The batches of one round record.
pub fn decode_round(body: &[u8]) -> Result<Vec<Batch>, StoreError> {
    let batches: Vec<serde_bytes::ByteBuf> = wire::decode(body)?;
    batches.iter().map(|b| wire::decode::<Batch>(b)).collect()
}

/// The writers of the shards this node serves.
#[derive(Default)]
pub struct Writers {
    writers: Mutex<HashMap<ShardId, ShardWriter>>,
}

impl Writers {
    fn lock(&self) -> MutexGuard<'_, HashMap<ShardId, ShardWriter>> {
        self.writers.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn insert(&self, shard: ShardId, writer: ShardWriter) {
        self.lock().insert(shard, writer);
    }

    pub fn remove(&self, shard: ShardId) -> Option<ShardWriter> {
        self.lock().remove(&shard)
    }
}

/// Appends each round's batches to the shards' logs (see the module doc).
pub struct Replicator {
    log: Arc<RoundLog>,
    writers: Arc<Writers>,
    runtime: tokio::runtime::Handle,
    /// Told the shards whose append failed: the node steps down from them.
    step_down: OnceLock<Arc<dyn Fn(ShardId) + Send + Sync>>,
    /// Rounds appended, records appended, and rounds failed.
    pub rounds: AtomicU64,
    pub records: AtomicU64,
    pub failures: AtomicU64,
}

impl Replicator {
    pub fn new(
        log: Arc<RoundLog>,
        writers: Arc<Writers>,
        runtime: tokio::runtime::Handle,
    ) -> Replicator {
        Replicator {
            log,
            writers,
            runtime,
            step_down: OnceLock::new(),
            rounds: AtomicU64::new(0),
            records: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        }
    }

    pub fn on_step_down(&self, step_down: Arc<dyn Fn(ShardId) + Send + Sync>) {
        let _ = self.step_down.set(step_down);
    }

    /// Hands `shard` to the handoff to step down from (it ends the epoch,
    /// drops the writer and stops serving the shard).
    fn step_down(&self, shard: ShardId) {
        if let Some(f) = self.step_down.get() {
            f(shard);
        }
    }
}

impl Replicate for Replicator {
    fn replicate(&self) -> Vec<ShardId> {
        let recorded = self.log.take();
        if recorded.is_empty() {
            return Vec::new();
        }
        let mut failed: Vec<ShardId> = Vec::new();
        let mut by_shard: Vec<(ShardId, Vec<Vec<u8>>)> = Vec::new();
        for r in recorded {
            if r.epoch != self.log.epoch(r.shard) {
                // Written before the shard was released or taken again:
                // only this node's disk has it, and that copy is discarded.
                if !failed.contains(&r.shard) {
                    failed.push(r.shard);
                }
                continue;
            }
            match by_shard.iter_mut().find(|(s, _)| *s == r.shard) {
                Some((_, batches)) => batches.push(r.batch),
                None => by_shard.push((r.shard, vec![r.batch])),
            }
        }
        let mut appends = Vec::with_capacity(by_shard.len());
        for (shard, batches) in by_shard {
            if failed.contains(&shard) {
                continue;
            }
            let Some(writer) = self.writers.remove(shard) else {
                // Not claimed by this node: its writes cannot be acked.
                failed.push(shard);
                self.step_down(shard);
                continue;
            };
            let count = batches.len() as u64;
            appends.push((shard, writer, count, encode_round(batches)));
        }
        let appending = appends
            .into_iter()
            .map(|(shard, mut writer, count, round)| async move {
                let result = match round {
                    Ok(round) => writer.append(&round).await,
                    Err(e) => Err(LogError::Nats(e.to_string())),
                };
                (shard, writer, count, result)
            });
        let results = self
            .runtime
            .block_on(futures_util::future::join_all(appending));
        for (shard, writer, count, result) in results {
            match result {
                Ok(seq) => {
                    self.records.fetch_add(1, Ordering::Relaxed);
                    if let Some(p) = self.log.progress(shard) {
                        p.seq.store(seq, Ordering::Release);
                        p.since_snapshot.fetch_add(count, Ordering::Relaxed);
                        p.appended.fetch_add(count, Ordering::AcqRel);
                    }
                    self.writers.insert(shard, writer);
                }
                Err(e) => {
                    tracing::warn!(shard, error = %e, "appending to the shard's log failed; stepping down from the shard");
                    failed.push(shard);
                    self.step_down(shard);
                }
            }
        }
        if failed.is_empty() {
            self.rounds.fetch_add(1, Ordering::Relaxed);
        } else {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_shard_keyspaces_are_logged() {
        assert_eq!(shard_of_keyspace("s0"), Some(0));
        assert_eq!(shard_of_keyspace("s63"), Some(63));
        assert_eq!(shard_of_keyspace("meta"), None);
        assert_eq!(shard_of_keyspace("s01"), None);
        assert_eq!(shard_of_keyspace("s"), None);
    }

    #[test]
    fn a_round_decodes_to_its_batches_in_order() {
        let mut a = Batch::default();
        a.put(b"k".to_vec(), b"v".to_vec());
        let mut b = Batch::default();
        b.delete(b"k".to_vec());
        let round = encode_round(vec![
            wire::encode(&a).expect("encodes"),
            wire::encode(&b).expect("encodes"),
        ])
        .expect("encodes");
        let back = decode_round(&round).expect("decodes");
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].staged(b"k"), Some(Some(&b"v"[..])));
        assert_eq!(back[1].staged(b"k"), Some(None));
        assert!(decode_round(b"\x01\x02").is_err());
    }
}
