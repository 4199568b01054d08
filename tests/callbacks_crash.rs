//! A post-send rule's queue across an outage and `kill -9`: the real
//! binary reports 200 messages to a receiver on loopback that is down for
//! 30 s; the server is killed with SIGKILL after the first 100 are acked
//! and restarted; once the receiver is back it gets every event, in the
//! order the messages were sent (at least once: an event delivered just
//! before a kill may come again, with the same `callId`).

use crate::common::{create_users, write_config, Receiver, WAIT};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};

const N: usize = 200;
const OUTAGE: Duration = Duration::from_secs(30);

/// A gauge or counter line of the binary's `/metrics`.
async fn metric(http: &reqwest::Client, base: &str, line: &str) -> Option<u64> {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.trim().parse().ok())
}

async fn send(http: &reqwest::Client, base: &str, token: &str, i: usize) {
    let r: Value = http
        .post(format!("{base}/demo/chat/messages/users"))
        .bearer_auth(token)
        .json(&json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": format!("m{i}")}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r["data"]["bob"].is_string(), "{r}");
}

#[tokio::test]
async fn events_of_an_outage_survive_kill_9_and_arrive_in_order_once_the_receiver_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Retries at most 2 s apart, so the test ends soon after the outage.
    let config = write_config(
        dir.path(),
        "hooks.toml",
        "hooks.retry_first_ms = 200\nhooks.retry_max_ms = 2000\n",
    );
    let http = reqwest::Client::new();
    let mut receiver = Receiver::start().await;
    let mut server = crate::common::start_binary(&data, &config);
    let base = server.base();
    let token = server.demo_token(&http, &data).await;
    create_users(
        &http,
        &format!("{base}/demo/chat/users"),
        &token,
        &["alice", "bob"],
    )
    .await;
    let rule: Value = http
        .post(format!("{base}/demo/chat/callbacks"))
        .bearer_auth(&token)
        .json(
            &json!({"name": "audit", "kind": "post_send", "url": receiver.url("/audit"),
                      "events": ["chat"]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = rule["data"]["secret"].as_str().expect("secret").to_string();
    let queued = format!(
        "imcloud_callback_queued{{app=\"demo#chat\",rule_id=\"{}\"}}",
        rule["data"]["id"]
    );

    receiver.down();
    let outage_start = Instant::now();
    for i in 0..N / 2 {
        send(&http, &base, &token, i).await;
    }
    server.kill9();
    let server = crate::common::start_binary(&data, &config);
    let base = server.base();
    for i in N / 2..N {
        send(&http, &base, &token, i).await;
    }
    // Every event waits on disk, and the operator sees how many (once the
    // last commit's signal reached the dispatcher).
    crate::common::eventually(WAIT, "the queue depth on /metrics", || async {
        (metric(&http, &base, &queued).await == Some(N as u64)).then_some(())
    })
    .await;
    assert!(receiver.try_next().is_none());

    tokio::time::sleep(OUTAGE.saturating_sub(outage_start.elapsed())).await;
    receiver.up().await;
    let mut order: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut call_ids: HashSet<String> = HashSet::new();
    while seen.len() < N {
        let req = receiver
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("only {} of {N} events came", seen.len()));
        let e = req.body;
        let call_id = e["callId"].as_str().unwrap_or_default().to_string();
        let text = e["payload"]["bodies"][0]["msg"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let ts = e["timestamp"].as_i64().unwrap_or_default();
        let expected = {
            use md5::{Digest, Md5};
            let mut h = Md5::new();
            h.update(format!("{call_id}{secret}{ts}").as_bytes());
            hex::encode(h.finalize())
        };
        assert_eq!(e["security"].as_str(), Some(expected.as_str()), "{e}");
        if seen.insert(text.clone()) {
            order.push(text);
            call_ids.insert(call_id);
        } else {
            assert!(
                call_ids.contains(&call_id),
                "a repeat keeps its callId: {e}"
            );
        }
    }
    let sent: Vec<String> = (0..N).map(|i| format!("m{i}")).collect();
    assert_eq!(order, sent);
    crate::common::eventually(WAIT, "the queue to drain", || async {
        (metric(&http, &base, &queued).await == Some(0)).then_some(())
    })
    .await;
}
