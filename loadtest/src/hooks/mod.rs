//! Callback benchmarks (issue 13), against a receiver in this process
//! ([`receiver`]):
//!
//! - `hook-drain`: post-send delivery throughput. A post-send rule with
//!   `batch_max` points at the receiver, which refuses (503) while the
//!   app server sends `--events` REST messages (one `chat` event each);
//!   once the server counts them all queued, the receiver accepts, and
//!   the report is events/s from its first accepted event to the last.
//! - `hook-direct`: the `direct` scenario twice on the same sockets'
//!   users, plain and then with one rule installed (`pre`: a pre-send
//!   rule on 1:1 text the receiver allows at once, for the latency it
//!   adds; `post`: a post-send `chat` rule, for the throughput it costs),
//!   side by side, after a warm-up run. The rule is deleted at the end.

pub mod receiver;

use crate::direct::report::DirectReport;
use crate::direct::{self, DirectOptions};
use crate::progress::Live;
use crate::rest::{self, Credentials};
use crate::setup::user_name;
use crate::target::Target;
use crate::Error;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use receiver::HookReceiver;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The rule the benchmarks add (and delete again).
const RULE: &str = "loadtest_hook";
/// Most recipients of one REST send (the server's limit).
const TARGETS_PER_CALL: usize = 600;
/// How often the server's queue or the receiver is looked at.
const POLL: Duration = Duration::from_millis(20);

/// What `hook-drain` is to do.
#[derive(Debug, Clone)]
pub struct DrainOptions {
    pub target: Target,
    pub credentials: Credentials,
    pub prefix: String,
    /// Users `{prefix}0..` the events are addressed to.
    pub users: u32,
    pub events: u64,
    pub batch_max: u32,
    /// REST sends in flight while filling.
    pub concurrency: usize,
    /// Longest wait for the queue to fill or to drain.
    pub timeout: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrainReport {
    pub events: u64,
    pub batch_max: u32,
    /// Seconds the REST sends took, and events queued per second.
    pub fill_secs: f64,
    pub fill_per_sec: f64,
    pub delivered: u64,
    pub duplicates: u64,
    pub requests: u64,
    pub refused_while_filling: u64,
    /// From the first accepted event to the last, s.
    pub drain_secs: f64,
    pub delivered_per_sec: f64,
}

impl DrainReport {
    pub fn table(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "filled {} events in {:.2} s ({:.0}/s); batch_max {}",
            self.events, self.fill_secs, self.fill_per_sec, self.batch_max
        );
        let _ = writeln!(
            o,
            "delivered {} events in {} requests ({:.1} a request), duplicates {}",
            self.delivered,
            self.requests,
            self.delivered as f64 / self.requests.max(1) as f64,
            self.duplicates
        );
        let _ = writeln!(
            o,
            "post-send delivery: {:.2} s, {:.0} events/s",
            self.drain_secs, self.delivered_per_sec
        );
        o
    }
}

/// `(status, body)` of a REST call with the app's token.
async fn call(req: reqwest::RequestBuilder, token: &str) -> Result<(u16, Value), Error> {
    let resp = req.bearer_auth(token).send().await?;
    let status = resp.status().as_u16();
    let v = resp.json().await.unwrap_or(Value::Null);
    Ok((status, v))
}

/// Replaces the benchmark's rule with `rule` (its name is set here).
async fn install_rule(
    http: &reqwest::Client,
    target: &Target,
    token: &str,
    mut rule: Value,
) -> Result<(), Error> {
    remove_rule(http, target, token).await?;
    rule["name"] = json!(RULE);
    let (status, v) = call(http.post(target.app_url("/callbacks")).json(&rule), token).await?;
    if status != 200 {
        return Err(Error::Server(format!(
            "adding the rule answered {status}: {v}"
        )));
    }
    Ok(())
}

