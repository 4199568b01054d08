//! Scenario `offline`: catching up by `sync`. Pair `i` is sender
//! `{prefix}{2i}` and receiver `{prefix}{2i+1}`. First each receiver learns
//! the end of its streams and goes offline; the senders send `per_sender`
//! messages each (closed loop, every one acked); then all receivers log in
//! at once and `sync` from where they were, page after page while `more`.
//! The report gives the time from the reconnect to the last receiver done,
//! messages synced per second, and `lost`: acked msg ids a receiver's sync
//! did not return.
//!
//! - [`syncer`]: one receiver's end-of-streams probe and its sync loop.
//! - [`report`]: merging the results, table and JSON.

pub mod report;
pub mod syncer;

use crate::direct::sender::{self, SenderPlan};
use crate::direct::{encoding_name, login_all, run_id, Pacing};
use crate::progress::Live;
use crate::setup::user_name;
use crate::target::Target;
use crate::wire::{Encoding, SendTemplate};
use crate::Error;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use report::OfflineReport;
use std::sync::Arc;
use std::time::{Duration, Instant};
use syncer::SyncPlan;

/// Most messages one sender may be asked for.
pub const MAX_PER_SENDER: u64 = 1_000_000;

/// What `offline` is to do.
#[derive(Debug, Clone)]
pub struct OfflineOptions {
    pub target: Target,
    pub prefix: String,
    pub pairs: u32,
    /// N: messages each sender sends while its receiver is offline.
    pub per_sender: u64,
    /// Sends in flight per sender.
    pub window: usize,
    /// Longest send phase (and wait for its acks).
    pub send_timeout: Duration,
    /// Longest catch-up phase.
    pub drain: Duration,
    /// Messages per sync page (the server allows at most 500).
    pub limit: u32,
    pub payload_bytes: usize,
    pub encoding: Encoding,
    pub login_concurrency: usize,
}

impl OfflineOptions {
    fn check(&self) -> Result<(), Error> {
        if self.pairs == 0 {
            return Err(Error::Usage("--pairs must be at least 1".into()));
        }
        if !(1..=MAX_PER_SENDER).contains(&self.per_sender) {
            return Err(Error::Usage(format!(
                "--messages must be 1..={MAX_PER_SENDER}"
            )));
        }
        if self.window == 0 || !(1..=500).contains(&self.limit) {
            return Err(Error::Usage(
                "--window must be at least 1 and --limit 1..=500".into(),
            ));
        }
        if self.send_timeout.is_zero() || self.drain.is_zero() {
            return Err(Error::Usage(
                "--duration and --drain must be positive".into(),
            ));
        }
        Ok(())
    }
}

/// Runs the scenario. Fails only if the sockets cannot be set up.
pub async fn run(opts: &OfflineOptions, live: &Arc<Live>) -> Result<OfflineReport, Error> {
    opts.check()?;
    let p = opts.pairs;
    let enc = opts.encoding;
    let target = &opts.target;
    let receivers: Vec<String> = (0..p).map(|i| user_name(&opts.prefix, 2 * i + 1)).collect();
    // Where each receiver stands before the run; then it is offline.
    let ends: Vec<_> = stream::iter(receivers.clone())
        .map(|u| async move { syncer::end_cursors(target, &u, enc).await })
        .buffered(opts.login_concurrency.max(1))
        .try_collect()
        .await?;
    let senders = login_all(
        target,
        (0..p).map(|i| user_name(&opts.prefix, 2 * i)).collect(),
        enc,
        opts.login_concurrency,
        live,
    )
    .await?;

    let run_id = run_id();
    let base = Instant::now() + Duration::from_millis(50);
    let send_until = base + opts.send_timeout;
    live.running("sending", base, opts.send_timeout);
    let mut tasks = Vec::new();
    for (i, ws) in senders.into_iter().enumerate() {
        let pair = i as u32;
        let plan = SenderPlan {
            pair,
            run_id,
            template: SendTemplate::new(&receivers[i], opts.payload_bytes, enc),
            pacing: Pacing::Closed {
                window: opts.window,
            },
            interval: Duration::ZERO,
            offset: Duration::ZERO,
            quota: opts.per_sender,
            base,
            send_until,
            // Acks are waited for within the send phase's bound.
            drain_until: send_until,
            live: live.clone(),
            msync: None,
        };
        tasks.push(tokio::spawn(sender::run(ws, plan)));
    }
    let mut sent = Vec::new();
    for t in tasks {
        sent.push(
            t.await
                .map_err(|e| Error::Server(format!("sender task failed: {e}")))?,
        );
    }
    let send_secs = sent.iter().map(|s| s.last_ack_ns).max().unwrap_or(0) as f64 / 1e9;

    // Catch-up: every receiver logs in and syncs, all at once.
    let started = Instant::now();
    let deadline = started + opts.drain;
    live.running("syncing", started, opts.drain);
    let mut syncs = Vec::new();
    for (i, (user, cursors)) in receivers.into_iter().zip(ends).enumerate() {
        let plan = SyncPlan {
            pair: i as u32,
            user,
            run_id,
            cursors,
            limit: opts.limit,
            enc,
            started,
            deadline,
            live: live.clone(),
        };
        syncs.push(tokio::spawn(syncer::run(target.clone(), plan)));
    }
    let mut synced = Vec::new();
    for t in syncs {
        synced.push(
            t.await
                .map_err(|e| Error::Server(format!("sync task failed: {e}")))?,
        );
    }
    Ok(report::build(
        report::OfflineFacts {
            pairs: p,
            per_sender: opts.per_sender,
            window: opts.window,
            limit: opts.limit,
            encoding: encoding_name(enc),
            send_secs,
        },
        sent,
        synced,
    ))
}
