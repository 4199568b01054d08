//! 1:1 chat between sockets: delivery with msg_id/seq/ts, acks only after
//! the flush, multi-device copies, per-conversation order, idempotent
//! resends and the per-user send rate limit.

use crate::common::{eventually, TestServer, Ws};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::common::WAIT;

async fn next_message(c: &crate::common::WsClient) -> Value {
    let p = c.next_push(WAIT).await.expect("a push arrives");
    assert_eq!(p["push"], json!("message"), "unexpected frame {p}");
    p["msg"].clone()
}

#[tokio::test]
async fn a_message_reaches_the_other_socket_with_id_seq_and_ts() {
    message_reaches_the_other_socket(Ws::Http).await;
}

#[tokio::test]
async fn a_message_reaches_the_other_socket_on_the_lean_listener() {
    message_reaches_the_other_socket(Ws::Lean).await;
}

async fn message_reaches_the_other_socket(ws: Ws) {
    let s = TestServer::start_on(ws).await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let ack = alice.send_text("bob", "hello bob", None).await.unwrap();
    assert_eq!(ack["ok"], json!(true), "{ack}");
    let msg_id = ack["msg_id"]
        .as_str()
        .expect("msg_id is a string")
        .to_string();
    assert!(msg_id.parse::<u64>().is_ok());
    assert_eq!(ack["seq"], json!(1));
    assert!(ack["ts"].as_i64().unwrap() > 1_700_000_000_000);
    let m = next_message(&bob).await;
    assert_eq!(m["msg_id"], json!(msg_id));
    assert_eq!(m["from"], json!("alice"));
    assert_eq!(m["to"], json!("bob"));
    assert_eq!(m["chat"], json!("single"));
    assert_eq!(m["seq"], json!(1));
    assert_eq!(m["ts"], ack["ts"]);
    assert_eq!(m["body"], json!({"type": "txt", "msg": "hello bob"}));
}

#[tokio::test]
async fn the_ack_waits_for_the_flush() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let rt = s.node.runtime.clone();
    let pushes_before = s.node.gateway.messages_out.load(Ordering::SeqCst);
    let flushes_before = rt.flushes.load(Ordering::SeqCst);
    rt.hold_flushes.store(true, Ordering::SeqCst);
    let pending = tokio::spawn(async move {
        let ack = alice.send_text("bob", "durable", None).await;
        (alice, ack)
    });
    // The barrier: both copies (the sender's and the recipient's) are
    // written and wait for the held flush...
    eventually(WAIT, "both writes waiting for the flush", || {
        let rt = rt.clone();
        async move { (rt.commit_pending.load(Ordering::SeqCst) >= 2).then_some(()) }
    })
    .await;
    // ...and then nothing has left for a device: no push taken by a
    // socket, none queued, none received, and no ack.
    assert_eq!(
        s.node.gateway.messages_out.load(Ordering::SeqCst),
        pushes_before,
        "push before the flush"
    );
    assert_eq!(
        s.node.env.devices.queued(),
        0,
        "push queued before the flush"
    );
    assert!(bob.next_push(Duration::ZERO).await.is_none());
    assert!(!pending.is_finished(), "ack before the flush");
    rt.hold_flushes.store(false, Ordering::SeqCst);
    let (_alice, ack) = pending.await.unwrap();
    assert_eq!(ack.unwrap()["ok"], json!(true));
    assert!(rt.flushes.load(Ordering::SeqCst) > flushes_before);
    assert_eq!(next_message(&bob).await["body"]["msg"], json!("durable"));
}

#[tokio::test]
async fn every_device_of_both_users_sees_the_message() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice_phone = s.login("alice", Some("phone")).await;
    let alice_web = s.login("alice", Some("web")).await;
    let bob_phone = s.login("bob", Some("phone")).await;
    let bob_web = s.login("bob", Some("web")).await;
    let ack = alice_phone.send_text("bob", "to all", None).await.unwrap();
    let id = ack["msg_id"].clone();
    for dev in [&bob_phone, &bob_web] {
        let m = next_message(dev).await;
        assert_eq!(m["msg_id"], id);
    }
    // The sender's other device gets the copy from the sender's timeline;
    // the sending device does not get its own message back: the barrier is
    // a later message to alice, which comes through the same queue of each
    // of her devices, so it is the sending device's first push.
    let copy = next_message(&alice_web).await;
    assert_eq!(copy["msg_id"], id);
    assert_eq!(copy["seq"], ack["seq"]);
    let reply = bob_phone.send_text("alice", "barrier", None).await.unwrap();
    assert_eq!(reply["ok"], json!(true), "{reply}");
    let first = next_message(&alice_phone).await;
    assert_eq!(first["body"]["msg"], json!("barrier"), "{first}");
}

#[tokio::test]
async fn pipelined_sends_arrive_in_order() {
    pipelined_sends(Ws::Http).await;
}

#[tokio::test]
async fn pipelined_sends_arrive_in_order_on_the_lean_listener() {
    pipelined_sends(Ws::Lean).await;
}

