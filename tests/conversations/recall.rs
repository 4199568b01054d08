//! Recall: inside the app's window the message is gone from every device
//! (a `recall` push to both sides) and from `sync`, `history` and
//! `conversations`; past the window 504 (the clock is moved, not waited
//! for); only the sender, or a group's owner or admin, may recall; the app
//! server may recall anything (R1, R2) and `force` past the window; recall
//! switched off is 505.

use super::*;
use crate::common::{code, rest};
use std::time::Duration;

async fn recall_push(c: &WsClient) -> Value {
    push_where(c, "a recall", |p| p["push"] == json!("recall")).await
}

/// A recall call of the app server (R1 or R2 by `path`).
async fn recall_rest(s: &TestServer, path: &str, body: Value) -> (u16, Value) {
    let token = s.app_token().await;
    rest(
        s.http(),
        &s.base(),
        &token,
        reqwest::Method::POST,
        path,
        Some(body),
    )
    .await
}

fn ids(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .filter_map(|m| m["msg_id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_recall_inside_the_window_removes_the_message_everywhere_and_after_it_504() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob"]).await;
    let a1 = s.login("alice", Some("a1")).await;
    let a2 = s.login("alice", Some("a2")).await;
    let phone = s.login("bob", Some("phone")).await;
    let m1 = send(&a1, "single", "bob", "one").await;
    let m2 = send(&a1, "single", "bob", "two").await;
    let m3 = send(&a1, "single", "bob", "three").await;
    let tablet = s.login("bob", Some("tablet")).await;

    s.clock.advance(Duration::from_secs(119));
    ok(
        &a1,
        "recall",
        json!({"chat": "single", "to": "bob", "msg_id": m2}),
    )
    .await;
    for dev in [&a1, &a2, &phone, &tablet] {
        let r = recall_push(dev).await;
        assert_eq!(
            r,
            json!({"push": "recall", "msg_id": m2, "chat": "single", "from": "alice", "to": "bob"})
        );
    }
    let (synced, _) = tablet.sync_all(0).await.unwrap();
    assert_eq!(ids(&synced), [m1.clone(), m3.clone()], "gone from sync");
    for (dev, with) in [(&phone, "alice"), (&a2, "bob")] {
        let h = whole_history(dev, "single", with, 10).await;
        assert_eq!(ids(&h), [m1.clone(), m3.clone()], "gone from history");
    }
    let list = all_conversations(&phone, 10).await;
    assert_eq!(conversation(&list, "alice")["unread"], json!(2));

    // Recalling the last message: the conversation shows the one before.
    ok(
        &a2,
        "recall",
        json!({"chat": "single", "to": "bob", "msg_id": m3}),
    )
    .await;
    let list = all_conversations(&tablet, 10).await;
    let c = conversation(&list, "alice");
    assert_eq!(
        (c["unread"].clone(), c["last"]["msg_id"].clone()),
        (json!(1), json!(m1)),
        "{c}"
    );
    let list = all_conversations(&a1, 10).await;
    assert_eq!(conversation(&list, "bob")["last"]["msg_id"], json!(m1));

    // The receiver may not recall what it received; an unknown id is 506.
    let r = phone
        .request(
            "recall",
            json!({"chat": "single", "to": "alice", "msg_id": m1}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 210, "{r}");
    let r = a1
        .request(
            "recall",
            json!({"chat": "single", "to": "bob", "msg_id": m2}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 506, "already recalled: {r}");

    // Past the window (120 s by default): 504, and nothing changes.
    s.clock.advance(Duration::from_secs(2));
    let r = a1
        .request(
            "recall",
            json!({"chat": "single", "to": "bob", "msg_id": m1}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 504, "{r}");
    let h = whole_history(&phone, "single", "alice", 10).await;
    assert_eq!(ids(&h), [m1]);
}

#[tokio::test]
async fn in_a_group_the_sender_the_owner_and_admins_may_recall_and_nobody_else() {
    let s = server(&["owner", "admin", "carol", "dave"]).await;
    let base = s.base();
    let token = s.app_token().await;
    let id = group(&s, "owner", &["admin", "carol", "dave"]).await;
    let (status, r) = rest(
        s.http(),
        &base,
        &token,
        reqwest::Method::POST,
        &format!("/chatgroups/{id}/admin"),
        Some(json!({"newadmin": "admin"})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let carol = s.login("carol", None).await;
    let dave = s.login("dave", None).await;
    let admin = s.login("admin", None).await;
    let c1 = send(&carol, "group", &id, "c1").await;
    let c2 = send(&carol, "group", &id, "c2").await;
    let c3 = send(&carol, "group", &id, "c3").await;

    let r = dave
        .request("recall", json!({"chat": "group", "to": id, "msg_id": c1}))
        .await
        .unwrap();
    assert_eq!(
        code(&r),
        210,
        "a member may not recall another's message: {r}"
    );
    ok(
        &admin,
        "recall",
        json!({"chat": "group", "to": id, "msg_id": c1}),
    )
    .await;
    let r = recall_push(&dave).await;
    assert_eq!(
        (
            r["msg_id"].clone(),
            r["chat"].clone(),
            r["from"].clone(),
            r["to"].clone()
        ),
        (json!(c1), json!("group"), json!("carol"), json!(id))
    );
    ok(
        &carol,
        "recall",
        json!({"chat": "group", "to": id, "msg_id": c2}),
    )
    .await;

    let h = whole_history(&dave, "group", &id, 10).await;
    assert_eq!(ids(&h), std::slice::from_ref(&c3));
    let list = all_conversations(&dave, 10).await;
    let g = conversation(&list, &id);
    assert_eq!(
        (g["unread"].clone(), g["last"]["msg_id"].clone()),
        (json!(1), json!(c3)),
        "recalled messages are not unread: {g}"
    );
    let (synced, _) = dave.sync_streams(json!({})).await.unwrap();
    assert_eq!(ids(&synced), [c3], "gone from sync");
}

#[tokio::test]
async fn the_app_server_recalls_over_rest_and_force_passes_the_window() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob"]).await;
    let base = s.base();
    let token = s.app_token().await;
    let bob = s.login("bob", None).await;
    let alice = s.login("alice", None).await;
    let (status, r) = rest(
        s.http(),
        &base,
        &token,
        reqwest::Method::POST,
        "/messages/users",
        Some(json!({"to": ["bob"], "type": "txt", "body": {"msg": "from the app"}})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let from_admin = r["data"]["bob"].as_str().unwrap().to_string();
    let a1 = send(&alice, "single", "bob", "a1").await;
    let a2 = send(&alice, "single", "bob", "a2").await;

    let (status, r) = recall_rest(
        &s,
        "/messages/msg_recall",
        json!({"msg_id": from_admin, "to": "bob", "chat_type": "chat"}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["data"]["recalled"], json!("yes"));
    assert_eq!(recall_push(&bob).await["msg_id"], json!(from_admin));

    s.clock.advance(Duration::from_secs(600));
    let (status, r) = recall_rest(
        &s,
        "/messages/msg_recall",
        json!({"msg_id": a1, "to": "bob", "from": "alice", "chat_type": "chat"}),
    )
    .await;
    assert_eq!(
        (status, r["error"].clone()),
        (403, json!("message_recall_error")),
        "{r}"
    );
    let (status, r) = recall_rest(
        &s,
        "/messages/recall",
        json!({"msgs": [
            {"msg_id": a1, "to": "bob", "from": "alice", "chat_type": "chat", "force": true},
            {"msg_id": "999", "to": "bob", "from": "alice", "chat_type": "chat", "force": true},
        ]}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["data"]["msgs"][0],
        json!({"msg_id": a1, "recalled": "yes"})
    );
    assert_eq!(r["data"]["msgs"][1]["recalled"], json!("no"));
    let h = whole_history(&bob, "single", "alice", 10).await;
    assert_eq!(ids(&h), [a2]);
    for (body, what) in [
        (json!({"to": "bob", "chat_type": "chat"}), "msg_id"),
        (json!({"msg_id": "1", "chat_type": "chat"}), "to"),
        (json!({"msg_id": "1", "to": "bob"}), "chat_type"),
    ] {
        let (status, r) = recall_rest(&s, "/messages/msg_recall", body).await;
        assert_eq!(status, 400, "{r}");
        assert_eq!(
            r["error_description"],
            json!(format!("param {what} can't be empty")),
            "{r}"
        );
    }
}

#[tokio::test]
async fn recall_switched_off_is_refused_with_505() {
    let s = TestServer::start_with(|c| c.app_defaults.recall_enabled = false).await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let m = send(&alice, "single", "bob", "kept").await;
    let r = alice
        .request(
            "recall",
            json!({"chat": "single", "to": "bob", "msg_id": m}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 505, "{r}");
    let (status, r) = recall_rest(
        &s,
        "/messages/msg_recall",
        json!({"msg_id": m, "to": "bob", "from": "alice", "chat_type": "chat"}),
    )
    .await;
    assert_eq!(
        (status, r["error"].clone()),
        (403, json!("forbidden_op")),
        "{r}"
    );
}
