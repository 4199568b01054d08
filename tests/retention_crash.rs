//! The retention sweep under live traffic and `kill -9`: the real binary
//! stores 6,000 messages, restarts two days ahead (a test clock) with a
//! one-day retention and a slow sweep, is killed with SIGKILL in the
//! middle of the sweep while a sender keeps sending, and restarts: the
//! sweep runs again to its end, every old message is gone, every message
//! acked during the sweep is there, and the streams number on.

use crate::common::{create_users, eventually, write_config, WsClient, APPKEY};
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const RECIPIENTS: usize = 60;
const OLD_PER_RECIPIENT: usize = 100;
const TWO_DAYS: &str = "172800";
/// Longest wait for a sweep to start or finish.
const WAIT_SWEEP: Duration = Duration::from_secs(60);

/// The binary's config: a one-day retention and the sweep settings
/// `sweep` (dotted keys under `retention`).
fn config(dir: &Path, name: &str, sweep: &str) -> std::path::PathBuf {
    write_config(
        dir,
        name,
        &format!("app_defaults.retention_days = 1\n{sweep}"),
    )
}

/// A counter of the binary's `/metrics`.
async fn metric(http: &reqwest::Client, base: &str, name: &str) -> u64 {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or(0)
}

async fn login(ws: &str, user: &str) -> WsClient {
    let c = WsClient::connect(ws, false).await.unwrap();
    let r = c
        .login(APPKEY, user, &format!("pw-{user}"), None)
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    c
}

#[tokio::test]
async fn a_sweep_killed_midway_under_traffic_finishes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_imcloud");
    let http = reqwest::Client::new();
    let users: Vec<String> = (0..RECIPIENTS).map(|i| format!("r{i}")).collect();

    // 1. Today: 6,000 messages from the app to 60 users, and one user's
    //    own message to another.
    let quiet = config(
        dir.path(),
        "quiet.toml",
        "retention.sweep_interval_secs = 0",
    );
    let mut server = imcloud_testkit::BinaryServer::start(bin, &data, &quiet);
    let base = server.base();
    let token = server.demo_token(&http, &data).await;
    let mut names: Vec<&str> = users.iter().map(String::as_str).collect();
    names.extend(["alice", "bob"]);
    create_users(&http, &format!("{base}/demo/chat/users"), &token, &names).await;
    let mut old: HashSet<String> = HashSet::new();
    for round in (0..OLD_PER_RECIPIENT).collect::<Vec<_>>().chunks(4) {
        let sends = round.iter().map(|i| {
            http.post(format!("{base}/demo/chat/messages/users"))
                .bearer_auth(&token)
                .json(&json!({"to": users, "type": "txt", "body": {"msg": format!("old {i}")}}))
                .send()
        });
        for r in join_all(sends).await {
            let r: Value = r.unwrap().json().await.unwrap();
            let data = r["data"].as_object().unwrap_or_else(|| panic!("{r}"));
            old.extend(data.values().map(|v| v.as_str().unwrap().to_string()));
        }
    }
    assert_eq!(old.len(), RECIPIENTS * OLD_PER_RECIPIENT);
    server.kill9();

    // 2. Two days on, a slow sweep, a sender sending all along; killed
    //    once the sweep has deleted some, not all.
    let slow = config(
        dir.path(),
        "slow.toml",
        "retention.sweep_interval_secs = 3600\nretention.step_budget = 8\nretention.pause_ms = 2",
    );
    let ahead = [("TEST_CLOCK_AHEAD_SECS", TWO_DAYS)];
    let mut server = imcloud_testkit::BinaryServer::start_with_env(bin, &data, &slow, &ahead);
    let base = server.base();
    let ws = format!("ws://{}/ws", server.addr);
    let alice = Arc::new(login(&ws, "alice").await);
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sender = {
        let (alice, stop, sent, acked) = (alice.clone(), stop.clone(), sent.clone(), acked.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                match alice.send_text("r0", &format!("live {i}"), None).await {
                    Ok(r) if r["ok"] == json!(true) => {
                        let id = r["msg_id"].as_str().unwrap().to_string();
                        acked.lock().unwrap().push(id);
                        sent.fetch_add(1, Ordering::Relaxed);
                    }
                    // The socket died with the server.
                    _ => break,
                }
                i += 1;
            }
        })
    };
    let deleted = eventually(WAIT_SWEEP, "the sweep deleting while acks come", || {
        let (http, base, sent) = (&http, &base, &sent);
        async move {
            let n = metric(http, base, "imcloud_retention_deleted_total").await;
            (n > 0 && sent.load(Ordering::Relaxed) >= 5).then_some(n)
        }
    })
    .await;
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    // A send in flight at the kill waits for its answer: not for it.
    sender.abort();
    let live = acked.lock().unwrap().clone();
    let total = (RECIPIENTS * OLD_PER_RECIPIENT) as u64;
    assert!(
        deleted < total,
        "killed in the middle ({deleted} of {total} deleted)"
    );
    assert!(!live.is_empty(), "messages were acked during the sweep");

    // 3. Restarted, still two days on: the sweep runs to its end.
    let fast = config(
        dir.path(),
        "fast.toml",
        "retention.sweep_interval_secs = 3600",
    );
    let server = imcloud_testkit::BinaryServer::start_with_env(bin, &data, &fast, &ahead);
    let base = server.base();
    eventually(WAIT_SWEEP, "the sweep finishing", || {
        let (http, base) = (&http, &base);
        async move {
            let n = metric(http, base, "imcloud_retention_sweeps_total").await;
            (n > 0).then_some(())
        }
    })
    .await;
    let ws = format!("ws://{}/ws", server.addr);
    let mut kept: Vec<String> = Vec::new();
    let mut last_seq = 0;
    for u in &users {
        let c = login(&ws, u).await;
        let (msgs, cursor) = c.sync_all(0).await.unwrap();
        for m in &msgs {
            let id = m["msg_id"].as_str().unwrap().to_string();
            assert!(!old.contains(&id), "{u} still holds an old message");
            kept.push(id);
        }
        if u == "r0" {
            last_seq = cursor;
        }
    }
    let kept_set: HashSet<&String> = kept.iter().collect();
    for id in &live {
        assert!(
            kept_set.contains(id),
            "a message acked during the sweep is lost"
        );
    }
    // At most the one send in flight at the kill was stored unacked.
    assert!(
        kept.len() <= live.len() + 1,
        "nothing but the live messages is left: {} kept, {} acked",
        kept.len(),
        live.len()
    );
    // r0's stream numbers on after the old and the live messages.
    let alice = login(&ws, "alice").await;
    let ack = alice.send_text("r1", "after", None).await.unwrap();
    assert_eq!(ack["ok"], json!(true));
    let r1 = login(&ws, "r1").await;
    let (msgs, _) = r1.sync_all(0).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["seq"], json!(OLD_PER_RECIPIENT + 1));
    assert_eq!(last_seq, (OLD_PER_RECIPIENT + kept.len()) as u64);
}
