//! The group-commit thread. Shard actors apply their batches to the engine
//! (into memory and the engine's journal, not yet synced) and hand the acks
//! that depend on them to this
//! thread; it makes every applied write durable with one `flush` and only then
//! releases the waiting acks, in the order they were submitted. So one flush
//! pays for every write that arrived while the previous flush ran.
//!
//! The acks of a flushed round run on a second thread, in order, so the next
//! flush does not wait for them.
//!
//! The loop runs on its own OS thread because `flush` blocks on the disk. It
//! must never panic or exit while the node runs: a flush error is logged,
//! counted, and the acks of that round are failed (dropped) rather than
//! released, so no sender is told "stored" for a write that may not be.

use crate::metrics::RuntimeMetrics;
use crate::placement::ShardId;
use crate::store::Engine;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Flushed rounds waiting for the release thread; past this the commit thread
/// waits, which pushes back on the shards.
const RELEASE_QUEUE_ROUNDS: usize = 64;

/// Work released after the writes submitted before it are durable.
pub type AfterCommit = Box<dyn FnOnce() + Send + 'static>;

/// A second place every round's writes must reach before its acks go out
/// (a cluster's shard logs, `cluster::replication`). Runs on the commit
/// thread after the flush; answers the shards whose writes did not get
/// there, whose acks in this round are withheld.
pub trait Replicate: Send + Sync {
    fn replicate(&self) -> Vec<ShardId>;
}

/// How writes become durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// `flush` (fsync) before any ack: an acked write survives `kill -9` and
    /// power loss of the process.
    Flush,
    /// No flush before acks; the engine syncs in the background. Only for
    /// comparing benchmarks.
    None,
}

struct CommitRequest {
    /// The shard whose step submitted it.
    shard: ShardId,
    dirty: bool,
    actions: Vec<AfterCommit>,
    submitted: Instant,
}

/// Handle used by shard actors to queue acks behind the next flush.
#[derive(Clone)]
pub struct CommitQueue {
    tx: SyncSender<CommitRequest>,
    metrics: Arc<RuntimeMetrics>,
}

/// The queue is full: the node is writing faster than the disk flushes.
pub struct CommitQueueFull(pub Vec<AfterCommit>);

impl std::fmt::Debug for CommitQueueFull {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CommitQueueFull({} actions)", self.0.len())
    }
}

