//! Edit: the sender rewrites its `txt` or `custom` message; every device of
//! both sides (every member, for a group) gets an `edit` push, `history`
//! shows the new body with `edited`; at most 10 edits; only the sender;
//! not other body types or chatrooms; REST W1 finds the message by its
//! sender.

use super::*;
use crate::common::{code, rest};

async fn edit_push(c: &WsClient) -> Value {
    push_where(c, "an edit", |p| p["push"] == json!("edit")).await
}

#[tokio::test]
async fn an_edit_reaches_every_device_and_history_and_stops_at_ten() {
    let s = server(&["alice", "bob"]).await;
    let a1 = s.login("alice", Some("a1")).await;
    let a2 = s.login("alice", Some("a2")).await;
    let bob = s.login("bob", None).await;
    let m = send(&a1, "single", "bob", "helo").await;
    ok(
        &a1,
        "edit",
        json!({"chat": "single", "to": "bob", "msg_id": m, "body": {"type": "txt", "msg": "hello"}, "ext": {"fixed": true}}),
    )
    .await;
    for dev in [&a1, &a2, &bob] {
        let p = edit_push(dev).await;
        assert_eq!(p["msg"]["msg_id"], json!(m));
        assert_eq!(p["msg"]["body"]["msg"], json!("hello"));
        assert_eq!(p["msg"]["ext"], json!({"fixed": true}));
        assert_eq!(p["msg"]["edited"], json!(1));
    }
    for (dev, with) in [(&bob, "alice"), (&a2, "bob")] {
        let h = whole_history(dev, "single", with, 10).await;
        assert_eq!(h.len(), 1);
        assert_eq!(
            (h[0]["body"]["msg"].clone(), h[0]["edited"].clone()),
            (json!("hello"), json!(1))
        );
    }
    let r = bob
        .request("edit", json!({"chat": "single", "to": "alice", "msg_id": m, "body": {"type": "txt", "msg": "mine now"}}))
        .await
        .unwrap();
    assert_eq!(code(&r), 210, "only the sender edits: {r}");
    let r = a1
        .request("edit", json!({"chat": "single", "to": "bob", "msg_id": m, "body": {"type": "custom", "event": "e"}}))
        .await
        .unwrap();
    assert_eq!(code(&r), 205, "a txt stays txt: {r}");
    for i in 2..=10 {
        ok(
            &a2,
            "edit",
            json!({"chat": "single", "to": "bob", "msg_id": m, "body": {"type": "txt", "msg": format!("v{i}")}}),
        )
        .await;
    }
    let r = a1
        .request("edit", json!({"chat": "single", "to": "bob", "msg_id": m, "body": {"type": "txt", "msg": "v11"}}))
        .await
        .unwrap();
    assert_eq!(code(&r), 511, "at most 10 edits: {r}");
    let h = whole_history(&bob, "single", "alice", 10).await;
    assert_eq!(
        (h[0]["body"]["msg"].clone(), h[0]["edited"].clone()),
        (json!("v10"), json!(10))
    );

    let img = ok(
        &a1,
        "send",
        json!({"chat": "single", "to": "bob", "body": {"type": "img", "url": "http://x/1"}}),
    )
    .await;
    let r = a1
        .request("edit", json!({"chat": "single", "to": "bob", "msg_id": img["msg_id"], "body": {"type": "img", "url": "http://x/2"}}))
        .await
        .unwrap();
    assert_eq!(code(&r), 205, "{r}");
    let r = a1
        .request("edit", json!({"chat": "chatroom", "to": "r1", "msg_id": m, "body": {"type": "txt", "msg": "x"}}))
        .await
        .unwrap();
    assert_eq!(code(&r), 205, "{r}");
}

#[tokio::test]
async fn group_messages_are_edited_by_their_sender_and_rest_finds_them() {
    let s = server(&["alice", "bob", "carol"]).await;
    let base = s.base();
    let token = s.app_token().await;
    let id = group(&s, "alice", &["bob", "carol"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let carol = s.login("carol", None).await;
    let g = send(&bob, "group", &id, "draft").await;
    let r = alice
        .request("edit", json!({"chat": "group", "to": id, "msg_id": g, "body": {"type": "txt", "msg": "owner's words"}}))
        .await
        .unwrap();
    assert_eq!(
        code(&r),
        210,
        "not even the owner edits another's message: {r}"
    );
    ok(
        &bob,
        "edit",
        json!({"chat": "group", "to": id, "msg_id": g, "body": {"type": "txt", "msg": "final"}}),
    )
    .await;
    for dev in [&alice, &carol] {
        assert_eq!(edit_push(dev).await["msg"]["body"]["msg"], json!("final"));
    }
    let h = whole_history(&carol, "group", &id, 10).await;
    assert_eq!(h[0]["body"]["msg"], json!("final"));

    // REST W1, by the sender's name: a group message and a 1:1 one.
    let (status, r) = rest(s.http(), &base, &token, reqwest::Method::PUT, &format!("/messages/rewrite/{g}"),
        Some(json!({"user": "bob", "new_msg": {"type": "txt", "msg": "from the app"}, "new_ext": {"by": "app"}}))).await;
    assert_eq!((status, r["data"].clone()), (200, json!("success")), "{r}");
    assert_eq!(edit_push(&carol).await["msg"]["ext"], json!({"by": "app"}));
    let d = ok(&carol, "send", json!({"chat": "single", "to": "bob", "body": {"type": "custom", "event": "gift", "params": {"n": "1"}}, "ext": {"a": 1}})).await;
    let d = d["msg_id"].as_str().unwrap().to_string();
    let (status, r) = rest(s.http(), &base, &token, reqwest::Method::PUT, &format!("/messages/rewrite/{d}"),
        Some(json!({"user": "carol", "new_msg": {"type": "custom", "customEvent": "gift", "customExts": {"n": "2"}}, "new_ext": {"b": 2}}))).await;
    assert_eq!(status, 200, "{r}");
    let p = push_where(&bob, "the 1:1 edit", |p| {
        p["push"] == json!("edit") && p["msg"]["msg_id"] == json!(d)
    })
    .await;
    assert_eq!(
        p["msg"]["body"],
        json!({"type": "custom", "event": "gift", "params": {"n": "2"}})
    );
    assert_eq!(
        p["msg"]["ext"],
        json!({"a": 1, "b": 2}),
        "is_combine_ext merges by default"
    );
    let (status, r) = rest(
        s.http(),
        &base,
        &token,
        reqwest::Method::PUT,
        "/messages/rewrite/12345",
        Some(json!({"user": "carol", "new_msg": {"type": "txt", "msg": "x"}})),
    )
    .await;
    assert_eq!(status, 404, "{r}");
    let (status, r) = rest(
        s.http(),
        &base,
        &token,
        reqwest::Method::PUT,
        &format!("/messages/rewrite/{d}"),
        Some(json!({"new_msg": {"type": "txt", "msg": "x"}})),
    )
    .await;
    assert_eq!(
        (status, r["error"].clone()),
        (400, json!("message_rewrite_error")),
        "{r}"
    );
}