async fn pipelined_sends(ws: Ws) {
    let s = TestServer::start_on(ws).await;
    s.create_users(&["alice", "bob"]).await;
    let alice = std::sync::Arc::new(s.login("alice", None).await);
    let bob = s.login("bob", None).await;
    let n = 200;
    let mut sends = Vec::new();
    for i in 0..n {
        let a = alice.clone();
        // Requests leave in this order; replies may complete in any order.
        a.send_frame(&json!({"id": format!("s{i}"), "op": "send", "chat": "single", "to": "bob", "body": {"type": "txt", "msg": format!("{i}")}}))
            .await
            .unwrap();
        sends.push(i);
    }
    let mut seqs = Vec::new();
    for i in 0..n {
        let m = next_message(&bob).await;
        assert_eq!(
            m["body"]["msg"],
            json!(format!("{i}")),
            "message {i} out of order"
        );
        seqs.push(m["seq"].as_u64().unwrap());
    }
    assert_eq!(seqs, (1..=n as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_resend_with_the_same_client_msg_id_is_stored_once() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let first = alice.send_text("bob", "once", Some("c-1")).await.unwrap();
    let again = alice.send_text("bob", "once", Some("c-1")).await.unwrap();
    assert_eq!(first["ok"], json!(true));
    assert_eq!(
        again,
        json!({"id": again["id"], "ok": true, "msg_id": first["msg_id"], "seq": first["seq"], "ts": first["ts"]})
    );
    // Two resends in flight at once also collapse into one message.
    for i in 0..2 {
        alice.send_frame(&json!({"id": format!("p{i}"), "op": "send", "chat": "single", "to": "bob", "client_msg_id": "c-2", "body": {"type": "txt", "msg": "twice"}})).await.unwrap();
    }
    let bob = s.login("bob", None).await;
    let (msgs, _) = eventually(WAIT, "both messages stored", || async {
        let (msgs, cursor) = bob.sync_all(0).await.ok()?;
        (msgs.len() >= 2).then_some((msgs, cursor))
    })
    .await;
    let bodies: Vec<&Value> = msgs.iter().map(|m| &m["body"]["msg"]).collect();
    assert_eq!(bodies, vec![&json!("once"), &json!("twice")]);
    assert_eq!(msgs[0]["msg_id"], first["msg_id"]);
}

#[tokio::test]
async fn the_per_user_send_rate_limit_answers_509() {
    let s = TestServer::start_with(|c| {
        c.app_defaults.user_send_rate = 2;
        c.app_defaults.user_send_burst = 5;
    })
    .await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let mut codes = Vec::new();
    for i in 0..8 {
        let r = alice.send_text("bob", &format!("{i}"), None).await.unwrap();
        codes.push(if r["ok"] == json!(true) {
            0
        } else {
            r["error"]["code"].as_u64().unwrap()
        });
    }
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 5, "{codes:?}");
    assert!(codes[5..].iter().all(|c| *c == 509), "{codes:?}");
}

#[tokio::test]
async fn sockets_on_both_listeners_reach_each_other() {
    let s = TestServer::start_on(Ws::Lean).await;
    s.create_users(&["alice", "bob"]).await;
    let alice = crate::common::WsClient::connect(&s.http_ws_url(), false)
        .await
        .unwrap();
    let login = alice
        .login(crate::common::APPKEY, "alice", "pw-alice", None)
        .await
        .unwrap();
    assert_eq!(login["ok"], json!(true), "{login}");
    let bob = s.login("bob", None).await;
    let ack = alice.send_text("bob", "across", None).await.unwrap();
    assert_eq!(ack["ok"], json!(true), "{ack}");
    assert_eq!(next_message(&bob).await["body"]["msg"], json!("across"));
    let back = bob.send_text("alice", "and back", None).await.unwrap();
    assert_eq!(back["ok"], json!(true), "{back}");
    assert_eq!(next_message(&alice).await["body"]["msg"], json!("and back"));
}

#[tokio::test]
async fn a_user_over_the_default_send_rate_gets_509_after_its_burst_and_others_are_unaffected() {
    // Easemob's anti-abuse default: 2 messages a second, a burst of 10.
    // The clock stands still, so all 20 sends fall in one second.
    let s = TestServer::start_manual(|c| {
        c.app_defaults.user_send_rate = 2;
        c.app_defaults.user_send_burst = 10;
    })
    .await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let alice = s.login("alice", None).await;
    let carol = s.login("carol", None).await;
    let mut codes = Vec::new();
    for i in 0..20 {
        let r = alice.send_text("bob", &format!("{i}"), None).await.unwrap();
        codes.push(crate::common::code(&r));
    }
    assert_eq!(codes[..10], [0; 10], "{codes:?}");
    assert_eq!(codes[10..], [509; 10], "{codes:?}");
    // Another user, in the same second, sends from its own budget.
    for i in 0..5 {
        let c = carol
            .send_text("bob", &format!("c{i}"), None)
            .await
            .unwrap();
        assert_eq!(crate::common::code(&c), 0, "{c}");
    }
    // A second later two more fit.
    s.clock.advance(std::time::Duration::from_secs(1));
    let mut again = Vec::new();
    for i in 0..3 {
        let r = alice
            .send_text("bob", &format!("later{i}"), None)
            .await
            .unwrap();
        again.push(crate::common::code(&r));
    }
    assert_eq!(again, [0, 0, 509]);
}
