//! Failover and rebuild times (a benchmark, not a test: ignored unless
//! asked for). Three nodes; 1:1 messages between users whose shards node 2
//! owns; then `kill -9` of node 2, and the time from the kill to the first
//! request another node serves for one of those shards, and how long the
//! new owners took to rebuild the shards from their logs.
//!
//! ```sh
//! cargo test --release --test integration cluster::bench -- --ignored --nocapture
//! IMCLOUD_BENCH_MESSAGES=100000 cargo test --release ...   # the default
//! ```

use super::*;
use imcloud_shards::placement::shard_of;
use imcloud_shards::{EntityKey, EntityKind};
use std::sync::Arc;
use std::time::Instant;

/// Users (on node 2's shards) that send and receive.
const USERS: usize = 20;
/// Sends in flight per socket.
const IN_FLIGHT: usize = 64;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: cargo test --release --test integration cluster::bench -- --ignored --nocapture"]
async fn failover_and_rebuild_times() {
    let messages: usize = std::env::var("IMCLOUD_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut c = started(3).await;
    let owners = c.wait_settled(&[1, 2, 3], SETTLE).await;
    let on_node_2 = |name: &str| {
        let key = EntityKey::new("acme#chat", EntityKind::User, name);
        owners[shard_of(&key, owners.len() as u32) as usize] == 2
    };
    let users: Vec<String> = (0..)
        .map(|i| format!("u{i}"))
        .filter(|u| on_node_2(u))
        .take(USERS)
        .collect();
    let refs: Vec<&str> = users.iter().map(String::as_str).collect();
    let app = App::create(&c, &refs).await;

    // Fill: each user sends to the next one, IN_FLIGHT at a time.
    let filled = Instant::now();
    let per_user = messages / USERS;
    let senders = users.iter().enumerate().map(|(i, u)| {
        let to = users[(i + 1) % USERS].clone();
        let u = u.clone();
        let app = &app;
        let c = &c;
        async move {
            let ws = Arc::new(app.login(c, 1 + (i % 3) as u16, &u).await);
            for chunk in (0..per_user).collect::<Vec<_>>().chunks(IN_FLIGHT) {
                let sends = chunk.iter().map(|k| {
                    let (ws, to) = (ws.clone(), to.clone());
                    async move { ws.send_text(&to, &format!("m{k}"), None).await }
                });
                for r in futures_util::future::join_all(sends).await {
                    let r = r.expect("send");
                    assert_eq!(r["ok"], json!(true), "{r}");
                }
            }
        }
    });
    futures_util::future::join_all(senders).await;
    let sent = per_user * USERS;
    eprintln!(
        "filled {sent} messages in {:.1} s ({:.0} msg/s through 3 nodes)",
        filled.elapsed().as_secs_f64(),
        sent as f64 / filled.elapsed().as_secs_f64()
    );

    // Kill node 2 and ask node 1 for a user on one of its shards until it
    // answers.
    let probe = format!("{}/acme/chat/users/{}", c.base(1), users[0]);
    c.kill9(2);
    let killed = Instant::now();
    loop {
        let r = c
            .http
            .get(&probe)
            .bearer_auth(&app.token)
            .timeout(Duration::from_secs(2))
            .send()
            .await;
        if r.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(killed.elapsed() < SETTLE, "no node served the moved shard");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let failover = killed.elapsed();
    let after = c.wait_settled(&[1, 3], SETTLE).await;

    // The moved shards' takes, as the new owners report them.
    let moved: Vec<u64> = (0..owners.len())
        .filter(|s| owners[*s] == 2)
        .map(|s| s as u64)
        .collect();
    let (mut records, mut slowest, mut total) = (0u64, 0u64, 0u64);
    for id in [1, 3] {
        let s = c.status(id).await.expect("status");
        for t in s["takes"].as_array().expect("takes") {
            if moved.contains(&t["shard"].as_u64().unwrap_or(u64::MAX)) {
                records += t["records"].as_u64().unwrap_or(0);
                let ms = t["millis"].as_u64().unwrap_or(0);
                slowest = slowest.max(ms);
                total += ms;
            }
        }
    }
    eprintln!(
        "failover: kill -9 to the first request served for a moved shard: {} ms \
         (membership TTL {TTL_MS} ms); shards moved: {} to nodes {:?}",
        failover.as_millis(),
        moved.len(),
        moved.iter().map(|s| after[*s as usize]).collect::<Vec<_>>()
    );
    eprintln!(
        "rebuild: {records} log records of {sent} messages; slowest shard {slowest} ms, \
         all moved shards {total} ms; {:.0} ms per 100,000 messages",
        total as f64 * 100_000.0 / sent as f64
    );
}
