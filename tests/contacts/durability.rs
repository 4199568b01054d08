//! What the governance calls acknowledge survives `kill -9` of the real
//! binary: app settings, the word list, friendships, friend requests,
//! remarks, block lists, deactivation and app-wide mutes.

use super::*;
use crate::common::{create_users, rest, write_test_config};
use reqwest::Method;

#[tokio::test]
async fn settings_words_contacts_blocks_bans_and_mutes_survive_kill_9() {
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
        &["alice", "bob", "carol", "dave", "eve"],
    )
    .await;
    let call = |m: Method, path: &str, body: Option<Value>| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        let path = path.to_string();
        async move { rest(&http, &base, &token, m, &path, body).await }
    };
    let settings =
        json!({"friend_check": true, "sensitive_words": "replace", "recall_window_secs": 300});
    assert_eq!(call(Method::PUT, "/settings", Some(settings)).await.0, 200);
    assert_eq!(
        call(
            Method::POST,
            "/sensitive_words",
            Some(json!({"words": ["durable"]}))
        )
        .await
        .0,
        200
    );
    let alice = WsClient::login_at(server.addr, "alice").await;
    let bob = WsClient::login_at(server.addr, "bob").await;
    ok(&alice, "contact_add", json!({"user": "bob"})).await;
    ok(&bob, "contact_accept", json!({"user": "alice"})).await;
    ok(
        &carol_login(server.addr).await,
        "contact_add",
        json!({"user": "alice", "reason": "hello"}),
    )
    .await;
    ok(&bob, "block", json!({"user": "dave"})).await;
    let remark = json!({"remark": "Bobby"});
    assert_eq!(
        call(Method::PUT, "/user/alice/contacts/users/bob", Some(remark))
            .await
            .0,
        200
    );
    assert_eq!(
        call(Method::POST, "/users/eve/deactivate", None).await.0,
        200
    );
    assert_eq!(
        call(
            Method::POST,
            "/mutes",
            Some(json!({"username": "carol", "chat": -1}))
        )
        .await
        .0,
        200
    );
    server.kill9();

    let server = crate::common::start_binary(&data, &config);
    let base = server.base();
    let call = |m: Method, path: &str| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        let path = path.to_string();
        async move { rest(&http, &base, &token, m, &path, None).await }
    };
    let s = call(Method::GET, "/settings").await.1["data"].clone();
    assert_eq!(
        (
            &s["friend_check"],
            &s["sensitive_words"],
            &s["recall_window_secs"]
        ),
        (&json!(true), &json!("replace"), &json!(300))
    );
    assert_eq!(
        call(Method::GET, "/sensitive_words").await.1["data"]["words"],
        json!(["durable"])
    );
    let page = call(Method::GET, "/user/alice/contacts?needReturnRemark=true").await;
    assert_eq!(
        page.1["data"]["contacts"],
        json!([{"username": "bob", "remark": "Bobby"}])
    );
    assert_eq!(
        call(Method::GET, "/users/bob/contacts/users").await.1["data"],
        json!(["alice"])
    );
    assert_eq!(
        call(Method::GET, "/users/bob/blocks/users").await.1["data"],
        json!(["dave"])
    );
    assert_eq!(
        call(Method::GET, "/users/eve").await.1["entities"][0]["activated"],
        json!(false)
    );
    assert_eq!(
        call(Method::GET, "/mutes/carol").await.1["data"]["chat"],
        json!(-1)
    );
    let alice = WsClient::login_at(server.addr, "alice").await;
    let pending = ok(&alice, "contacts", json!({})).await;
    assert_eq!(pending["requests"][0]["user"], json!("carol"));
    assert_eq!(pending["requests"][0]["reason"], json!("hello"));
    // And they still act: friends may talk, the word is replaced.
    let bob = WsClient::login_at(server.addr, "bob").await;
    assert_eq!(
        code(
            &alice
                .send_text("bob", "a durable friendship", None)
                .await
                .unwrap()
        ),
        0
    );
    let got = bob
        .push_where("alice's message", |p| p["push"] == json!("message"))
        .await;
    assert_eq!(got["msg"]["body"]["msg"], json!("a *** friendship"));
}

async fn carol_login(addr: std::net::SocketAddr) -> WsClient {
    WsClient::login_at(addr, "carol").await
}
