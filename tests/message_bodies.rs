//! Every body type of the protocol round-trips from a sender's socket to
//! the recipient's push and its history, `ext` included; every bad body
//! gets 500 (or 510 when too large), over the socket and over REST.

use crate::common::{code, rest, TestServer, WAIT};
use serde_json::{json, Value};

fn bodies() -> Vec<Value> {
    vec![
        json!({"type": "txt", "msg": "hello 你好 🙂"}),
        json!({"type": "img", "url": "http://127.0.0.1/demo/chat/chatfiles/1", "filename": "a.jpg", "secret": "s", "size": {"width": 640, "height": 480}}),
        json!({"type": "audio", "url": "http://127.0.0.1/f/2", "filename": "a.amr", "length": 7}),
        json!({"type": "video", "url": "http://127.0.0.1/f/3", "thumb": "http://127.0.0.1/f/3t", "length": 12, "file_length": 4096}),
        json!({"type": "file", "url": "http://127.0.0.1/f/4", "filename": "doc.pdf"}),
        json!({"type": "loc", "lat": 39.9, "lng": 116.4, "addr": "Beijing"}),
        json!({"type": "cmd", "action": "typing"}),
        json!({"type": "custom", "event": "gift", "params": {"count": "3"}}),
    ]
}

#[tokio::test]
async fn each_body_type_round_trips_with_its_ext() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    for body in bodies() {
        let ext = json!({"k": [1, {"x": null}], "em_apns_ext": {"em_push_title": "t"}});
        let r = alice
            .request(
                "send",
                json!({"chat": "single", "to": "bob", "body": body, "ext": ext}),
            )
            .await
            .unwrap();
        assert_eq!(r["ok"], json!(true), "{body}: {r}");
        let p = bob.next_push(WAIT).await.expect("a push");
        assert_eq!(p["msg"]["body"], body);
        assert_eq!(p["msg"]["ext"], ext);
        assert_eq!(p["msg"]["msg_id"], r["msg_id"]);
    }
    // History keeps every type but cmd.
    let h = bob
        .request(
            "history",
            json!({"chat": "single", "with": "alice", "limit": 20}),
        )
        .await
        .unwrap();
    let types: Vec<&str> = h["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["txt", "img", "audio", "video", "file", "loc", "custom"]
    );
}

#[tokio::test]
async fn each_bad_body_is_refused_with_its_code() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let bad = [
        json!({"type": "txt"}),
        json!({"type": "txt", "msg": 5}),
        json!({"type": "img", "filename": "a.jpg"}),
        json!({"type": "img", "url": "u", "size": {"width": -1}}),
        json!({"type": "audio", "url": "u", "length": "long"}),
        json!({"type": "video", "url": ""}),
        json!({"type": "file", "url": 3}),
        json!({"type": "loc", "lat": 100, "lng": 0, "addr": "x"}),
        json!({"type": "loc", "lat": 1, "lng": 2}),
        json!({"type": "cmd"}),
        json!({"type": "custom", "event": "no spaces allowed"}),
        json!({"type": "custom", "event": "e", "params": ["a"]}),
        json!({"type": "sticker", "id": 1}),
        json!(["txt"]),
    ];
    for body in &bad {
        let r = alice
            .request("send", json!({"chat": "single", "to": "bob", "body": body}))
            .await
            .unwrap();
        assert_eq!(code(&r), 500, "{body}: {r}");
    }
    let big = json!({"type": "txt", "msg": "x".repeat(6000)});
    let r = alice
        .request("send", json!({"chat": "single", "to": "bob", "body": big}))
        .await
        .unwrap();
    assert_eq!(code(&r), 510, "{r}");

    // REST: Easemob's spellings are taken, bad bodies are 400.
    let token = s.app_token().await;
    let base = s.base();
    let post = |body: Value| {
        let (http, base, token) = (s.http().clone(), base.clone(), token.clone());
        async move {
            rest(
                &http,
                &base,
                &token,
                reqwest::Method::POST,
                "/messages/users",
                Some(body),
            )
            .await
        }
    };
    let (status, r) = post(json!({"from": "alice", "to": ["bob"], "type": "custom",
        "body": {"customEvent": "gift", "customExts": {"n": "1"}}}))
    .await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = post(json!({"from": "alice", "to": ["bob"], "type": "loc",
        "body": {"lat": "39.9", "lng": "116.4", "addr": "Beijing"}}))
    .await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = post(json!({"from": "alice", "to": ["bob"], "type": "loc",
        "body": {"lat": "north", "lng": "116.4", "addr": "x"}}))
    .await;
    assert_eq!(
        (status, r["error"].clone()),
        (400, json!("message_send_error")),
        "{r}"
    );
    let bob = s.login("bob", None).await;
    let h = bob
        .request("history", json!({"chat": "single", "with": "alice"}))
        .await
        .unwrap();
    let bodies: Vec<Value> = h["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].clone())
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"type": "custom", "event": "gift", "params": {"n": "1"}}),
            json!({"type": "loc", "lat": 39.9, "lng": 116.4, "addr": "Beijing"}),
        ]
    );
}
