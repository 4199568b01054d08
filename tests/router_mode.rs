//! The router's two modes. In the encode-everything mode
//! (`shards.encode_commands`, what CI runs the whole suite in a second
//! time) every command and notice between entities is encoded to bytes and
//! decoded again, as a cluster's network would; in the plain mode none is.

use crate::common::TestServer;
use serde_json::json;
use std::sync::atomic::Ordering;

async fn traffic(s: &TestServer) {
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let ack = alice.send_text("bob", "across", None).await.unwrap();
    assert_eq!(ack["ok"], json!(true), "{ack}");
    let push = bob.next_push(crate::common::WAIT).await.expect("a push");
    assert_eq!(push["msg"]["body"]["msg"], json!("across"));
    let (msgs, _) = bob.sync_all(0).await.unwrap();
    assert_eq!(msgs.len(), 1);
}

#[tokio::test]
async fn the_encode_everything_mode_encodes_every_command_on_its_way() {
    let s = TestServer::start_with(|c| c.shards.encode_commands = true).await;
    let before = s.node.runtime.encoded.load(Ordering::SeqCst);
    let steps_before = s.node.runtime.steps.load(Ordering::SeqCst);
    traffic(&s).await;
    let encoded = s.node.runtime.encoded.load(Ordering::SeqCst) - before;
    let steps = s.node.runtime.steps.load(Ordering::SeqCst) - steps_before;
    assert!(steps > 0);
    // Every step's command came through the router's codec (shard queries
    // and notices are encoded too, and steps are counted when they end).
    assert!(encoded >= steps, "{encoded} encoded for {steps} steps");
}

#[tokio::test]
async fn the_mode_is_as_configured() {
    let s = TestServer::start().await;
    traffic(&s).await;
    let encoded = s.node.runtime.encoded.load(Ordering::SeqCst);
    if s.node.config.shards.encode_commands {
        assert!(encoded > 0);
    } else {
        assert_eq!(encoded, 0, "the plain mode encodes nothing");
    }
}
