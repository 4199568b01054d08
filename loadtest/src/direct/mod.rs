//! Scenario `direct`: 1:1 throughput and latency. Pair `i` is a sender
//! socket logged in as `{prefix}{2i}` sending to a receiver socket logged in
//! as `{prefix}{2i+1}`. The run sends for `duration` (or until `messages`
//! are sent), then waits up to `drain` for the last acks and deliveries,
//! and reports exact counts and latency percentiles.
//!
//! - [`sender`]: one sender socket (open or closed loop).
//! - [`receiver`]: one receiver socket.
//! - [`report`]: merging the per-socket results, table and JSON.

pub mod receiver;
pub mod report;
pub mod sender;

use crate::conn::{self, Ws};
use crate::setup::user_name;
use crate::target::Target;
use crate::wire::{Encoding, SendTemplate};
use crate::Error;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use receiver::ReceiverPlan;
use report::{DirectReport, RunFacts};
use sender::SenderPlan;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Device id the harness logs in with, so repeated runs reuse one device.
pub const DEVICE: &str = "loadtest";

/// How senders pace themselves.
#[derive(Debug, Clone, Copy)]
pub enum Pacing {
    /// A fixed schedule of `rate` msg/s over all senders; latency counts
    /// from the scheduled time.
    Open { rate: f64 },
    /// Each sender keeps `window` sends in flight.
    Closed { window: usize },
}

/// What `direct` is to do.
#[derive(Debug, Clone)]
pub struct DirectOptions {
    pub target: Target,
    pub prefix: String,
    pub pairs: u32,
    pub pacing: Pacing,
    /// Longest send phase.
    pub duration: Duration,
    /// Most messages over all senders (`None`: until `duration`).
    pub messages: Option<u64>,
    /// Longest wait for acks and deliveries after the send phase.
    pub drain: Duration,
    pub payload_bytes: usize,
    pub encoding: Encoding,
    /// Logins in flight at once while connecting.
    pub login_concurrency: usize,
}

impl DirectOptions {
    fn check(&self) -> Result<(), Error> {
        if self.pairs == 0 {
            return Err(Error::Usage("--pairs must be at least 1".into()));
        }
        if self.duration.is_zero() {
            return Err(Error::Usage("--duration must be positive".into()));
        }
        match self.pacing {
            Pacing::Open { rate } if !(rate.is_finite() && rate > 0.0) => {
                Err(Error::Usage("--rate must be positive".into()))
            }
            Pacing::Closed { window: 0 } => Err(Error::Usage("--window must be at least 1".into())),
            _ => Ok(()),
        }
    }
}

/// A run id unlikely to repeat: pushes of earlier runs are told apart.
pub(crate) fn run_id() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 48)
}

/// Logs in `users` with at most `concurrency` logins at once, in order.
pub(crate) async fn login_all(
    target: &Target,
    users: Vec<String>,
    enc: Encoding,
    concurrency: usize,
) -> Result<Vec<Ws>, Error> {
    stream::iter(users)
        .map(|u| async move { conn::login(target, &u, DEVICE, enc, None).await })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}

/// Runs the scenario. Fails only if the sockets cannot be set up; what
/// happens during the run goes into the report.
pub async fn run(opts: &DirectOptions) -> Result<DirectReport, Error> {
    opts.check()?;
    let p = opts.pairs;
    let receivers = login_all(
        &opts.target,
        (0..p).map(|i| user_name(&opts.prefix, 2 * i + 1)).collect(),
        opts.encoding,
        opts.login_concurrency,
    )
    .await?;
    let senders = login_all(
        &opts.target,
        (0..p).map(|i| user_name(&opts.prefix, 2 * i)).collect(),
        opts.encoding,
        opts.login_concurrency,
    )
    .await?;

    let run_id = run_id();
    // Start a little ahead so every task is spawned before time zero.
    let base = Instant::now() + Duration::from_millis(50);
    let send_until = base + opts.duration;
    let drain_until = send_until + opts.drain;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let counters: Vec<Arc<AtomicU64>> = (0..p).map(|_| Arc::default()).collect();
    let mut receiver_tasks = Vec::new();
    for (i, ws) in receivers.into_iter().enumerate() {
        let plan = ReceiverPlan {
            pair: i as u32,
            run_id,
            base,
            delivered: counters[i].clone(),
        };
        receiver_tasks.push(tokio::spawn(receiver::run(ws, plan, stop_rx.clone())));
    }
    let (interval, window) = match opts.pacing {
        Pacing::Open { rate } => (Duration::from_secs_f64(f64::from(p) / rate), None),
        Pacing::Closed { window } => (Duration::ZERO, Some(window)),
    };
    let total = opts.messages.unwrap_or(u64::MAX);
    let mut sender_tasks = Vec::new();
    for (i, ws) in senders.into_iter().enumerate() {
        let pair = i as u32;
        let quota = if total == u64::MAX {
            u64::MAX
        } else {
            total / u64::from(p) + u64::from(u64::from(pair) < total % u64::from(p))
        };
        let plan = SenderPlan {
            pair,
            run_id,
            template: SendTemplate::new(
                &user_name(&opts.prefix, 2 * pair + 1),
                opts.payload_bytes,
                opts.encoding,
            ),
            pacing: opts.pacing,
            interval,
            // Spread the senders evenly over one interval.
            offset: interval.mul_f64(f64::from(pair) / f64::from(p)),
            quota,
            base,
            send_until,
            drain_until,
        };
        sender_tasks.push(tokio::spawn(sender::run(ws, plan)));
    }

    let mut sender_results = Vec::new();
    for t in sender_tasks {
        sender_results.push(
            t.await
                .map_err(|e| Error::Server(format!("sender task failed: {e}")))?,
        );
    }
    let send_secs = sender_results
        .iter()
        .map(|s| s.last_send_ns)
        .max()
        .unwrap_or(0);
    // Drain: wait until every receiver has at least as many messages as its
    // sender had acked, or the drain ends.
    let wanted: Vec<u64> = sender_results
        .iter()
        .map(|s| s.acked_ids.len() as u64)
        .collect();
    while Instant::now() < drain_until
        && counters
            .iter()
            .zip(&wanted)
            .any(|(c, w)| c.load(Ordering::Relaxed) < *w)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Receivers may already be gone; then nobody listens.
    let _ = stop_tx.send(true);
    let mut receiver_results = Vec::new();
    for t in receiver_tasks {
        receiver_results.push(
            t.await
                .map_err(|e| Error::Server(format!("receiver task failed: {e}")))?,
        );
    }
    let facts = RunFacts {
        mode: if window.is_some() { "closed" } else { "open" },
        pairs: p,
        rate: match opts.pacing {
            Pacing::Open { rate } => Some(rate),
            Pacing::Closed { .. } => None,
        },
        window,
        encoding: match opts.encoding {
            Encoding::Json => "json",
            Encoding::MsgPack => "msgpack",
        },
        payload_bytes: opts.payload_bytes,
        send_secs: send_secs as f64 / 1e9,
    };
    Ok(report::build(facts, sender_results, receiver_results))
}
