//! A subscriber with a device online is pushed every presence change of
//! the users it subscribed to: a login, a logout (the socket closes), a
//! custom status and text. Users who did not subscribe are not. REST and
//! the WebSocket read the same statuses.

use super::*;

#[tokio::test]
async fn a_subscriber_is_pushed_logins_logouts_and_custom_statuses() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let alice = s.login("alice", Some("alice-web")).await;
    let carol = s.login("carol", None).await;

    let r = ok(
        &alice,
        "presence_subscribe",
        json!({"users": ["Bob"], "expiry": 3600}),
    )
    .await;
    let st = &r["statuses"][0];
    assert_eq!(st["user"], json!("bob"), "{r}");
    assert_eq!(st["status"], json!({}), "bob is offline: {r}");
    assert!(st["expiry"].as_i64().unwrap_or(0) > 0, "{r}");

    // bob logs in: alice hears his device online.
    let bob = s.login("bob", Some("bob-phone")).await;
    let p = presence_push(&alice, "bob").await;
    assert_eq!(p["status"], json!({"bob-phone": "1"}), "{p}");
    assert!(p["last_time"].as_i64().unwrap_or(0) > 0, "{p}");

    // A custom status and text.
    ok(
        &bob,
        "presence_set",
        json!({"status": "3", "ext": "in a meeting"}),
    )
    .await;
    let p = presence_push(&alice, "bob").await;
    assert_eq!(
        (&p["status"], &p["ext"]),
        (&json!({"bob-phone": "3"}), &json!("in a meeting")),
        "{p}"
    );

    // bob's socket closes: his device is announced offline.
    bob.close().await.expect("close sent");
    let p = presence_push(&alice, "bob").await;
    assert_eq!(p["status"], json!({"bob-phone": "0"}), "{p}");
    assert_eq!(p["ext"], json!("in a meeting"), "the text stays");
    let r = ok(&alice, "presence_get", json!({"users": ["bob"]})).await;
    assert_eq!(r["statuses"][0]["status"], json!({}), "bob is offline: {r}");

    // carol never subscribed: the first of these pushes she gets is the
    // message sent after all of bob's changes.
    let r = ok(
        &alice,
        "send",
        json!({"chat": "single", "to": "carol", "body": {"type": "txt", "msg": "hi"}}),
    )
    .await;
    let first = presence_or_message(&carol).await;
    assert_eq!(first["push"], json!("message"), "{first}");
    assert_eq!(first["msg"]["msg_id"], r["msg_id"]);
}

#[tokio::test]
async fn rest_and_websocket_see_the_same_statuses() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", Some("a1")).await;
    let bob_phone = s.login("bob", Some("phone")).await;
    let _bob_pad = s.login("bob", Some("pad")).await;

    // alice subscribes over REST; her device is pushed what follows.
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/alice/presence/600",
        Some(json!({"usernames": ["bob"]})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let item = &r["result"][0];
    assert_eq!(item["uid"], json!("bob"), "{r}");
    assert_eq!(item["status"], json!({"phone": "1", "pad": "1"}), "{r}");

    // One device sets its status over the WebSocket, the app sets the
    // other's and the text over REST.
    ok(&bob_phone, "presence_set", json!({"status": "5"})).await;
    let p = presence_push(&alice, "bob").await;
    assert_eq!(p["status"], json!({"phone": "5", "pad": "1"}), "{p}");
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/bob/presence/pad/0",
        Some(json!({"ext": "away"})),
    )
    .await;
    assert_eq!((status, &r), (200, &json!({"result": "ok"})));
    let p = presence_push(&alice, "bob").await;
    assert_eq!(
        (&p["status"], &p["ext"]),
        (&json!({"phone": "5", "pad": "0"}), &json!("away")),
        "{p}"
    );

    let ws = ok(&alice, "presence_get", json!({"users": ["bob"]})).await;
    let ws = &ws["statuses"][0];
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/alice/presence",
        Some(json!({"usernames": ["bob"]})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let rest = &r["result"][0];
    for (w, r) in [
        ("status", "status"),
        ("ext", "ext"),
        ("last_time", "last_time"),
        ("expiry", "expiry"),
        ("user", "uid"),
    ] {
        assert_eq!(ws[w], rest[r], "{w}: ws {ws} rest {rest}");
    }
    assert_eq!(rest["status"], json!({"phone": "5", "pad": "0"}));

    // A device that is not online cannot be set.
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/bob/presence/watch/1",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 400, "{r}");

    // Both list the subscription the same way.
    let (total, names) = sublist(&s, "alice").await;
    assert_eq!((total, names), (1, vec!["bob".to_string()]));
    let r = ok(&alice, "presence_subscriptions", json!({})).await;
    assert_eq!(r["total"], json!(1), "{r}");
    assert_eq!(r["subscriptions"][0]["user"], json!("bob"));
    assert_eq!(r["subscriptions"][0]["expiry"], rest["expiry"]);

    // Unsubscribing over REST stops the pushes: the next push alice gets
    // is a message sent after bob's next change.
    let (status, r) = call(
        &s,
        Method::DELETE,
        "/users/alice/presence",
        Some(json!(["bob"])),
    )
    .await;
    assert_eq!((status, &r), (200, &json!({"result": "ok"})));
    assert_eq!(sublist(&s, "alice").await.0, 0);
    ok(&bob_phone, "presence_set", json!({"status": "1"})).await;
    let r = ok(
        &bob_phone,
        "send",
        json!({"chat": "single", "to": "alice", "body": {"type": "txt", "msg": "hi"}}),
    )
    .await;
    let first = presence_or_message(&alice).await;
    assert_eq!(first["push"], json!("message"), "{first}");
    assert_eq!(first["msg"]["msg_id"], r["msg_id"]);
}
