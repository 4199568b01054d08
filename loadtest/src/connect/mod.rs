//! Scenario `connect`: memory per idle authenticated connection. Opens
//! `sockets` WebSockets at `rate` per second (socket `i` logs in as
//! `{prefix}{i % users}`, from source address 127.0.0.(2 + i % source_ips)),
//! holds them idle (answering pings) for `hold` seconds, and reads the
//! server's RSS before, after connecting, at the end of the hold and after
//! closing.
//!
//! - [`idle`]: opening and holding the idle sockets (shared with `mixed`).
//! - [`rss`]: reading the server's RSS.
//! - [`fdlimit`]: raising this process's open-file limit.
//!
//! With `--msync` the sockets speak msync on `/websocket` (a token from
//! `POST /token` each, then a Provision as device `c{n}`), to measure an
//! idle Web SDK connection.

pub mod fdlimit;
pub mod idle;
pub mod rss;

use crate::latency::Summary;
use crate::progress::Live;
use crate::target::Target;
use crate::wire::Encoding;
use crate::Error;
use idle::{Idle, IdlePlan};
use rss::RssSource;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    /// Idle msync connections (`/websocket`) instead of `/ws` ones.
    pub msync: bool,
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

/// Runs the scenario.
pub async fn run(opts: &ConnectOptions, live: &Arc<Live>) -> Result<ConnectReport, Error> {
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

    let mut idle = Idle::start(
        IdlePlan {
            target: opts.target.clone(),
            prefix: opts.prefix.clone(),
            sockets: opts.sockets,
            first_user: 0,
            users: opts.users,
            rate: opts.rate,
            source_ips: opts.source_ips,
            encoding: opts.encoding,
            msync: opts.msync,
        },
        live.clone(),
    );
    let logins = idle.logged_in().await;
    report.connected = logins.connected;
    report.failed = logins.failed;
    report.first_failure = logins.first_failure;
    report.connect_secs = logins.login_secs;
    report.login = logins.login;
    tokio::time::sleep(opts.settle).await;
    report.rss_connected = opts.rss.read(&http).await?;
    live.running("holding", Instant::now(), opts.hold);
    tokio::time::sleep(opts.hold).await;
    report.rss_held = opts.rss.read(&http).await?;
    report.closed_during_hold = idle.closed();
    live.draining();
    idle.close(Duration::from_secs(30)).await?;
    tokio::time::sleep(opts.settle).await;
    report.rss_after_close = opts.rss.read(&http).await?;
    if report.connected > 0 {
        let per = |rss: u64| (rss as f64 - report.rss_before as f64) / report.connected as f64;
        report.bytes_per_connection = per(report.rss_held);
        report.bytes_per_connection_at_connect = per(report.rss_connected);
    }
    Ok(report)
}
