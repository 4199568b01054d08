//! A graceful stop (SIGTERM) of the real binary under load: `/readyz`
//! goes unready first and new calls are refused with their code, sockets
//! close with 1012 once they have answered what they read, the process
//! exits in its bound, and after a restart every message acked before the
//! stop is there exactly once.

use crate::common::{code, create_users, eventually, write_config, WsClient, WAIT};
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_graceful_stop_under_load_loses_nothing_and_the_next_start_is_fast() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_config(
        dir.path(),
        "shutdown.toml",
        "server.shutdown_drain_ms = 300\nserver.shutdown_timeout_secs = 10\n",
    );
    let mut server = crate::common::start_binary(&data, &config);
    let http = reqwest::Client::new();
    let token = server.demo_token(&http, &data).await;
    create_users(
        &http,
        &format!("{}/demo/chat/users", server.base()),
        &token,
        &["alice", "bob"],
    )
    .await;
    let addr = server.addr;
    let alice = WsClient::login_at(addr, "alice").await;
    // Alice sends until her socket goes; every ack is recorded.
    let sender = tokio::spawn(async move {
        let mut acked = Vec::new();
        for i in 0.. {
            match alice.send_text("bob", &format!("m{i}"), None).await {
                Ok(r) if code(&r) == 0 => acked.push(r["msg_id"].as_str().unwrap().to_string()),
                // Refused while draining (304) or the socket closed.
                _ => break,
            }
        }
        let closed = alice.closed(WAIT).await;
        (acked, closed)
    });
    eventually(WAIT, "some messages acked", || async {
        let r = http
            .get(format!("{}/metrics", server.base()))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        r.lines()
            .find_map(|l| l.strip_prefix("imcloud_messages_in_total "))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .filter(|n| *n >= 50)
    })
    .await;

    let stopping = Instant::now();
    server.terminate();
    eventually(WAIT, "readyz to go unready", || async {
        let r = http
            .get(format!("{}/readyz", server.base()))
            .send()
            .await
            .ok()?;
        (r.status().as_u16() == 503).then_some(())
    })
    .await;
    let refused = http
        .get(format!("{}/demo/chat/users/bob", server.base()))
        .bearer_auth(&token)
        .send()
        .await;
    if let Ok(r) = refused {
        // Still draining (sockets not closed yet): refused with its code.
        assert_eq!(r.status().as_u16(), 503);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"], json!("server_shutting_down"));
    }
    let (sent, exit) = tokio::join!(sender, async {
        let status = server.exited(Duration::from_secs(15)).await;
        (status, stopping.elapsed())
    });
    let (acked, closed) = sent.unwrap();
    let (status, stop_took) = exit;
    let status = status.expect("the server exits within its bound");
    assert!(acked.len() >= 50, "{} acked", acked.len());
    let close = closed.expect("the server closed alice's socket");
    assert_eq!(close.code, Some(1012), "{close:?}");
    assert!(status.success(), "{status:?}");

    let starting = Instant::now();
    let server = crate::common::start_binary(&data, &config);
    let start_took = starting.elapsed();
    let bob = WsClient::login_at(server.addr, "bob").await;
    let (synced, _) = bob.sync_all(0).await.unwrap();
    let ids: Vec<String> = synced
        .iter()
        .filter_map(|m| m["msg_id"].as_str().map(str::to_string))
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a message twice");
    for id in &acked {
        assert!(unique.contains(id), "acked {id} missing after the restart");
    }
    // What was sent but not acked may or may not be there; nothing else is.
    assert!(
        ids.len() <= acked.len() + 1,
        "{} stored, {} acked",
        ids.len(),
        acked.len()
    );
    eprintln!(
        "graceful stop: {} messages acked, stop took {:?} (drain 300 ms), next start {:?}",
        acked.len(),
        stop_took,
        start_took
    );
}