async fn remove_rule(http: &reqwest::Client, target: &Target, token: &str) -> Result<(), Error> {
    let url = target.app_url(&format!("/callbacks/{RULE}"));
    let (status, v) = call(http.delete(url), token).await?;
    match status {
        200 | 404 => Ok(()),
        _ => Err(Error::Server(format!(
            "deleting the rule answered {status}: {v}"
        ))),
    }
}

/// The rule's queue as the server shows it.
async fn queue(http: &reqwest::Client, target: &Target, token: &str) -> Result<Value, Error> {
    let (status, v) = call(http.get(target.app_url("/callbacks")), token).await?;
    if status != 200 {
        return Err(Error::Server(format!(
            "listing the rules answered {status}: {v}"
        )));
    }
    let rules = v["data"].as_array().cloned().unwrap_or_default();
    Ok(rules
        .into_iter()
        .find(|r| r["name"] == json!(RULE))
        .map(|r| r["queue"].clone())
        .unwrap_or(Value::Null))
}

pub async fn drain(opts: &DrainOptions) -> Result<DrainReport, Error> {
    if opts.users == 0 || opts.events == 0 || opts.concurrency == 0 {
        return Err(Error::Usage(
            "--users, --events and --concurrency must be positive".into(),
        ));
    }
    let http = reqwest::Client::new();
    let token = rest::app_token(&http, &opts.target, &opts.credentials).await?;
    let receiver = HookReceiver::start().await?;
    receiver.fail(true);
    let rule = json!({"kind": "post_send", "url": format!("{}/post", receiver.base),
        "events": ["chat"], "include_rest": true, "batch_max": opts.batch_max});
    install_rule(&http, &opts.target, &token, rule).await?;

    let names: Vec<String> = (0..opts.users)
        .map(|i| user_name(&opts.prefix, i))
        .collect();
    let per_call = names.len().min(TARGETS_PER_CALL) as u64;
    let calls = opts.events.div_ceil(per_call);
    let url = opts.target.app_url("/messages/users");
    let started = Instant::now();
    stream::iter(0..calls)
        .map(|c| {
            let n = per_call.min(opts.events - c * per_call) as usize;
            let from = (c as usize * per_call as usize) % names.len();
            let to: Vec<&String> = names.iter().cycle().skip(from).take(n).collect();
            let body = json!({"to": to, "type": "txt", "body": {"msg": "hook bench"}});
            let req = http.post(&url).json(&body);
            let token = token.as_str();
            async move {
                let (status, v) = call(req, token).await?;
                if status != 200 {
                    return Err(Error::Server(format!("a REST send answered {status}: {v}")));
                }
                Ok(())
            }
        })
        .buffer_unordered(opts.concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    let sent_secs = started.elapsed().as_secs_f64();
    // Every send was acked: its event is on disk; wait until the queue
    // counts them all.
    let deadline = Instant::now() + opts.timeout;
    loop {
        let q = queue(&http, &opts.target, &token).await?;
        if q["queued"].as_u64().unwrap_or(0) >= opts.events {
            break;
        }
        if Instant::now() > deadline {
            return Err(Error::Timeout(format!(
                "the queue never held every event: {q}"
            )));
        }
        tokio::time::sleep(POLL).await;
    }
    let refused_while_filling = receiver.seen().refused;
    receiver.fail(false);
    let deadline = Instant::now() + opts.timeout;
    while receiver.seen().events < opts.events {
        if Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let seen = receiver.seen();
    remove_rule(&http, &opts.target, &token).await?;
    Ok(DrainReport {
        events: opts.events,
        batch_max: opts.batch_max,
        fill_secs: sent_secs,
        fill_per_sec: opts.events as f64 / sent_secs.max(1e-9),
        delivered: seen.events,
        duplicates: seen.duplicates,
        requests: seen.requests,
        refused_while_filling,
        drain_secs: seen.span_secs,
        delivered_per_sec: seen.events as f64 / seen.span_secs.max(1e-9),
    })
}

/// The rule `hook-direct` runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleUnderTest {
    /// A pre-send rule on 1:1 text messages.
    Pre,
    /// A post-send rule on `chat` events.
    Post,
}

#[derive(Debug, Clone)]
pub struct HookDirectOptions {
    pub direct: DirectOptions,
    pub credentials: Credentials,
    pub rule: RuleUnderTest,
    /// Post-send: events per request at most.
    pub batch_max: u32,
    /// A first `direct` run of this long, not reported, so that neither
    /// measured run is the one that activates the entities and warms the
    /// caches.
    pub warmup: Duration,
}

#[derive(Debug, Serialize)]
pub struct HookDirectReport {
    pub rule: RuleUnderTest,
    pub plain: DirectReport,
    pub with_rule: DirectReport,
    /// `with_rule` acks/s over `plain`'s.
    pub throughput_ratio: f64,
    /// What the rule added to the ack latency, ms.
    pub added_ack_p50_ms: f64,
    pub added_ack_p99_ms: f64,
    /// Post-send: events the receiver got by the end, and duplicates.
    pub events_received: u64,
    pub duplicates: u64,
    /// Post-send: the requests that carried them.
    pub requests: u64,
}

impl HookDirectReport {
    pub fn table(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "== plain ==\n{}", self.plain.table());
        let _ = writeln!(
            o,
            "== with the {:?} rule ==\n{}",
            self.rule,
            self.with_rule.table()
        );
        let _ = writeln!(
            o,
            "throughput with/plain {:.3}; ack p50 {:+.3} ms, p99 {:+.3} ms",
            self.throughput_ratio, self.added_ack_p50_ms, self.added_ack_p99_ms
        );
        if self.rule == RuleUnderTest::Post {
            let _ = writeln!(
                o,
                "receiver: {} events in {} requests ({:.1} a request), {} duplicates",
                self.events_received,
                self.requests,
                self.events_received as f64 / self.requests.max(1) as f64,
                self.duplicates
            );
        }
        o
    }
}

