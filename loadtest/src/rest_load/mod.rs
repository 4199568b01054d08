//! Scenario `rest`: the REST API at a fixed open-loop rate. Call `k` is
//! due at `k / rate` seconds; a share `send_share` of the calls are 1:1
//! message sends (`POST /{org}/{app}/messages/users`, Easemob's format, from
//! user `k % U` to user `(k + 1) % U`), the others user calls in turn:
//! `GET /users/{u}`, `GET /users/{u}/status`, `GET
//! /users/{u}/offline_msg_count`. Latency counts from the intended time, so
//! a server that falls behind shows up as latency (no coordinated
//! omission), and the run reports each kind's calls, 2xx answers, errors by
//! HTTP status and percentiles. Bounded by `duration`, `calls`, the
//! in-flight cap and each call's timeout.
//!
//! - [`report`]: merging the outcomes, table and JSON.

pub mod report;

use crate::progress::Live;
use crate::rest::{self, Credentials};
use crate::setup::user_name;
use crate::target::Target;
use crate::Error;
use report::{RestFacts, RestReport};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Most calls one run may make.
pub const MAX_CALLS: u64 = 10_000_000;

/// What `rest` is to do.
#[derive(Debug, Clone)]
pub struct RestOptions {
    pub target: Target,
    pub credentials: Credentials,
    pub prefix: String,
    /// U: calls use users `{prefix}0..{prefix}U-1` (registered by `setup`).
    pub users: u32,
    /// Calls per second scheduled.
    pub rate: f64,
    /// Longest call phase: no call is scheduled at or after it.
    pub duration: Duration,
    /// Most calls (`None`: until `duration`).
    pub calls: Option<u64>,
    /// Share of the calls that send a message, 0..=1.
    pub send_share: f64,
    pub payload_bytes: usize,
    /// Longest wait for one answer.
    pub timeout: Duration,
    /// Most calls in flight; the schedule waits for room (the wait counts
    /// as latency).
    pub max_in_flight: usize,
}

impl RestOptions {
    fn check(&self) -> Result<(), Error> {
        if self.users < 2 {
            return Err(Error::Usage("--users must be at least 2".into()));
        }
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return Err(Error::Usage("--rate must be positive".into()));
        }
        if !(0.0..=1.0).contains(&self.send_share) {
            return Err(Error::Usage("--send-share must be 0..=1".into()));
        }
        if self.duration.is_zero() || self.timeout.is_zero() || self.max_in_flight == 0 {
            return Err(Error::Usage(
                "--duration, --timeout and --max-in-flight must be positive".into(),
            ));
        }
        if self.calls.is_some_and(|c| c > MAX_CALLS) {
            return Err(Error::Usage(format!("--calls must be at most {MAX_CALLS}")));
        }
        Ok(())
    }
}

/// The kinds of call, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Send,
    GetUser,
    Status,
    OfflineCount,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Send => "send",
            Kind::GetUser => "get_user",
            Kind::Status => "status",
            Kind::OfflineCount => "offline_count",
        }
    }

    /// Call `k`'s kind: sends spread evenly at `share`, the user calls in
    /// turn between them. Over `n` calls there are exactly
    /// `floor(n * share)` sends.
    pub fn of(k: u64, share: f64) -> Kind {
        let sends_before = |n: u64| (n as f64 * share).floor() as u64;
        if sends_before(k + 1) > sends_before(k) {
            return Kind::Send;
        }
        match (k - sends_before(k)) % 3 {
            0 => Kind::GetUser,
            1 => Kind::Status,
            _ => Kind::OfflineCount,
        }
    }
}

/// How one call ended: the HTTP status, or why there was none.
pub struct Outcome {
    pub kind: Kind,
    pub status: Result<u16, &'static str>,
    /// ns since the run's start when the answer was in.
    pub at_ns: u64,
    /// From the intended time to the whole answer read.
    pub latency_ns: u64,
}

fn ns_since(base: Instant, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(base).as_nanos()).unwrap_or(u64::MAX)
}

/// Everything a call needs besides its number.
struct Caller {
    http: reqwest::Client,
    target: Target,
    token: String,
    prefix: String,
    users: u32,
    text: String,
}