impl CommitQueue {
    /// Queues `actions` to run once every write applied before this call is
    /// durable. `dirty` says whether the caller applied a write since its last
    /// submission; a clean submission still waits for earlier dirty ones.
    pub fn submit(
        &self,
        shard: ShardId,
        dirty: bool,
        actions: Vec<AfterCommit>,
    ) -> Result<(), CommitQueueFull> {
        let submitted = Instant::now();
        match self.tx.try_send(CommitRequest {
            shard,
            dirty,
            actions,
            submitted,
        }) {
            Ok(()) => {
                self.metrics.commit_pending.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(TrySendError::Full(r)) | Err(TrySendError::Disconnected(r)) => {
                Err(CommitQueueFull(r.actions))
            }
        }
    }
}

/// Settings of the group-commit loop.
#[derive(Debug, Clone, Copy)]
pub struct CommitSettings {
    pub durability: Durability,
    /// After the first request of a round, sleep this long before taking
    /// what else came and flushing (0 = flush at once; batching then comes
    /// from requests that arrive while a flush runs).
    pub window: Duration,
    /// Flush early once a round holds this many requests.
    pub max_batch: usize,
    /// Capacity of the request queue.
    pub queue: usize,
}

/// Starts the group-commit thread for `engine`.
pub fn start(
    engine: Arc<dyn Engine>,
    settings: CommitSettings,
    metrics: Arc<RuntimeMetrics>,
    replicate: Option<Arc<dyn Replicate>>,
) -> std::io::Result<CommitQueue> {
    let (tx, rx) = sync_channel(settings.queue.max(1));
    let loop_metrics = metrics.clone();
    std::thread::Builder::new()
        .name("imcloud-commit".into())
        .spawn(move || commit_loop(rx, engine, settings, loop_metrics, replicate))?;
    Ok(CommitQueue { tx, metrics })
}

fn commit_loop(
    rx: Receiver<CommitRequest>,
    engine: Arc<dyn Engine>,
    settings: CommitSettings,
    metrics: Arc<RuntimeMetrics>,
    replicate: Option<Arc<dyn Replicate>>,
) {
    let mut round: Vec<CommitRequest> = Vec::with_capacity(settings.max_batch);
    let (release, released) = sync_channel::<Vec<AfterCommit>>(RELEASE_QUEUE_ROUNDS);
    let spawned = std::thread::Builder::new()
        .name("imcloud-release".into())
        .spawn(move || {
            while let Ok(actions) = released.recv() {
                for action in actions {
                    action();
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the ack release thread; no write will be acked");
        return;
    }
    // Ends when every CommitQueue handle is gone, i.e. the node shut down.
    while let Ok(first) = rx.recv() {
        round.push(first);
        // The window is slept, not waited on the channel: a thread waiting
        // on it is woken by every request (tens of thousands a second);
        // asleep, it is woken once, and takes what came meanwhile.
        if !settings.window.is_zero() && round.len() < settings.max_batch {
            std::thread::sleep(settings.window);
        }
        while round.len() < settings.max_batch {
            match rx.try_recv() {
                Ok(r) => round.push(r),
                Err(_) => break,
            }
        }
        #[cfg(feature = "fault-injection")]
        while metrics
            .hold_flushes
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            std::thread::park_timeout(Duration::from_millis(1));
        }
        let dirty = round.iter().any(|r| r.dirty);
        let flushed = if dirty && settings.durability == Durability::Flush {
            let started = Instant::now();
            let res = engine.flush();
            metrics.record_flush(started.elapsed(), round.len());
            res
        } else {
            Ok(())
        };
        if flushed.is_ok() {
            if let Some(r) = &replicate {
                let failed = r.replicate();
                if !failed.is_empty() {
                    // Their writes are on this node's disk only: their
                    // acks are withheld (dropped, so each waiting sender
                    // gets an error); the rest of the round is released.
                    let before = round.len();
                    round.retain(|req| !failed.contains(&req.shard));
                    let dropped = (before - round.len()) as u64;
                    metrics.commit_pending.fetch_sub(dropped, Ordering::Relaxed);
                    metrics.flush_failures.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        ?failed,
                        dropped,
                        "shard log appends failed; those shards' acks of this round are withheld"
                    );
                }
            }
        }
        match flushed {
            Ok(()) => {
                let now = Instant::now();
                let waited: u64 = round
                    .iter()
                    .map(|r| now.duration_since(r.submitted).as_micros() as u64)
                    .sum();
                metrics
                    .released_requests
                    .fetch_add(round.len() as u64, Ordering::Relaxed);
                metrics
                    .commit_pending
                    .fetch_sub(round.len() as u64, Ordering::Relaxed);
                metrics
                    .commit_wait_micros
                    .fetch_add(waited, std::sync::atomic::Ordering::Relaxed);
                let actions: Vec<AfterCommit> = round.drain(..).flat_map(|r| r.actions).collect();
                // The release thread runs them in order while this thread
                // starts the next flush. It only stops when the node does.
                if release.send(actions).is_err() {
                    break;
                }
            }
            Err(e) => {
                metrics
                    .flush_failures
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::error!(error = %e, dropped = round.len(), "flush failed; acks of this round are withheld");
                metrics
                    .commit_pending
                    .fetch_sub(round.len() as u64, Ordering::Relaxed);
                // Dropping the actions drops their reply channels, so every
                // waiting sender gets an error instead of a false ack.
                round.clear();
            }
        }
    }
    tracing::debug!("group-commit loop stopped");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Batch, SledEngine};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn acks_are_released_in_order_after_a_flush() {
        let dir = tempfile::tempdir().unwrap();
        let engine: Arc<dyn Engine> = Arc::new(SledEngine::open(dir.path(), 1 << 20).unwrap());
        let metrics = Arc::new(RuntimeMetrics::default());
        let q = start(
            engine.clone(),
            CommitSettings {
                durability: Durability::Flush,
                window: Duration::ZERO,
                max_batch: 64,
                queue: 1024,
            },
            metrics.clone(),
            None,
        )
        .unwrap();
        let ks = engine.keyspace("t").unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        for i in 0..100u32 {
            let mut b = Batch::default();
            b.put(i.to_be_bytes().to_vec(), vec![1]);
            ks.apply(b).unwrap();
            let tx = tx.clone();
            q.submit(0, true, vec![Box::new(move || tx.send(i).unwrap())])
                .unwrap();
        }
        let got: Vec<u32> = (0..100)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
        let flushes = metrics.flushes.load(Ordering::Relaxed);
        assert!((1..=100).contains(&flushes), "flushes {flushes}");
        let counter = Arc::new(AtomicUsize::new(0));
        let c = counter.clone();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        q.submit(
            0,
            false,
            vec![Box::new(move || {
                c.fetch_add(1, Ordering::SeqCst);
                done_tx.send(()).unwrap();
            })],
        )
        .unwrap();
        done_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(counter.load(Ordering::SeqCst), 1);
    }
}
