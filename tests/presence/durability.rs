//! What attribute and presence calls acknowledge survives `kill -9` of
//! the real binary: attributes, subscriptions (both ends: the list and
//! the pushes) and the presence text; device statuses do not (the
//! sockets are gone too).

use super::*;
use crate::common::{create_users, write_test_config};

#[tokio::test]
async fn attributes_and_subscriptions_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
    let mut server = crate::common::start_binary(&data, &config);
    let http = reqwest::Client::new();
    let token = server.demo_token(&http, &data).await;
    let base = server.base();
    create_users(
        &http,
        &format!("{base}/demo/chat/users"),
        &token,
        &["alice", "bob", "carol"],
    )
    .await;

    let resp = http
        .put(format!("{base}/demo/chat/metadata/user/alice"))
        .bearer_auth(&token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("nickname=al&sign=kept")
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status().as_u16(), 200);
    let alice = WsClient::login_at(server.addr, "alice").await;
    ok(
        &alice,
        "presence_subscribe",
        json!({"users": ["bob", "carol"], "expiry": 3600}),
    )
    .await;
    ok(
        &alice,
        "presence_set",
        json!({"status": "2", "ext": "on holiday"}),
    )
    .await;
    ok(
        &alice,
        "attributes_set",
        json!({"attributes": {"phone": "123"}}),
    )
    .await;
    let (status, r) = rest(
        &http,
        &base,
        &token,
        Method::DELETE,
        "/users/alice/presence",
        Some(json!(["carol"])),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    server.kill9();

    let server = crate::common::start_binary(&data, &config);
    let base = server.base();
    let token = server.demo_token(&http, &data).await;
    let (status, r) = rest(
        &http,
        &base,
        &token,
        Method::GET,
        "/metadata/user/alice",
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["data"],
        json!({"nickname": "al", "sign": "kept", "phone": "123"})
    );
    let (status, r) = rest(
        &http,
        &base,
        &token,
        Method::GET,
        "/users/alice/presence/sublist",
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["result"]["totalnum"],
        json!(1),
        "carol was unsubscribed: {r}"
    );
    assert_eq!(r["result"]["sublist"][0]["uid"], json!("bob"), "{r}");
    let (status, r) = rest(
        &http,
        &base,
        &token,
        Method::POST,
        "/users/bob/presence",
        Some(json!({"usernames": ["alice"]})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let item = &r["result"][0];
    assert_eq!(item["ext"], json!("on holiday"), "{r}");
    assert_eq!(item["status"], json!({}), "no device is online: {r}");
    assert!(item["last_time"].as_i64().unwrap_or(0) > 0, "{r}");

    // bob's end survived too: his login reaches alice.
    let alice = WsClient::login_at(server.addr, "alice").await;
    let _bob = WsClient::login_at(server.addr, "bob").await;
    let p = presence_push(&alice, "bob").await;
    assert_eq!(p["status"].as_object().map(|o| o.len()), Some(1), "{p}");
}
