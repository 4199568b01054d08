//! Runtime counters of the sharding layer, read by the gateway's `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct RuntimeMetrics {
    /// Entities restarted after a panic.
    pub entity_restarts: AtomicU64,
    /// Shard actors restarted by their supervisor.
    pub shard_restarts: AtomicU64,
    /// Commands refused because a shard mailbox was full.
    pub mailbox_full: AtomicU64,
    /// Flushes done by the group-commit thread.
    pub flushes: AtomicU64,
    /// Flushes that failed.
    pub flush_failures: AtomicU64,
    /// Commit requests covered by those flushes.
    pub flushed_requests: AtomicU64,
    /// Total flush time, microseconds.
    pub flush_micros: AtomicU64,
    /// Entities currently active across shards.
    pub active_entities: AtomicU64,
    /// Entities passivated for idleness.
    pub passivations: AtomicU64,
    /// Fan-out notices sent to shards (one per shard per fanned-out item,
    /// whatever the number of entities it names).
    pub fanout_batches: AtomicU64,
    /// Active entities told a fan-out notice.
    pub fanout_notices: AtomicU64,
    /// Steps run, and their time waiting in a mailbox and running,
    /// microseconds in all.
    pub steps: AtomicU64,
    pub step_wait_micros: AtomicU64,
    pub step_run_micros: AtomicU64,
    /// Commit requests submitted and not yet released (waiting for their
    /// flush).
    pub commit_pending: AtomicU64,
    /// Commit requests released, and their time from submission to the
    /// release of their actions (the flush wait), microseconds in all.
    pub released_requests: AtomicU64,
    pub commit_wait_micros: AtomicU64,
    /// Commands and notices encoded and decoded on their way between
    /// entities (the encode-everything mode).
    pub encoded: AtomicU64,
    /// Shard actors that have started (their first start only).
    pub shards_started: AtomicU64,
    /// Test hook: while set, the group-commit thread holds its next flush
    /// (and so every ack), to prove acks wait for the flush.
    #[cfg(feature = "fault-injection")]
    pub hold_flushes: std::sync::atomic::AtomicBool,
}

impl RuntimeMetrics {
    /// Counts one step that waited `wait` in its mailbox and ran `run`.
    pub fn record_step(&self, wait: Duration, run: Duration) {
        self.steps.fetch_add(1, Ordering::Relaxed);
        self.step_wait_micros
            .fetch_add(wait.as_micros() as u64, Ordering::Relaxed);
        self.step_run_micros
            .fetch_add(run.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn record_flush(&self, took: Duration, requests: usize) {
        self.flushes.fetch_add(1, Ordering::Relaxed);
        self.flushed_requests
            .fetch_add(requests as u64, Ordering::Relaxed);
        self.flush_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }
}
