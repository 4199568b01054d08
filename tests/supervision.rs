//! Supervision: an injected panic in one user entity restarts that entity
//! from its persisted state; its in-flight request gets an error, no acked
//! message is lost, its devices are told to reconnect, and other users are
//! unaffected.

use crate::common::{eventually, TestServer};
use imcloud_actors::ids::{AppKey, UserId};
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test]
async fn a_panicking_user_entity_is_restarted_without_losing_acked_messages() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol", "dave"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let carol = s.login("carol", None).await;
    let dave = s.login("dave", None).await;
    let mut acked = Vec::new();
    for i in 0..20 {
        let r = alice
            .send_text("bob", &format!("before {i}"), None)
            .await
            .unwrap();
        acked.push(r["msg_id"].clone());
    }
    for _ in 0..20 {
        assert!(bob.next_push(Duration::from_secs(5)).await.is_some());
    }

    let bob_key = AppKey::new("demo", "chat")
        .unwrap()
        .user_key(&UserId::parse("bob").unwrap());
    s.node.env.faults.break_entity(bob_key.clone());
    let failed = alice.send_text("bob", "during", None).await.unwrap();
    assert_eq!(failed["ok"], json!(false));
    assert_eq!(failed["error"]["code"], json!(303), "{failed}");
    // The restart is counted right after the failed step unwinds, which can
    // be just after the caller saw its error.
    eventually(Duration::from_secs(5), "restart counted", || async {
        (s.node.runtime.entity_restarts.load(Ordering::SeqCst) >= 1).then_some(())
    })
    .await;
    // Bob's device is told to reconnect, since the entity lost its sessions.
    let kick = bob
        .next_push(Duration::from_secs(5))
        .await
        .expect("kick push");
    assert_eq!(kick, json!({"push": "kick", "reason": "restarted"}));

    // Other users are untouched while bob's entity is broken.
    let ok = carol.send_text("dave", "unaffected", None).await.unwrap();
    assert_eq!(ok["ok"], json!(true));
    assert_eq!(
        dave.next_push(Duration::from_secs(5)).await.unwrap()["msg"]["body"]["msg"],
        json!("unaffected")
    );

    s.node.env.faults.heal(&bob_key);
    let after = alice.send_text("bob", "after", None).await.unwrap();
    assert_eq!(after["ok"], json!(true), "{after}");
    acked.push(after["msg_id"].clone());

    let bob = s.login("bob", None).await;
    let (msgs, _) = bob.sync_all(0).await.unwrap();
    let ids: Vec<_> = msgs.iter().map(|m| m["msg_id"].clone()).collect();
    assert_eq!(
        ids, acked,
        "every acked message, in order, and nothing from the failed step"
    );
}
