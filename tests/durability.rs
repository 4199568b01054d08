//! Every acked message survives `kill -9`: the real binary takes 1,000
//! acked messages, is killed with SIGKILL, restarts on the same data dir,
//! and `sync` finds every one of them.

use crate::common::WsClient;
use crate::common::{create_users, write_test_config_with, APPKEY};
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;

#[tokio::test]
async fn acked_messages_survive_kill_9() {
    acked_messages_survive_kill_9_on("fjall").await;
}

#[tokio::test]
async fn acked_messages_survive_kill_9_on_sled() {
    acked_messages_survive_kill_9_on("sled").await;
}

async fn acked_messages_survive_kill_9_on(engine: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config_with(dir.path(), engine);
    let mut server = crate::common::start_binary(&data, &config);
    let base = server.base();
    let http = reqwest::Client::new();
    let token = server.demo_token(&http, &data).await;
    create_users(
        &http,
        &format!("{base}/demo/chat/users"),
        &token,
        &["alice", "bob"],
    )
    .await;

    let ws = format!("ws://{}/ws", server.addr);
    let alice = Arc::new(WsClient::connect(&ws, false).await.unwrap());
    assert_eq!(
        alice
            .login(APPKEY, "alice", "pw-alice", None)
            .await
            .unwrap()["ok"],
        json!(true)
    );
    // 1,000 sends, up to 100 in flight at a time.
    let mut acked: Vec<String> = Vec::new();
    for chunk in (0..1000).collect::<Vec<_>>().chunks(100) {
        let replies = futures_util::future::join_all(chunk.iter().map(|i| {
            let a = alice.clone();
            async move { a.send_text("bob", &format!("durable {i}"), None).await }
        }))
        .await;
        for r in replies {
            let r = r.unwrap();
            assert_eq!(r["ok"], json!(true), "{r}");
            acked.push(r["msg_id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(acked.len(), 1000);
    server.kill9();

    let server = crate::common::start_binary(&data, &config);
    let ws = format!("ws://{}/ws", server.addr);
    let bob = WsClient::connect(&ws, false).await.unwrap();
    assert_eq!(
        bob.login(APPKEY, "bob", "pw-bob", None).await.unwrap()["ok"],
        json!(true)
    );
    let (msgs, cursor) = bob.sync_all(0).await.unwrap();
    let found: HashSet<&str> = msgs.iter().filter_map(|m| m["msg_id"].as_str()).collect();
    let missing = acked
        .iter()
        .filter(|id| !found.contains(id.as_str()))
        .count();
    assert_eq!(missing, 0, "{missing} acked messages lost");
    assert_eq!(msgs.len(), 1000, "no duplicates in the timeline");
    assert_eq!(cursor, 1000);
    // The sender's copies survived too.
    let alice = WsClient::connect(&ws, false).await.unwrap();
    alice
        .login(APPKEY, "alice", "pw-alice", None)
        .await
        .unwrap();
    let (sent, _) = alice.sync_all(0).await.unwrap();
    assert_eq!(sent.len(), 1000);
    // And the server keeps numbering where it left off.
    let ack = alice.send_text("bob", "after restart", None).await.unwrap();
    assert_eq!(ack["seq"], json!(1001));
}
