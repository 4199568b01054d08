//! A flood against the real binary: one app (`demo#chat`, at the default
//! `rest_rate_per_s` of 100) sends 100,000 REST calls over 200 concurrent
//! connections from 127.0.0.1, a tenth of them to paths naming no app,
//! while a second app (`other#app`, made with `imcloud app create` before
//! the start) calls at a steady pace. Most flood calls get 429, every
//! call of the other app is answered 200 within `PROBE_DEADLINE`, and the
//! server's resident memory grows by less than `MAX_GROWTH`. A debug
//! build takes 10-15 s here (docs/benchmarks.md has the figures).

use super::call;
use crate::common::{start_binary, write_config};
use futures_util::stream::{self, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Flood calls.
const FLOOD: usize = 100_000;
const CONNECTIONS: usize = 200;
/// Longest the other app may wait for one answer during the flood.
const PROBE_DEADLINE: Duration = Duration::from_secs(5);
/// How often the other app calls.
const PROBE_EVERY: Duration = Duration::from_millis(20);
/// Most the server's RSS may grow during the flood (it grew ~6 MiB in the
/// runs recorded). What the flood may hold: 200 connections with
/// actix-http's buffers (two of 8 KiB, grown for a larger request or
/// answer; ~64 KiB each at most) is under 13 MiB, plus the allocator's
/// caches. What it must not hold: anything per call or per path: 250
/// bytes kept per call, or per unknown app path, would be 24 MiB.
const MAX_GROWTH: u64 = 24 << 20;

/// The resident set of process `pid`, bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS");
    kib * 1024
}

/// `imcloud app create APPKEY` on the stopped data dir: its credentials.
fn create_app(appkey: &str, data: &std::path::Path, config: &std::path::Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_imcloud"))
        .args(["app", "create", appkey, "--data-dir"])
        .arg(data)
        .arg("--config")
        .arg(config)
        .output()
        .expect("run imcloud app create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON line")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_app_is_refused_in_bounded_memory_while_another_is_served() {
    let flood = FLOOD;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(dir.path(), "flood.toml", "");
    let other = create_app("other#app", &data, &config);
    let server = start_binary(&data, &config);
    let base = server.base();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();
    let token = server.demo_token(&http, &data).await;
    let set = call(
        &http,
        Method::PUT,
        &format!("{base}/demo/chat/settings"),
        Some(&token),
        Some(json!({"rest_rate_per_s": 100})),
        &[],
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let other_token = call(&http, Method::POST, &format!("{base}/other/app/token"), None, Some(json!({"grant_type": "client_credentials", "client_id": other["client_id"], "client_secret": other["client_secret"]})), &[]).await.body["access_token"].as_str().expect("a token").to_string();

    let pid = server.child.id();
    let before = rss(pid);
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(before));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            while !done.load(Ordering::Relaxed) {
                tick.tick().await;
                peak.fetch_max(rss(pid), Ordering::Relaxed);
            }
        })
    };
    let probe = {
        let (done, http, url) = (
            done.clone(),
            http.clone(),
            format!("{base}/other/app/settings"),
        );
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut tick = tokio::time::interval(PROBE_EVERY);
            while !done.load(Ordering::Relaxed) {
                tick.tick().await;
                let started = Instant::now();
                let answer = tokio::time::timeout(
                    PROBE_DEADLINE,
                    call(&http, Method::GET, &url, Some(&other_token), None, &[]),
                )
                .await;
                let answer = answer
                    .unwrap_or_else(|_| panic!("the other app waited over {PROBE_DEADLINE:?}"));
                assert_eq!(
                    answer.status, 200,
                    "the other app was refused: {}",
                    answer.body
                );
                latencies.push(started.elapsed());
            }
            latencies
        })
    };

    let started = Instant::now();
    let statuses: Vec<(u16, String)> = stream::iter(0..flood)
        .map(|i| {
            let url = if i % 10 == 9 {
                format!("{base}/n{i}/a{i}/users")
            } else {
                format!("{base}/demo/chat/users/u{}", i % 50)
            };
            let (http, token) = (&http, &token);
            async move {
                let resp = http
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .expect("an answer");
                let status = resp.status().as_u16();
                let body: Value = resp.json().await.unwrap_or(Value::Null);
                (status, body["error"].as_str().unwrap_or("").to_string())
            }
        })
        .buffer_unordered(CONNECTIONS)
        .collect()
        .await;
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.await.unwrap();
    let mut latencies = probe.await.unwrap();
    let peak = peak.load(Ordering::Relaxed).max(rss(pid));

    let mut by_outcome: BTreeMap<(u16, String), usize> = BTreeMap::new();
    for s in statuses {
        *by_outcome.entry(s).or_default() += 1;
    }
    let limited = by_outcome
        .get(&(429, "reach_limit".into()))
        .copied()
        .unwrap_or(0);
    let no_app = by_outcome
        .get(&(404, "organization_application_not_found".into()))
        .copied()
        .unwrap_or(0);
    latencies.sort();
    let pct = |p: usize| {
        latencies
            .get(latencies.len().saturating_sub(1) * p / 100)
            .copied()
            .unwrap_or_default()
    };
    let growth = peak.saturating_sub(before);
    println!(
        "flood: {flood} calls over {CONNECTIONS} connections in {:.1} s ({:.0}/s): {by_outcome:?}; RSS before {} MiB, peak {} MiB (+{} KiB); other app: {} calls, p50 {:?}, p99 {:?}, max {:?}",
        elapsed.as_secs_f64(),
        flood as f64 / elapsed.as_secs_f64(),
        before >> 20,
        peak >> 20,
        growth >> 10,
        latencies.len(),
        pct(50),
        pct(99),
        latencies.last().copied().unwrap_or_default(),
    );
    let app_calls = flood - flood / 10;
    assert_eq!(
        no_app,
        flood / 10,
        "every unknown app is 404: {by_outcome:?}"
    );
    assert!(
        limited * 10 >= app_calls * 9,
        "fewer than 90 % limited: {by_outcome:?}"
    );
    assert!(!latencies.is_empty(), "the other app made no call");
    assert!(growth < MAX_GROWTH, "RSS grew by {} MiB", growth >> 20);
}
