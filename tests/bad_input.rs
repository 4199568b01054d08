//! Bad input on the socket gets its documented error code, and the server
//! keeps serving everyone else: malformed frames, unknown ops, oversized
//! frames, missing auth, bad credentials, unknown recipients, oversized
//! bodies, and a flood of garbage.

use crate::common::code;
use crate::common::WsClient;
use crate::common::{TestServer, Ws, APPKEY};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn each_bad_request_gets_its_code() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let c = WsClient::connect(&s.ws_url(), false).await.unwrap();
    assert_eq!(
        code(
            &c.request(
                "send",
                json!({"chat": "single", "to": "bob", "body": {"type": "txt", "msg": "x"}})
            )
            .await
            .unwrap()
        ),
        201
    );
    assert_eq!(
        code(&c.login(APPKEY, "alice", "wrong", None).await.unwrap()),
        202
    );
    assert_eq!(
        code(&c.login(APPKEY, "nobody", "x", None).await.unwrap()),
        204
    );
    assert_eq!(
        code(&c.login("no#app", "alice", "x", None).await.unwrap()),
        100
    );
    assert_eq!(
        code(
            &c.request("auth", json!({"token": "abc.def"}))
                .await
                .unwrap()
        ),
        202
    );
    assert_eq!(
        code(&c.request("auth", json!({"user": "alice"})).await.unwrap()),
        205
    );
    assert_eq!(
        code(
            &c.request(
                "auth",
                json!({"appkey": APPKEY, "user": "alice", "password": "pw-alice", "v": 9})
            )
            .await
            .unwrap()
        ),
        205
    );
    assert_eq!(
        c.login(APPKEY, "alice", "pw-alice", None).await.unwrap()["ok"],
        json!(true)
    );
    assert_eq!(
        code(&c.login(APPKEY, "alice", "pw-alice", None).await.unwrap()),
        200
    );

    assert_eq!(code(&c.request("dance", json!({})).await.unwrap()), 1002);
    assert_eq!(code(&c.send_text("nobody", "hi", None).await.unwrap()), 204);
    assert_eq!(
        code(&c.send_text("not a name!", "hi", None).await.unwrap()),
        205
    );
    let long = "x".repeat(6000);
    assert_eq!(code(&c.send_text("bob", &long, None).await.unwrap()), 510);
    assert_eq!(
        code(
            &c.request(
                "send",
                json!({"chat": "single", "to": "bob", "body": {"type": "hologram"}})
            )
            .await
            .unwrap()
        ),
        500
    );
    assert_eq!(
        code(
            &c.request(
                "send",
                json!({"chat": "single", "to": "bob", "body": {"type": "txt"}})
            )
            .await
            .unwrap()
        ),
        500
    );
    assert_eq!(code(&c.request("send", json!({"chat": "single", "to": "bob", "body": {"type": "txt", "msg": "x"}, "ext": [1]})).await.unwrap()), 500);
    assert_eq!(
        code(
            &c.request(
                "send",
                json!({"chat": "bogus", "to": "bob", "body": {"type": "txt", "msg": "x"}})
            )
            .await
            .unwrap()
        ),
        205
    );
    assert_eq!(
        code(
            &c.request("send", json!({"chat": "single", "to": 5, "body": "txt"}))
                .await
                .unwrap()
        ),
        205
    );
    assert_eq!(
        code(
            &c.request("sync", json!({"cursors": {"user": "zero"}}))
                .await
                .unwrap()
        ),
        205
    );
    assert_eq!(
        code(
            &c.request("sync", json!({"cursors": {"planet:1": 0}}))
                .await
                .unwrap()
        ),
        205
    );
    assert_eq!(
        code(
            &c.request("sync", json!({"cursors": {"group:1": 0}}))
                .await
                .unwrap()
        ),
        605,
        "a group stream of a group that does not exist"
    );
    assert_eq!(
        code(&c.request("join", json!({"chatroom": "1"})).await.unwrap()),
        700,
        "a chatroom that does not exist"
    );
    assert_eq!(
        code(
            &c.request("join", json!({"chatroom": "no room"}))
                .await
                .unwrap()
        ),
        205
    );
    assert_eq!(
        code(
            &c.request(
                "send",
                json!({"chat": "chatroom", "to": "1", "priority": "urgent",
                "body": {"type": "txt", "msg": "x"}})
            )
            .await
            .unwrap()
        ),
        205
    );
    assert_eq!(
        code(
            &c.request("chatroom_fly", json!({"chatroom": "1"}))
                .await
                .unwrap()
        ),
        1002
    );
    // A recall without its fields.
    assert_eq!(code(&c.request("recall", json!({})).await.unwrap()), 205);

    // Malformed frames answer with a null id, and the socket stays usable.
    c.send_raw(Message::Text("{not json".into())).await.unwrap();
    let r = c
        .next_push(Duration::from_secs(5))
        .await
        .expect("error reply");
    assert_eq!((r["id"].clone(), code(&r)), (Value::Null, 1001));
    c.send_raw(Message::Binary(vec![0xc1, 0x00, 0xff]))
        .await
        .unwrap();
    let r = c
        .next_push(Duration::from_secs(5))
        .await
        .expect("error reply");
    assert_eq!(code(&r), 1001);
    c.send_raw(Message::Text("[1,2]".into())).await.unwrap();
    assert_eq!(
        code(&c.next_push(Duration::from_secs(5)).await.unwrap()),
        1001
    );
    assert_eq!(
        c.request("ping", json!({})).await.unwrap()["ok"],
        json!(true)
    );
}

