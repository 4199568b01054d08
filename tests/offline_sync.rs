//! Offline delivery: what a user missed comes by `sync` on the next connect,
//! in order, exactly once per cursor; a second device gets it too.

use crate::common::TestServer;
use serde_json::json;

fn bodies(msgs: &[serde_json::Value]) -> Vec<String> {
    msgs.iter()
        .map(|m| m["body"]["msg"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn missed_messages_arrive_by_sync_in_order_and_exactly_once() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    for i in 0..30 {
        assert_eq!(
            alice
                .send_text("bob", &format!("m{i}"), None)
                .await
                .unwrap()["ok"],
            json!(true)
        );
    }
    let bob = s.login("bob", Some("phone")).await;
    let (msgs, cursor) = bob.sync_all(0).await.unwrap();
    assert_eq!(
        bodies(&msgs),
        (0..30).map(|i| format!("m{i}")).collect::<Vec<_>>()
    );
    assert_eq!(
        msgs.iter()
            .map(|m| m["seq"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        (1..=30).collect::<Vec<_>>()
    );
    assert_eq!(cursor, 30);
    drop(bob);

    for i in 30..35 {
        alice
            .send_text("bob", &format!("m{i}"), None)
            .await
            .unwrap();
    }
    let bob = s.login("bob", Some("phone")).await;
    let (newer, cursor) = bob.sync_all(30).await.unwrap();
    assert_eq!(
        bodies(&newer),
        (30..35).map(|i| format!("m{i}")).collect::<Vec<_>>()
    );
    assert_eq!(cursor, 35);
    let (nothing, same) = bob.sync_all(35).await.unwrap();
    assert!(nothing.is_empty());
    assert_eq!(same, 35);

    // A new device starts from nothing and gets the whole timeline.
    let tablet = s.login("bob", Some("tablet")).await;
    let (all, _) = tablet.sync_all(0).await.unwrap();
    assert_eq!(all.len(), 35);
}

#[tokio::test]
async fn sync_pages_by_limit() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    for i in 0..25 {
        alice.send_text("bob", &format!("{i}"), None).await.unwrap();
    }
    let bob = s.login("bob", None).await;
    let page = bob
        .request("sync", json!({"cursors": {"user": 0}, "limit": 10}))
        .await
        .unwrap();
    assert_eq!(page["messages"].as_array().unwrap().len(), 10);
    assert_eq!(page["more"], json!(true));
    assert_eq!(page["cursors"]["user"], json!(10));
    let last = bob
        .request("sync", json!({"cursors": {"user": 20}, "limit": 10}))
        .await
        .unwrap();
    assert_eq!(last["messages"].as_array().unwrap().len(), 5);
    assert_eq!(last["more"], json!(false));
    // A cursor past the end is clamped, not an error.
    let past = bob
        .request("sync", json!({"cursors": {"user": 999}}))
        .await
        .unwrap();
    assert_eq!(past["messages"], json!([]));
    assert_eq!(past["cursors"]["user"], json!(25));
}

#[tokio::test]
async fn the_sender_sees_its_own_messages_in_its_timeline() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", Some("phone")).await;
    alice.send_text("bob", "out", None).await.unwrap();
    let laptop = s.login("alice", Some("laptop")).await;
    let (msgs, _) = laptop.sync_all(0).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["from"], json!("alice"));
    assert_eq!(msgs[0]["to"], json!("bob"));
}
