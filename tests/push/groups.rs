//! Offline push of group messages: a group message reaching a member none
//! of whose devices is online sends that member exactly one
//! notification (not the sender, not a member online), within the
//! member's do-not-disturb for the group and app-wide (the daily
//! interval); chatroom messages are online-only and never pushed.

use super::call;
use crate::common::{code, Receiver, TestServer, WsClient, WAIT};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

async fn say(c: &WsClient, chat: &str, to: &str, text: &str) -> String {
    let r = c
        .request(
            "send",
            json!({"chat": chat, "to": to, "body": {"type": "txt", "msg": text}}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 0, "{r}");
    match &r["msg_id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}

/// The notifications that come before a short quiet time.
async fn drain(hook: &mut Receiver) -> Vec<Value> {
    let mut got = Vec::new();
    while let Some(r) = hook.next(Duration::from_millis(400)).await {
        got.push(r.body);
    }
    got
}

#[tokio::test]
async fn an_offline_member_gets_one_notification_per_group_message_within_its_dnd() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol", "dave"]).await;
    let token = s.app_token().await;
    let mut hook = Receiver::start().await;
    call(
        &s,
        &token,
        Method::POST,
        "/push/credentials",
        Some(json!({"name": "own", "provider": "webhook", "url": hook.url("/push")})),
    )
    .await;
    for user in ["alice", "bob", "carol", "dave"] {
        call(
            &s,
            &token,
            Method::PUT,
            &format!("/users/{user}/push/binding"),
            Some(json!({"device_id": "phone", "notifier_name": "own", "device_token": format!("tok-{user}")})),
        )
        .await;
    }
    let group = call(
        &s,
        &token,
        Method::POST,
        "/chatgroups",
        Some(json!({"owner": "alice", "public": true, "groupname": "g",
                    "members": ["bob", "carol", "dave"]})),
    )
    .await["data"]["groupid"]
        .as_str()
        .unwrap()
        .to_string();
    // dave keeps the group quiet.
    call(
        &s,
        &token,
        Method::PUT,
        &format!("/users/dave/notification/chatgroup/{group}"),
        Some(json!({"type": "NONE"})),
    )
    .await;
    let alice = s.login("alice", Some("phone")).await;
    let _carol = s.login("carol", Some("phone")).await;

    // bob only: alice sent it, carol is online, dave's group is quiet.
    let first = say(&alice, "group", &group, "hello group").await;
    let got = hook.next(WAIT).await.expect("bob's notification").body;
    assert_eq!(
        (&got["user"], &got["msg_id"], &got["from"]),
        (&json!("bob"), &json!(first), &json!("alice")),
        "{got}"
    );
    assert_eq!(
        (&got["chat_type"], &got["conversation"]),
        (&json!("groupchat"), &json!(group))
    );
    let extra = drain(&mut hook).await;
    assert!(extra.is_empty(), "one notification only: {extra:?}");

    // dave's group loud again, bob quiet all day (app-wide interval): dave only.
    call(
        &s,
        &token,
        Method::PUT,
        &format!("/users/dave/notification/chatgroup/{group}"),
        Some(json!({"type": "DEFAULT"})),
    )
    .await;
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/notification/user/bob",
        Some(json!({"ignoreInterval": "10:00-10:00"})),
    )
    .await;
    let second = say(&alice, "group", &group, "second").await;
    let got = hook.next(WAIT).await.expect("dave's notification").body;
    assert_eq!(
        (&got["user"], &got["msg_id"]),
        (&json!("dave"), &json!(second)),
        "{got}"
    );
    let extra = drain(&mut hook).await;
    assert!(extra.is_empty(), "one notification only: {extra:?}");

    // A chatroom message is never pushed, whoever is offline.
    let room = call(
        &s,
        &token,
        Method::POST,
        "/chatrooms",
        Some(json!({"name": "room", "description": "d", "owner": "alice",
                    "members": ["bob", "dave"]})),
    )
    .await["data"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let joined = alice
        .request("join", json!({"chatroom": room}))
        .await
        .unwrap();
    assert_eq!(code(&joined), 0, "{joined}");
    say(&alice, "chatroom", &room, "room talk").await;
    // A group message after it shows the courier had its turn.
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/notification/user/bob",
        Some(json!({"ignoreInterval": "0:0-0:0"})),
    )
    .await;
    let third = say(&alice, "group", &group, "third").await;
    let mut got = vec![hook.next(WAIT).await.expect("a notification").body];
    got.extend(drain(&mut hook).await);
    got.sort_by_key(|b| b["user"].as_str().unwrap_or("").to_string());
    let seen: Vec<(&Value, &Value)> = got.iter().map(|b| (&b["user"], &b["msg_id"])).collect();
    assert_eq!(
        seen,
        vec![
            (&json!("bob"), &json!(third)),
            (&json!("dave"), &json!(third))
        ],
        "no chatroom notification: {got:?}"
    );
}