#[tokio::test]
async fn an_oversized_frame_closes_the_socket_with_1009() {
    oversized_frame_closes_with_1009(Ws::Http).await;
}

#[tokio::test]
async fn an_oversized_frame_closes_a_lean_socket_with_1009() {
    oversized_frame_closes_with_1009(Ws::Lean).await;
}

async fn oversized_frame_closes_with_1009(ws: Ws) {
    let s = TestServer::start_on(ws).await;
    s.create_users(&["alice"]).await;
    let c = s.login("alice", None).await;
    let huge = json!({"id": "big", "op": "ping", "pad": "x".repeat(70 * 1024)});
    c.send_frame(&huge).await.unwrap();
    let close = c
        .closed(Duration::from_secs(10))
        .await
        .expect("socket closes");
    assert_eq!(close.code, Some(1009), "{close:?}");
    // Everyone else is still served.
    let other = s.login("alice", Some("second")).await;
    assert_eq!(
        other.request("ping", json!({})).await.unwrap()["ok"],
        json!(true)
    );
}

#[tokio::test]
async fn a_socket_that_never_authenticates_is_closed_with_4001() {
    unauthenticated_socket_closes_with_4001(Ws::Http).await;
}

#[tokio::test]
async fn a_lean_socket_that_never_authenticates_is_closed_with_4001() {
    unauthenticated_socket_closes_with_4001(Ws::Lean).await;
}

async fn unauthenticated_socket_closes_with_4001(ws: Ws) {
    let s = TestServer::start_on_with(ws, |c| c.ws.auth_timeout_secs = 1).await;
    let c = WsClient::connect(&s.ws_url(), false).await.unwrap();
    let close = c
        .closed(Duration::from_secs(10))
        .await
        .expect("socket closes");
    assert_eq!(close.code, Some(4001), "{close:?}");
}

#[tokio::test]
async fn messagepack_frames_get_messagepack_replies_and_pushes() {
    messagepack_round_trip(Ws::Http).await;
}

#[tokio::test]
async fn messagepack_frames_work_on_the_lean_listener() {
    messagepack_round_trip(Ws::Lean).await;
}

