//! Bad input gets its code and changes nothing: more than 100 users a
//! call and a presence text over 1024 bytes (1100), a bad expiry, status
//! or page (205), subscribing to oneself (205) or to a user that does
//! not exist (204), and the subscription limits (4), whose refusal puts
//! both ends of the call back.

use super::*;

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

#[tokio::test]
async fn over_100_users_and_long_texts_get_1100_and_bad_arguments_205() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let many = names("u", 101);

    refused(
        &alice,
        "presence_subscribe",
        json!({"users": many, "expiry": 60}),
        1100,
    )
    .await;
    refused(&alice, "presence_get", json!({"users": many}), 1100).await;
    refused(&alice, "presence_unsubscribe", json!({"users": many}), 1100).await;
    refused(
        &alice,
        "presence_set",
        json!({"status": "1", "ext": "x".repeat(1025)}),
        1100,
    )
    .await;
    ok(
        &alice,
        "presence_set",
        json!({"status": "1", "ext": "x".repeat(1024)}),
    )
    .await;
    for expiry in [0, 2_592_001] {
        refused(
            &alice,
            "presence_subscribe",
            json!({"users": ["bob"], "expiry": expiry}),
            205,
        )
        .await;
    }
    refused(&alice, "presence_set", json!({"status": "busy"}), 205).await;
    refused(&alice, "presence_set", json!({"ext": "no status"}), 205).await;
    refused(&alice, "presence_subscriptions", json!({"size": 501}), 205).await;
    refused(
        &alice,
        "presence_subscribe",
        json!({"users": ["alice"], "expiry": 60}),
        205,
    )
    .await;
    refused(&alice, "presence_get", json!({"users": []}), 205).await;

    // One unknown user refuses the whole call: bob is not subscribed.
    refused(
        &alice,
        "presence_subscribe",
        json!({"users": ["bob", "nobody"], "expiry": 60}),
        204,
    )
    .await;
    assert_eq!(sublist(&s, "alice").await, (0, Vec::new()));

    // REST: the same limits, with the HTTP status and error string.
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/alice/presence/60",
        Some(json!({"usernames": many})),
    )
    .await;
    assert_eq!(
        (status, &r["error"]),
        (400, &json!("illegal_argument")),
        "{r}"
    );
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/alice/presence/2592001",
        Some(json!({"usernames": ["bob"]})),
    )
    .await;
    assert_eq!(status, 400, "{r}");
    let (status, r) = call(
        &s,
        Method::GET,
        "/users/alice/presence/sublist?pageNum=1&pageSize=501",
        None,
    )
    .await;
    assert_eq!(status, 400, "{r}");
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/nobody/presence/60",
        Some(json!({"usernames": ["bob"]})),
    )
    .await;
    assert_eq!(status, 404, "{r}");
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/alice/presence",
        Some(json!({"x": 1})),
    )
    .await;
    assert_eq!(
        (status, &r["error"]),
        (400, &json!("invalid_request_body")),
        "{r}"
    );
}

#[tokio::test]
async fn the_subscription_limits_refuse_beyond_with_code_4_and_change_nothing() {
    let s = TestServer::start_with(|c| {
        c.limits.presence_subscriptions = 3;
        c.limits.presence_subscribers = 2;
    })
    .await;
    s.create_users(&["alice", "x1", "x2", "x3", "b1", "b2", "b3", "b4"])
        .await;
    let alice = s.login("alice", None).await;

    // alice may hold 3: two more than the one left are refused whole.
    ok(
        &alice,
        "presence_subscribe",
        json!({"users": ["b1", "b2"], "expiry": 60}),
    )
    .await;
    refused(
        &alice,
        "presence_subscribe",
        json!({"users": ["b3", "b4"], "expiry": 60}),
        4,
    )
    .await;
    assert_eq!(sublist(&s, "alice").await.0, 2);
    // Renewing held ones does not count again.
    ok(
        &alice,
        "presence_subscribe",
        json!({"users": ["b1", "b2", "b3"], "expiry": 120}),
    )
    .await;
    assert_eq!(sublist(&s, "alice").await.0, 3);

    // b1 may have 2 subscribers: alice and x1. x2's call naming b2 and b1
    // is refused, and b2 does not keep x2 (x3 still fits beside alice).
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/x1/presence/60",
        Some(json!({"usernames": ["b1"]})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/x2/presence/60",
        Some(json!({"usernames": ["b2", "b1"]})),
    )
    .await;
    assert_eq!((status, &r["error"]), (403, &json!("exceed_limit")), "{r}");
    assert_eq!(sublist(&s, "x2").await, (0, Vec::new()));
    let (status, r) = call(
        &s,
        Method::POST,
        "/users/x3/presence/60",
        Some(json!({"usernames": ["b2"]})),
    )
    .await;
    assert_eq!(status, 200, "b2 has alice only: {r}");
}
