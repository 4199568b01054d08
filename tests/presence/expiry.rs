//! A subscription ends at its expiry: on a manual clock moved past it,
//! the target's changes no longer reach the subscriber and the
//! subscription leaves both lists, while a longer one still works.

use super::*;

#[tokio::test]
async fn an_expired_subscription_gets_no_push_and_leaves_the_sublist() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let alice = s.login("alice", None).await;
    ok(
        &alice,
        "presence_subscribe",
        json!({"users": ["bob"], "expiry": 60}),
    )
    .await;
    ok(
        &alice,
        "presence_subscribe",
        json!({"users": ["carol"], "expiry": 600}),
    )
    .await;
    assert_eq!(sublist(&s, "alice").await.0, 2);

    s.clock.advance(Duration::from_secs(61));
    let (total, names) = sublist(&s, "alice").await;
    assert_eq!((total, names), (1, vec!["carol".to_string()]));
    let r = ok(
        &alice,
        "presence_subscriptions",
        json!({"page": 1, "size": 10}),
    )
    .await;
    assert_eq!(r["total"], json!(1), "{r}");
    assert_eq!(r["subscriptions"][0]["user"], json!("carol"), "{r}");

    // bob logs in first, carol second: a push about bob would reach alice
    // before carol's (both are sent in order to alice's shard).
    let _bob = s.login("bob", None).await;
    let _carol = s.login("carol", None).await;
    let first = alice
        .push_where("a presence push", |p| p["push"] == json!("presence"))
        .await;
    assert_eq!(first["user"], json!("carol"), "bob's expired: {first}");

    // Renewing makes bob's changes reach alice again.
    ok(
        &alice,
        "presence_subscribe",
        json!({"users": ["bob"], "expiry": 60}),
    )
    .await;
    let _bob_pad = s.login("bob", Some("pad")).await;
    let p = presence_push(&alice, "bob").await;
    assert_eq!(p["status"]["pad"], json!("1"), "{p}");
}
