//! Scenario `direct`: 1:1 throughput and latency. Pair `i` is a sender
//! socket logged in as `{prefix}{f+2i}` sending to a receiver socket logged
//! in as `{prefix}{f+2i+1}`, where `f` is `first_user` (0 for `direct`;
//! `mixed` puts its pairs after its group's members). The run sends for `duration` (or until `messages`
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
use crate::progress::Live;
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
    /// Pair `i` is users `first_user + 2i` (sender) and `first_user + 2i + 1`.
    pub first_user: u32,
    pub pairs: u32,
    pub send: SendPhase,
    /// Receivers answer every message with `delivered` and `read` (`/ws`
    /// pairs only).
    pub receipts: bool,
    /// The first `msync_pairs` pairs speak msync (`/websocket`).
    pub msync_pairs: u32,
}

/// How the senders of `direct` and `group` run their bounded send phase.
#[derive(Debug, Clone)]
pub struct SendPhase {
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
        if self.msync_pairs > self.pairs {
            return Err(Error::Usage("--msync-pairs must be at most --pairs".into()));
        }
        self.send.check()
    }
}

impl SendPhase {
    /// A positive rate or window, and a positive send phase.
    pub(crate) fn check(&self) -> Result<(), Error> {
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

impl Pacing {
    /// For `senders` senders: each one's interval (open loop; zero closed).
    pub(crate) fn interval(&self, senders: u32) -> Duration {
        match *self {
            Pacing::Open { rate } => Duration::from_secs_f64(f64::from(senders) / rate),
            Pacing::Closed { .. } => Duration::ZERO,
        }
    }

    /// `open` or `closed`, the rate and the window, as the reports say them.
    pub(crate) fn facts(&self) -> (&'static str, Option<f64>, Option<usize>) {
        match *self {
            Pacing::Open { rate } => ("open", Some(rate), None),
            Pacing::Closed { window } => ("closed", None, Some(window)),
        }
    }
}

/// Sender `i`'s share of `total` messages over `senders` (`None`: no cap).
pub(crate) fn quota(total: Option<u64>, i: u32, senders: u32) -> u64 {
    match total {
        None => u64::MAX,
        Some(t) => t / u64::from(senders) + u64::from(u64::from(i) < t % u64::from(senders)),
    }
}

/// Waits until every counter reached what it is owed, or `until`.
pub(crate) async fn wait_delivered(counters: &[Arc<AtomicU64>], owed: &[u64], until: Instant) {
    while Instant::now() < until
        && counters
            .iter()
            .zip(owed)
            .any(|(c, w)| c.load(Ordering::Relaxed) < *w)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The name reports give an encoding.
pub(crate) fn encoding_name(enc: Encoding) -> &'static str {
    match enc {
        Encoding::Json => "json",
        Encoding::MsgPack => "msgpack",
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
    live: &Live,
) -> Result<Vec<Ws>, Error> {
    stream::iter(users)
        .map(|u| async move {
            let ws = conn::login(target, &u, DEVICE, enc, None).await?;
            Live::add(&live.connected, 1);
            Ok::<Ws, Error>(ws)
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}

/// The logged-in sockets of a `direct` run.
pub struct Sockets {
    senders: Vec<Ws>,
    receivers: Vec<Ws>,
}

/// Logs in `users` over msync (a token, then a Provision), at most
/// `concurrency` at once, in order; receivers are then caught up to the
/// head of their queue.
async fn msync_login_all(
    target: &Target,
    users: Vec<String>,
    receivers: bool,
    concurrency: usize,
    live: &Live,
) -> Result<Vec<Ws>, Error> {
    let http = reqwest::Client::new();
    let http = &http;
    stream::iter(users)
        .map(|u| async move {
            let resource = crate::msync::RESOURCE;
            let mut ws =
                crate::msync::login(http, target, &u, resource, None, conn::LOGIN_TIMEOUT).await?;
            if receivers {
                crate::msync::catch_up(&mut ws, &target.appkey, &u, Duration::from_secs(60))
                    .await?;
            }
            Live::add(&live.connected, 1);
            Ok::<Ws, Error>(ws)
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}

/// Logs in every receiver, then every sender (the first `msync_pairs`
/// pairs over msync).
pub async fn connect(opts: &DirectOptions, live: &Live) -> Result<Sockets, Error> {
    opts.check()?;
    let user = |i: u32| user_name(&opts.prefix, opts.first_user + i);
    let m = opts.msync_pairs;
    let login = |users: Vec<String>| {
        login_all(
            &opts.target,
            users,
            opts.send.encoding,
            opts.send.login_concurrency,
            live,
        )
    };
    let msync_login = |users: Vec<String>, receivers: bool| {
        msync_login_all(
            &opts.target,
            users,
            receivers,
            opts.send.login_concurrency,
            live,
        )
    };
    let mut receivers = msync_login((0..m).map(|i| user(2 * i + 1)).collect(), true).await?;
    receivers.extend(login((m..opts.pairs).map(|i| user(2 * i + 1)).collect()).await?);
    let mut senders = msync_login((0..m).map(|i| user(2 * i)).collect(), false).await?;
    senders.extend(login((m..opts.pairs).map(|i| user(2 * i)).collect()).await?);
    Ok(Sockets { senders, receivers })
}

/// Runs the scenario. Fails only if the sockets cannot be set up; what
/// happens during the run goes into the report.
pub async fn run(opts: &DirectOptions, live: &Arc<Live>) -> Result<DirectReport, Error> {
    let sockets = connect(opts, live).await?;
    sending(live, opts.send.duration, |base| {
        drive(opts, sockets, base, live)
    })
    .await
}

/// Runs `drive` with time zero a little ahead (so every task is spawned
/// before it), the progress bar following the send phase and the drain.
pub(crate) async fn sending<T, F>(
    live: &Live,
    duration: Duration,
    drive: impl FnOnce(Instant) -> F,
) -> Result<T, Error>
where
    F: std::future::Future<Output = Result<T, Error>>,
{
    let base = Instant::now() + Duration::from_millis(50);
    live.running("sending", base, duration);
    let r = drive(base).await;
    live.draining();
    r
}

/// The send phase from `base` on, the drain, and the report.
pub async fn drive(
    opts: &DirectOptions,
    sockets: Sockets,
    base: Instant,
    live: &Arc<Live>,
) -> Result<DirectReport, Error> {
    let p = opts.pairs;
    let run_id = run_id();
    let send_until = base + opts.send.duration;
    let drain_until = send_until + opts.send.drain;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let counters: Vec<Arc<AtomicU64>> = (0..p).map(|_| Arc::default()).collect();
    let mut receiver_tasks = Vec::new();
    for (i, ws) in sockets.receivers.into_iter().enumerate() {
        let plan = ReceiverPlan {
            pair: i as u32,
            run_id,
            base,
            delivered: counters[i].clone(),
            live: live.clone(),
            receipts: opts.receipts,
            enc: opts.send.encoding,
            msync: (i as u32) < opts.msync_pairs,
        };
        receiver_tasks.push(tokio::spawn(receiver::run(ws, plan, stop_rx.clone())));
    }
    let interval = opts.send.pacing.interval(p);
    let mut sender_tasks = Vec::new();
    for (i, ws) in sockets.senders.into_iter().enumerate() {
        let pair = i as u32;
        let plan = SenderPlan {
            pair,
            run_id,
            template: SendTemplate::new(
                &user_name(&opts.prefix, opts.first_user + 2 * pair + 1),
                opts.send.payload_bytes,
                opts.send.encoding,
            ),
            pacing: opts.send.pacing,
            interval,
            // Spread the senders evenly over one interval.
            offset: interval.mul_f64(f64::from(pair) / f64::from(p)),
            quota: quota(opts.send.messages, pair, p),
            base,
            send_until,
            drain_until,
            live: live.clone(),
            msync: (pair < opts.msync_pairs).then(|| {
                crate::msync::SendTemplate::new(
                    &opts.target.appkey,
                    &user_name(&opts.prefix, opts.first_user + 2 * pair),
                    &user_name(&opts.prefix, opts.first_user + 2 * pair + 1),
                    opts.send.payload_bytes,
                    run_id,
                )
            }),
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
    wait_delivered(&counters, &wanted, drain_until).await;
    // Receivers may already be gone; then nobody listens.
    let _ = stop_tx.send(true);
    let mut receiver_results = Vec::new();
    for t in receiver_tasks {
        receiver_results.push(
            t.await
                .map_err(|e| Error::Server(format!("receiver task failed: {e}")))?,
        );
    }
    let (mode, rate, window) = opts.send.pacing.facts();
    let facts = RunFacts {
        mode,
        pairs: p,
        rate,
        window,
        encoding: encoding_name(opts.send.encoding),
        payload_bytes: opts.send.payload_bytes,
        send_secs: send_secs as f64 / 1e9,
        msync_pairs: opts.msync_pairs,
    };
    Ok(report::build(facts, sender_results, receiver_results))
}
