//! What a `read`, `delivered`, `recall` or `edit` ack covers survives
//! `kill -9` of the real binary: the reader's mark and unread count, the
//! sender's record of the receipts, the recalled message's absence, the
//! edited body, and the history pages.

use super::*;
use crate::common::{create_users, write_test_config};

async fn login(addr: std::net::SocketAddr, user: &str) -> WsClient {
    WsClient::login_at(addr, user).await
}

#[tokio::test]
async fn read_marks_and_receipts_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
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
    let alice = login(server.addr, "alice").await;
    let bob = login(server.addr, "bob").await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(send(&alice, "single", "bob", &format!("k{i}")).await);
    }
    ok(
        &bob,
        "delivered",
        json!({"chat": "single", "to": "alice", "msg_id": ids[9]}),
    )
    .await;
    ok(
        &bob,
        "read",
        json!({"chat": "single", "to": "alice", "msg_id": ids[6]}),
    )
    .await;
    ok(
        &alice,
        "recall",
        json!({"chat": "single", "to": "bob", "msg_id": ids[8]}),
    )
    .await;
    ok(
        &alice,
        "edit",
        json!({"chat": "single", "to": "bob", "msg_id": ids[0], "body": {"type": "txt", "msg": "k0 edited"}}),
    )
    .await;
    let recalled = ids.remove(8);
    server.kill9();

    let server = crate::common::start_binary(&data, &config);
    let bob = login(server.addr, "bob").await;
    let list = all_conversations(&bob, 50).await;
    let c = conversation(&list, "alice");
    assert_eq!(c["unread"], json!(2), "the recalled one is not unread: {c}");
    assert_eq!(c["last"]["msg_id"], json!(ids[8]));
    let alice = login(server.addr, "alice").await;
    let list = all_conversations(&alice, 50).await;
    let c = conversation(&list, "bob");
    assert_eq!(c["peer_read"], json!(ids[6]), "{c}");
    assert_eq!(c["peer_delivered"], json!(ids[8]), "{c}");
    let h = whole_history(&alice, "single", "bob", 4).await;
    let got: Vec<&str> = h.iter().filter_map(|m| m["msg_id"].as_str()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(h[0]["body"]["msg"], json!("k0 edited"), "the edit survived");
    assert_eq!(h[0]["edited"], json!(1));
    let (synced, _) = bob.sync_all(0).await.unwrap();
    assert!(
        synced.iter().all(|m| m["msg_id"] != json!(recalled)),
        "still recalled after the restart"
    );
    assert_eq!(synced.len(), 9);
}
