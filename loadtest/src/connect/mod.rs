//! Scenario `connect`: memory per idle authenticated connection. Opens
//! `sockets` WebSockets at `rate` per second (socket `i` logs in as
//! `{prefix}{i % users}`, from source address 127.0.0.(2 + i % source_ips)),
//! holds them idle (answering pings) for `hold` seconds, and reads the
//! server's RSS before, after connecting, at the end of the hold and after
//! closing.
//!
//! - [`rss`]: reading the server's RSS.
//! - [`fdlimit`]: raising this process's open-file limit.

pub mod fdlimit;
pub mod rss;

use crate::conn;
use crate::latency::{Latency, Summary};
use crate::setup::user_name;
use crate::target::Target;
use crate::wire::Encoding;
use crate::Error;
use futures_util::{SinkExt, StreamExt};
use rss::RssSource;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

/// Most sockets one run may open.
pub const MAX_SOCKETS: u32 = 100_000;

/// What `connect` is to do.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub target: Target,
    pub prefix: String,
    pub sockets: u32,
    /// Distinct users to log in as (at most 4 devices each stay online).
    pub users: u32,
    /// Connects started per second.
    pub rate: f64,
    /// How long to hold the sockets once all are up.
    pub hold: Duration,
    /// Wait after the last connect before the "connected" RSS reading.
    pub settle: Duration,
    /// Source addresses 127.0.0.2.. to spread over (0: let the OS choose).
    pub source_ips: u8,
    pub rss: RssSource,
    pub encoding: Encoding,
}

/// What `connect` measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConnectReport {
    pub sockets: u32,
    pub connected: u64,
    /// Failed logins by kind.
    pub failed: BTreeMap<String, u64>,
    /// One failure message, for a hint.
    pub first_failure: Option<String>,
    /// Sockets that closed during the hold.
    pub closed_during_hold: u64,
    pub connect_secs: f64,
    pub login: Summary,
    pub rss_before: u64,
    pub rss_connected: u64,
    pub rss_held: u64,
    pub rss_after_close: u64,
    /// (rss_held - rss_before) / connected.
    pub bytes_per_connection: f64,
    /// (rss_connected - rss_before) / connected.
    pub bytes_per_connection_at_connect: f64,
}

