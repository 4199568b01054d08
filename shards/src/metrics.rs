//! Runtime counters and histograms of the sharding layer, read by the
//! gateway's `/metrics`.

use prometheus::{exponential_buckets, Histogram, HistogramOpts};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A histogram with fixed `buckets`. The names and buckets are constants
/// of this crate (checked by a test), so building one cannot fail at run
/// time.
pub fn histogram(name: &str, help: &str, buckets: Vec<f64>) -> Histogram {
    Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))
        .expect("constant histogram options are valid")
}

/// Exponential buckets; constant arguments (see [`histogram`]).
pub fn buckets(start: f64, factor: f64, count: usize) -> Vec<f64> {
    exponential_buckets(start, factor, count).expect("constant bucket layout is valid")
}

/// The distributions of the group commit.
#[derive(Debug, Clone)]
pub struct CommitHistograms {
    /// How long each flush (the fsync of a group-commit round) took.
    pub flush_seconds: Histogram,
    /// Commit requests covered by each flush.
    pub round_requests: Histogram,
}

impl Default for CommitHistograms {
    fn default() -> Self {
        CommitHistograms {
            flush_seconds: histogram(
                "imcloud_flush_seconds",
                "time of one group-commit flush (fsync)",
                buckets(0.000_05, 2.0, 16),
            ),
            round_requests: histogram(
                "imcloud_commit_round_requests",
                "commit requests covered by one flush",
                buckets(1.0, 2.0, 12),
            ),
        }
    }
}

#[derive(Debug, Default)]
pub struct RuntimeMetrics {
    /// Entities restarted after a panic.
    pub entity_restarts: AtomicU64,
    /// Shard actors restarted by their supervisor.
    pub shard_restarts: AtomicU64,
    /// Commands refused because a shard mailbox was full.
    pub mailbox_full: AtomicU64,
    /// Mail queued in shard mailboxes now, all shards together.
    pub mailbox_depth: AtomicU64,
    /// Flush latency and round size.
    pub commit: CommitHistograms,
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
        self.commit.flush_seconds.observe(took.as_secs_f64());
        self.commit.round_requests.observe(requests as f64);
        self.flushes.fetch_add(1, Ordering::Relaxed);
        self.flushed_requests
            .fetch_add(requests as u64, Ordering::Relaxed);
        self.flush_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod histogram_tests {
    use super::*;

    #[test]
    fn the_histograms_build_and_count() {
        let m = RuntimeMetrics::default();
        m.record_flush(Duration::from_micros(300), 7);
        assert_eq!(m.commit.flush_seconds.get_sample_count(), 1);
        assert_eq!(m.commit.round_requests.get_sample_sum(), 7.0);
    }
}
