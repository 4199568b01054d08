//! The push profile over REST (U8 `PUT /users/{username}`, `PUT
//! /push/nickname`): the push nickname and `notification_display_style`
//! decide what a notification shows (0: "You have a new message"; 1: the
//! sender's push nickname and a preview), the legacy do-not-disturb
//! fields quiet the user app-wide, bad values are refused, and a profile
//! acked is on disk (`kill -9` and a restart keep it).

use super::{call, send};
use crate::common::{create_users, rest, write_test_config, Receiver, TestServer, WAIT};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn the_display_style_and_push_nickname_decide_what_a_notification_shows() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
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
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/push/binding",
        Some(json!({"device_id": "phone", "notifier_name": "own", "device_token": "t"})),
    )
    .await;
    let alice = s.login("alice", None).await;

    // Style 0 (the default): no sender, no text.
    send(&alice, "bob", "secret plans").await;
    let b = hook.next(WAIT).await.expect("a notification").body;
    assert_eq!(
        (&b["title"], &b["body"]),
        (&json!(""), &json!("You have a new message"))
    );

    // Style 1 with alice's push nickname: the nickname and a preview.
    let me = call(
        &s,
        &token,
        Method::PUT,
        "/users/alice",
        Some(json!({"nickname": "Alice A.", "unknown_field": 1})),
    )
    .await;
    assert_eq!(me["entities"][0]["nickname"], json!("Alice A."), "{me}");
    let bob = call(
        &s,
        &token,
        Method::PUT,
        "/users/bob",
        Some(json!({"notification_display_style": 1})),
    )
    .await;
    let e = &bob["entities"][0];
    assert_eq!(
        (&e["username"], &e["notification_display_style"]),
        (&json!("bob"), &json!(1)),
        "{bob}"
    );
    send(&alice, "bob", "lunch at noon?").await;
    let b = hook.next(WAIT).await.expect("a notification").body;
    assert_eq!(
        (&b["title"], &b["body"]),
        (&json!("Alice A."), &json!("lunch at noon?"))
    );

    // The batch form renames alice; the next notification shows it.
    let set = call(
        &s,
        &token,
        Method::PUT,
        "/push/nickname",
        Some(json!([{"username": "alice", "push_nickname": "Ally"}])),
    )
    .await;
    assert_eq!(set["entities"][0]["push_nickname"], json!("Ally"));
    send(&alice, "bob", "again").await;
    let b = hook.next(WAIT).await.expect("a notification").body;
    assert_eq!(b["title"], json!("Ally"), "{b}");

    // Legacy do-not-disturb, no hours: quiet all day; off again: pushed.
    let quiet = call(
        &s,
        &token,
        Method::PUT,
        "/users/bob",
        Some(json!({"notification_no_disturbing": true})),
    )
    .await;
    assert_eq!(
        quiet["entities"][0]["notification_no_disturbing"],
        json!(true)
    );
    send(&alice, "bob", "while quiet").await;
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob",
        Some(json!({"notification_no_disturbing": false})),
    )
    .await;
    send(&alice, "bob", "loud again").await;
    let b = hook.next(WAIT).await.expect("a notification").body;
    assert_eq!(
        b["body"],
        json!("loud again"),
        "the quiet one was not pushed: {b}"
    );

    // Bad values: a clear error, nothing changed.
    for bad in [
        json!({"notification_display_style": 2}),
        json!({"nickname": 5}),
        json!({"notification_no_disturbing": true, "notification_no_disturbing_start": 25}),
        json!({"nickname": "x".repeat(101)}),
    ] {
        let (status, v) = rest(
            s.http(),
            &s.base(),
            &token,
            Method::PUT,
            "/users/bob",
            Some(bad),
        )
        .await;
        assert_eq!(
            (status, v["error"].as_str()),
            (400, Some("illegal_argument")),
            "{v}"
        );
    }
    let (status, v) = rest(
        s.http(),
        &s.base(),
        &token,
        Method::PUT,
        "/users/nobody",
        Some(json!({"notification_display_style": 1})),
    )
    .await;
    assert_eq!(status, 404, "{v}");
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"username": format!("u{i}"), "push_nickname": "n"}))
        .collect();
    let (status, _) = rest(
        s.http(),
        &s.base(),
        &token,
        Method::PUT,
        "/push/nickname",
        Some(json!(many)),
    )
    .await;
    assert_eq!(status, 400);
    assert!(hook.next(Duration::from_millis(200)).await.is_none());
}

#[tokio::test]
async fn an_acked_push_profile_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
    let mut server = crate::common::start_binary(&data, &config);
    let http = reqwest::Client::new();
    let token = server.demo_token(&http, &data).await;
    let users = format!("{}/demo/chat/users", server.base());
    create_users(&http, &users, &token, &["bob"]).await;
    let change = json!({"nickname": "Bobby", "notification_display_style": 1,
                        "notification_no_disturbing": true,
                        "notification_no_disturbing_start": 22, "notification_no_disturbing_end": 7});
    let (status, v) = rest(
        &http,
        &server.base(),
        &token,
        Method::PUT,
        "/users/bob",
        Some(change),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    server.kill9();

    let server = crate::common::start_binary(&data, &config);
    let token = server.demo_token(&http, &data).await;
    // An empty change reads the profile back.
    let (status, v) = rest(
        &http,
        &server.base(),
        &token,
        Method::PUT,
        "/users/bob",
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let e = &v["entities"][0];
    assert_eq!(e["nickname"], json!("Bobby"), "{v}");
    assert_eq!(e["notification_display_style"], json!(1));
    assert_eq!(
        (
            &e["notification_no_disturbing_start"],
            &e["notification_no_disturbing_end"]
        ),
        (&json!(22), &json!(7))
    );
}