impl ConnectReport {
    /// The human table printed at the end of a run.
    pub fn table(&self) -> String {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        let failed = if self.failed.is_empty() {
            "none".into()
        } else {
            self.failed
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut lines = vec![
            format!("connect: {} sockets requested, {} connected in {:.1} s, failed: {failed}", self.sockets, self.connected, self.connect_secs),
            format!("  {}", Summary::header()),
            format!("  {}", self.login.row("login")),
            format!(
                "  server RSS MiB: before {:.1}, connected {:.1}, after hold {:.1}, after close {:.1}",
                mib(self.rss_before),
                mib(self.rss_connected),
                mib(self.rss_held),
                mib(self.rss_after_close)
            ),
            format!("  bytes per connection: {:.0} after hold ({:.0} right after connecting)", self.bytes_per_connection, self.bytes_per_connection_at_connect),
            format!("  closed during hold: {}", self.closed_during_hold),
        ];
        if let Some(f) = &self.first_failure {
            lines.push(format!("  first failure: {f}"));
        }
        lines.join("\n") + "\n"
    }
}

fn error_kind(e: &Error) -> String {
    match e {
        Error::Io(io) => format!("io_{:?}", io.kind()).to_lowercase(),
        Error::Usage(_) => "usage".into(),
        Error::Http(_) => "http".into(),
        Error::Ws(_) => "ws".into(),
        Error::Server(_) => "server".into(),
        Error::Timeout(_) => "timeout".into(),
    }
}

/// Holds one socket until `stop`, answering pings; counts an early close.
async fn hold(ws: conn::Ws, mut stop: watch::Receiver<bool>, closed: Arc<AtomicU64>) {
    let (mut sink, mut stream) = ws.split();
    loop {
        tokio::select! {
            frame = stream.next() => match frame {
                // Reading is what makes tungstenite answer pings.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    closed.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Some(Ok(_)) => {}
            },
            changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
        }
    }
    // Best effort: the server also notices the TCP close.
    let _ = sink.send(Message::Close(None)).await;
}

/// Runs the scenario.
pub async fn run(opts: &ConnectOptions) -> Result<ConnectReport, Error> {
    if opts.sockets == 0
        || opts.sockets > MAX_SOCKETS
        || opts.users == 0
        || opts.rate.is_nan()
        || opts.rate <= 0.0
    {
        return Err(Error::Usage(format!(
            "need 1..={MAX_SOCKETS} sockets, at least 1 user and a positive rate"
        )));
    }
    let limit = fdlimit::raise_nofile(u64::from(opts.sockets) + 1024)?;
    if limit < u64::from(opts.sockets) + 64 {
        return Err(Error::Usage(format!("open-file limit is {limit}, too low for {} sockets (run as root or raise `ulimit -Hn`)", opts.sockets)));
    }
    let http = reqwest::Client::new();
    let mut report = ConnectReport {
        sockets: opts.sockets,
        ..ConnectReport::default()
    };
    report.rss_before = opts.rss.read(&http).await?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let (done_tx, mut done_rx) = mpsc::channel::<Result<Duration, Error>>(1024);
    let closed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let spawner = {
        let (opts, stop_rx, closed) = (opts.clone(), stop_rx.clone(), closed.clone());
        tokio::spawn(async move {
            let mut tasks = Vec::with_capacity(opts.sockets as usize);
            for i in 0..opts.sockets {
                tokio::time::sleep_until(
                    (started + Duration::from_secs_f64(f64::from(i) / opts.rate)).into(),
                )
                .await;
                let source = (opts.source_ips > 0)
                    .then(|| Ipv4Addr::new(127, 0, 0, 2 + (i % u32::from(opts.source_ips)) as u8));
                let user = user_name(&opts.prefix, i % opts.users);
                let device = format!("c{}", i / opts.users);
                let (target, enc, done, stop, closed) = (
                    opts.target.clone(),
                    opts.encoding,
                    done_tx.clone(),
                    stop_rx.clone(),
                    closed.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    let t0 = Instant::now();
                    match conn::login(&target, &user, &device, enc, source).await {
                        Ok(ws) => {
                            // The collector waits for exactly one result per socket.
                            let _ = done.send(Ok(t0.elapsed())).await;
                            hold(ws, stop, closed).await;
                        }
                        Err(e) => {
                            let _ = done.send(Err(e)).await;
                        }
                    }
                }));
            }
            tasks
        })
    };
    let mut login = Latency::new();
    for _ in 0..opts.sockets {
        match done_rx.recv().await {
            Some(Ok(d)) => {
                report.connected += 1;
                login.record(d);
            }
            Some(Err(e)) => {
                *report.failed.entry(error_kind(&e)).or_default() += 1;
                report.first_failure.get_or_insert_with(|| e.to_string());
            }
            None => break,
        }
    }
    report.connect_secs = started.elapsed().as_secs_f64();
    report.login = login.summary();
    tokio::time::sleep(opts.settle).await;
    report.rss_connected = opts.rss.read(&http).await?;
    tokio::time::sleep(opts.hold).await;
    report.rss_held = opts.rss.read(&http).await?;
    report.closed_during_hold = closed.load(Ordering::Relaxed);

    // Every socket task ends on `stop`; the spawner ended with the last login.
    let _ = stop_tx.send(true);
    let tasks = spawner
        .await
        .map_err(|e| Error::Server(format!("spawner failed: {e}")))?;
    let all_closed = futures_util::future::join_all(tasks);
    // Closing is best effort; the server sees the TCP close regardless.
    let _ = tokio::time::timeout(Duration::from_secs(30), all_closed).await;
    tokio::time::sleep(opts.settle).await;
    report.rss_after_close = opts.rss.read(&http).await?;
    if report.connected > 0 {
        let per = |rss: u64| (rss as f64 - report.rss_before as f64) / report.connected as f64;
        report.bytes_per_connection = per(report.rss_held);
        report.bytes_per_connection_at_connect = per(report.rss_connected);
    }
    Ok(report)
}