impl Caller {
    async fn call(&self, k: u64, kind: Kind) -> Result<u16, &'static str> {
        let u = |i: u64| user_name(&self.prefix, (i % u64::from(self.users)) as u32);
        let req = match kind {
            Kind::Send => self
                .http
                .post(self.target.app_url("/messages/users"))
                .json(&json!({"from": u(k), "to": [u(k + 1)], "type": "txt",
                    "body": {"msg": self.text}})),
            Kind::GetUser => self
                .http
                .get(self.target.app_url(&format!("/users/{}", u(k)))),
            Kind::Status => self
                .http
                .get(self.target.app_url(&format!("/users/{}/status", u(k)))),
            Kind::OfflineCount => self.http.get(
                self.target
                    .app_url(&format!("/users/{}/offline_msg_count", u(k))),
            ),
        };
        let resp = req.bearer_auth(&self.token).send().await.map_err(|e| {
            if e.is_timeout() {
                "timeout"
            } else if e.is_connect() {
                "connect"
            } else {
                "http"
            }
        })?;
        let status = resp.status().as_u16();
        // The call is over when the whole answer is read.
        resp.bytes()
            .await
            .map_err(|e| if e.is_timeout() { "timeout" } else { "body" })?;
        Ok(status)
    }
}

/// Runs the scenario. Fails only if the app token cannot be had.
pub async fn run(opts: &RestOptions, live: &Arc<Live>) -> Result<RestReport, Error> {
    opts.check()?;
    let http = reqwest::Client::builder()
        .timeout(opts.timeout)
        .tcp_nodelay(true)
        .pool_max_idle_per_host(opts.max_in_flight)
        .build()?;
    let token = rest::app_token(&http, &opts.target, &opts.credentials).await?;
    let caller = Arc::new(Caller {
        http,
        target: opts.target.clone(),
        token,
        prefix: opts.prefix.clone(),
        users: opts.users,
        text: "x".repeat(opts.payload_bytes),
    });
    let room = Arc::new(Semaphore::new(opts.max_in_flight));
    let interval = Duration::from_secs_f64(1.0 / opts.rate);
    let total = opts.calls.unwrap_or(MAX_CALLS);
    let base = Instant::now() + Duration::from_millis(50);
    let until = base + opts.duration;
    live.running("calling", base, opts.duration);
    let mut tasks = Vec::new();
    let mut last_due = base;
    for k in 0..total {
        let due = base + interval.saturating_mul(u32::try_from(k).unwrap_or(u32::MAX));
        if due >= until {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let Ok(permit) = room.clone().acquire_owned().await else {
            break;
        };
        last_due = due;
        let kind = Kind::of(k, opts.send_share);
        let (caller, live) = (caller.clone(), live.clone());
        Live::add(&live.sent, 1);
        tasks.push(tokio::spawn(async move {
            let status = caller.call(k, kind).await;
            drop(permit);
            let now = Instant::now();
            if status.is_ok_and(|s| (200..300).contains(&s)) {
                Live::add(&live.acked, 1);
            }
            Outcome {
                kind,
                status,
                at_ns: ns_since(base, now),
                latency_ns: ns_since(due, now),
            }
        }));
    }
    live.draining();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for t in tasks {
        outcomes.push(
            t.await
                .map_err(|e| Error::Server(format!("call task failed: {e}")))?,
        );
    }
    Ok(report::build(
        RestFacts {
            rate: opts.rate,
            users: opts.users,
            send_share: opts.send_share,
            payload_bytes: opts.payload_bytes,
            send_secs: ns_since(base, last_due) as f64 / 1e9,
        },
        &outcomes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_are_spread_at_their_share_and_user_calls_take_turns() {
        let kinds: Vec<Kind> = (0..8).map(|k| Kind::of(k, 0.5)).collect();
        assert_eq!(kinds.iter().filter(|k| **k == Kind::Send).count(), 4);
        let users: Vec<Kind> = kinds.into_iter().filter(|k| *k != Kind::Send).collect();
        assert_eq!(
            users,
            vec![
                Kind::GetUser,
                Kind::Status,
                Kind::OfflineCount,
                Kind::GetUser
            ]
        );
        for share in [0.0, 0.1, 0.25, 1.0 / 3.0, 0.9, 1.0] {
            let n = 1000u64;
            let sends = (0..n).filter(|k| Kind::of(*k, share) == Kind::Send).count() as u64;
            assert_eq!(sends, (n as f64 * share).floor() as u64, "share {share}");
        }
    }
}