async fn messagepack_round_trip(ws: Ws) {
    let s = TestServer::start_on(ws).await;
    s.create_users(&["alice", "bob"]).await;
    let alice = WsClient::connect(&s.ws_url(), true).await.unwrap();
    assert_eq!(
        alice
            .login(APPKEY, "alice", "pw-alice", None)
            .await
            .unwrap()["ok"],
        json!(true)
    );
    let bob = WsClient::connect(&s.ws_url(), true).await.unwrap();
    assert_eq!(
        bob.login(APPKEY, "bob", "pw-bob", None).await.unwrap()["ok"],
        json!(true)
    );
    let ack = alice.send_text("bob", "packed", None).await.unwrap();
    assert_eq!(ack["ok"], json!(true));
    let push = bob.next_push(Duration::from_secs(5)).await.unwrap();
    assert_eq!(push["msg"]["body"]["msg"], json!("packed"));
}

#[tokio::test]
async fn a_flood_of_garbage_does_not_disturb_other_users() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "mallory"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let mallory = s.login("mallory", None).await;
    let anonymous = WsClient::connect(&s.ws_url(), false).await.unwrap();
    let mut rng_state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    for i in 0..1500 {
        let len = (next() % 300) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let target = if i % 2 == 0 { &mallory } else { &anonymous };
        let msg = match i % 5 {
            0 => Message::Binary(bytes),
            1 => Message::Text(String::from_utf8_lossy(&bytes).into_owned()),
            2 => Message::Text(format!("{{\"op\":\"send\",\"id\":{i},\"chat\":\"single\",\"to\":{},\"body\":{{\"type\":{}}}}}", next() % 7, next() % 3)),
            3 => Message::Text(format!("{{\"op\":\"sync\",\"cursors\":{{\"user\":{}}},\"limit\":{}}}", next() as i64, next() as i64)),
            _ => Message::Text("{\"op\":null,\"id\":[]}".into()),
        };
        target.send_raw(msg).await.unwrap();
    }
    let ack = alice.send_text("bob", "still here", None).await.unwrap();
    assert_eq!(ack["ok"], json!(true));
    let push = loop {
        let p = bob
            .next_push(Duration::from_secs(10))
            .await
            .expect("bob's push");
        if p["push"] == json!("message") {
            break p;
        }
    };
    assert_eq!(push["msg"]["body"]["msg"], json!("still here"));
    assert_eq!(
        mallory.request("ping", json!({})).await.unwrap()["ok"],
        json!(true)
    );
    let health = reqwest::get(s.url("/healthz")).await.unwrap();
    assert!(health.status().is_success());
}

#[tokio::test]
async fn a_token_does_not_outlive_its_user() {
    let s = TestServer::start().await;
    s.create_users(&["sam"]).await;
    let r: Value = s
        .http()
        .post(s.url("/demo/chat/token"))
        .json(&json!({"grant_type": "password", "username": "sam", "password": "pw-sam"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["access_token"].as_str().unwrap().to_string();
    let c = WsClient::connect(&s.ws_url(), false).await.unwrap();
    assert_eq!(
        c.request("auth", json!({"token": token})).await.unwrap()["ok"],
        json!(true)
    );

    // Delete sam and register the name again: the old token is worthless.
    let app = s.app_token().await;
    let del = s
        .http()
        .delete(s.url("/demo/chat/users/sam"))
        .bearer_auth(&app)
        .send()
        .await
        .unwrap();
    assert!(del.status().is_success());
    s.create_users(&["sam"]).await;
    let c = WsClient::connect(&s.ws_url(), false).await.unwrap();
    assert_eq!(
        code(&c.request("auth", json!({"token": token})).await.unwrap()),
        202
    );
}

#[tokio::test]
async fn the_lean_listener_upgrades_only_slash_ws() {
    let s = TestServer::start_on(Ws::Lean).await;
    let addr = s.ws_addr.expect("lean listener on");
    let err = WsClient::connect(&format!("ws://{addr}/other"), false).await;
    assert!(err.is_err(), "only /ws upgrades");
    let c = WsClient::connect(&s.ws_url(), false).await.unwrap();
    assert_eq!(
        c.request("ping", json!({})).await.unwrap()["ok"],
        json!(true)
    );
}