pub async fn direct(opts: &HookDirectOptions, live: &Arc<Live>) -> Result<HookDirectReport, Error> {
    let http = reqwest::Client::new();
    let target = &opts.direct.target;
    let token = rest::app_token(&http, target, &opts.credentials).await?;
    remove_rule(&http, target, &token).await?;
    if !opts.warmup.is_zero() {
        let mut warm = opts.direct.clone();
        warm.send.duration = opts.warmup;
        warm.send.messages = None;
        direct::run(&warm, live).await?;
    }
    let plain = direct::run(&opts.direct, live).await?;
    let receiver = HookReceiver::start().await?;
    let rule = match opts.rule {
        RuleUnderTest::Pre => json!({"kind": "pre_send", "url": format!("{}/pre", receiver.base),
            "chat_types": ["chat"], "msg_types": ["txt"], "fail_policy": "pass"}),
        RuleUnderTest::Post => {
            json!({"kind": "post_send", "url": format!("{}/post", receiver.base),
            "events": ["chat"], "batch_max": opts.batch_max})
        }
    };
    install_rule(&http, target, &token, rule).await?;
    let with_rule = direct::run(&opts.direct, live).await;
    // The post-send events of the run, up to the drain's length more.
    let deadline = Instant::now() + opts.direct.send.drain;
    if let Ok(r) = &with_rule {
        while opts.rule == RuleUnderTest::Post
            && receiver.seen().events < r.delivered
            && Instant::now() < deadline
        {
            tokio::time::sleep(POLL).await;
        }
    }
    remove_rule(&http, target, &token).await?;
    let with_rule = with_rule?;
    let seen = receiver.seen();
    Ok(HookDirectReport {
        rule: opts.rule,
        throughput_ratio: with_rule.acked_per_sec / plain.acked_per_sec.max(1e-9),
        added_ack_p50_ms: with_rule.ack.p50_ms - plain.ack.p50_ms,
        added_ack_p99_ms: with_rule.ack.p99_ms - plain.ack.p99_ms,
        events_received: seen.events,
        duplicates: seen.duplicates,
        requests: seen.requests,
        plain,
        with_rule,
    })
}
