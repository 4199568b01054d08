//! A mute ends when its time is up, in groups and in chatrooms alike: on a
//! manual clock the test moves time past the mute instead of waiting.

use crate::common::{code, rest, TestServer, WAIT};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

async fn say(c: &crate::common::WsClient, chat: &str, to: &str) -> Value {
    c.request(
        "send",
        json!({"chat": chat, "to": to, "body": {"type": "txt", "msg": "hi"}}),
    )
    .await
    .expect("send reply")
}

#[tokio::test]
async fn a_mute_ends_when_its_time_is_up() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob"]).await;
    let token = s.app_token().await;
    let call = |method: Method, path: String, body: Value| {
        let (http, base, token) = (s.http().clone(), s.base(), token.clone());
        async move { rest(&http, &base, &token, method, &path, Some(body)).await }
    };
    let (status, r) = call(
        Method::POST,
        "/chatgroups".into(),
        json!({"groupid": "g1", "public": true, "owner": "alice", "members": ["bob"]}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = call(
        Method::POST,
        "/chatrooms".into(),
        json!({"name": "r", "description": "d", "owner": "alice", "members": ["bob"]}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let room = r["data"]["id"].as_str().expect("room id").to_string();
    let bob = s.login("bob", None).await;
    assert_eq!(
        bob.request("join", json!({"chatroom": room}))
            .await
            .unwrap()["ok"],
        json!(true)
    );
    for path in [
        "/chatgroups/g1/mute".to_string(),
        format!("/chatrooms/{room}/mute"),
    ] {
        let (status, r) = call(
            Method::POST,
            path,
            json!({"usernames": ["bob"], "mute_duration": 60_000}),
        )
        .await;
        assert_eq!(status, 200, "{r}");
    }
    assert_eq!(code(&say(&bob, "group", "g1").await), 215);
    assert_eq!(code(&say(&bob, "chatroom", &room).await), 215);

    s.clock.advance(Duration::from_secs(59));
    assert_eq!(code(&say(&bob, "group", "g1").await), 215, "still muted");
    s.clock.advance(Duration::from_secs(1));
    for (chat, to) in [("group", "g1"), ("chatroom", room.as_str())] {
        let r = say(&bob, chat, to).await;
        assert_eq!(r["ok"], json!(true), "the {chat} mute ended: {r}");
    }
    // Nothing else waits on the clock: the group's message is stored.
    let (msgs, _) = tokio::time::timeout(WAIT, bob.sync_all(0))
        .await
        .expect("sync in time")
        .unwrap();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
}
