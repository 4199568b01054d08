//! Sending to users: M1 and the legacy `/messages` form.

use super::*;
use crate::common::TestServer;

// ---- sending ----

#[tokio::test]
async fn send_to_users_maps_each_target_to_its_msg_id() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let bob = s.login("bob", None).await;
    let r = api.post("/messages/users", json!({"from": "alice", "to": ["bob", "carol"], "type": "txt", "body": {"msg": "hi"}, "ext": {"k": "v"}})).await;
    let body = assert_ok(&r);
    assert_eq!(body["path"], json!("/messages/users"));
    let data = body["data"].as_object().expect("data is an object");
    assert_eq!(data.len(), 2, "{body}");
    let id = |u: &str| {
        data[u]
            .as_str()
            .unwrap_or_else(|| panic!("msg id of {u} is a string: {body}"))
            .to_string()
    };
    let (bob_id, carol_id) = (id("bob"), id("carol"));
    assert!(bob_id.parse::<u64>().is_ok() && carol_id.parse::<u64>().is_ok());
    assert_ne!(bob_id, carol_id);
    let p = next_push(&bob).await;
    assert_eq!(p["push"], json!("message"), "{p}");
    let m = &p["msg"];
    assert_eq!(
        (m["msg_id"].as_str(), m["from"].as_str(), m["to"].as_str()),
        (Some(bob_id.as_str()), Some("alice"), Some("bob")),
        "{m}"
    );
    assert_eq!(m["body"], json!({"type": "txt", "msg": "hi"}));
    assert_eq!(m["ext"], json!({"k": "v"}));
    let carol = s.login("carol", None).await;
    let (msgs, _) = carol.sync_all(0).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["msg_id"], json!(carol_id));
}

#[tokio::test]
async fn send_without_from_comes_from_admin() {
    let s = TestServer::start().await;
    s.create_users(&["bob"]).await;
    let api = Api::admin(&s).await;
    let bob = s.login("bob", None).await;
    for from in [None, Some(Value::Null)] {
        let mut req = json!({"to": ["bob"], "type": "txt", "body": {"msg": "system"}});
        if let Some(f) = from {
            req["from"] = f;
        }
        let id = assert_ok(&api.post("/messages/users", req).await)["data"]["bob"].clone();
        let p = next_push(&bob).await;
        assert_eq!(
            (&p["msg"]["from"], &p["msg"]["msg_id"]),
            (&json!("admin"), &id),
            "{p}"
        );
    }
}

#[tokio::test]
async fn send_checks_its_fields() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let base = json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": "x"}});
    let with = |key: &str, v: Value| {
        let mut b = base.clone();
        b[key] = v;
        b
    };
    let many: Vec<String> = (0..601).map(|i| format!("t{i}")).collect();
    let cases = [
        with("from", json!("")),
        with("to", json!([])),
        with("to", json!(many)),
        with("to", json!(["not a name"])),
        with("ext", json!("x")),
        with("ext", json!([1])),
        with("ext", json!(null)),
        with("type", json!("hologram")),
        with("body", json!({})),
        with("body", json!({"msg": 5})),
        with("body", json!({"msg": "x".repeat(5200)})),
        with("ext", json!({"pad": "x".repeat(5100)})),
    ];
    for body in cases {
        let r = api.post("/messages/users", body.clone()).await;
        assert_error(&r, 400, SEND_ERROR);
    }
    let r = api
        .post(
            "/messages/users",
            with("body", json!({"msg": "x".repeat(5200)})),
        )
        .await;
    assert_eq!(r.1["error_description"], json!("message is too large"));
    assert_eq!(
        api.post("/messages/users", with("from", json!(""))).await.1["error_description"],
        json!("param from can't be empty")
    );
    assert_eq!(
        api.post("/messages/users", with("to", json!([]))).await.1["error_description"],
        json!("param to can't be empty")
    );
    let six_hundred: Vec<String> = (0..600).map(|i| format!("t{i}")).collect();
    assert_ok(
        &api.post("/messages/users", with("to", json!(six_hundred)))
            .await,
    );
    assert_eq!(
        assert_ok(&api.get("/users/bob/offline_msg_count").await)["data"],
        json!({"bob": 0})
    );
}

#[tokio::test]
async fn sync_device_copies_to_the_senders_devices() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let alice = s.login("alice", None).await;
    let send = |sync: bool| json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": format!("sync {sync}")}, "sync_device": sync});
    assert_ok(&api.post("/messages/users", send(false)).await);
    let r = api.post("/messages/users", send(true)).await;
    let id = assert_ok(&r)["data"]["bob"].clone();
    // The first push alice sees is the copy of the second message: the
    // first one, without sync_device, left her devices alone.
    let m = next_push(&alice).await["msg"].clone();
    assert_eq!(
        (&m["msg_id"], &m["from"], &m["to"]),
        (&id, &json!("alice"), &json!("bob")),
        "{m}"
    );
    let (msgs, _) = alice.sync_all(0).await.unwrap();
    assert_eq!(
        msgs.len(),
        1,
        "only the synced message is in alice's timeline: {msgs:?}"
    );
    assert_eq!(
        assert_ok(&api.get("/users/bob/offline_msg_count").await)["data"],
        json!({"bob": 2})
    );
}

#[tokio::test]
async fn sends_to_missing_users_are_accepted() {
    let s = TestServer::start().await;
    s.create_users(&["alice"]).await;
    let api = Api::admin(&s).await;
    let r = api
        .post(
            "/messages/users",
            json!({"from": "alice", "to": ["ghost"], "type": "txt", "body": {"msg": "x"}}),
        )
        .await;
    assert!(
        assert_ok(&r)["data"]["ghost"]
            .as_str()
            .is_some_and(|id| id.parse::<u64>().is_ok()),
        "{}",
        r.1
    );
    let r = api.post("/messages/users", json!({"from": "nobody", "to": ["ghost", "alice"], "type": "txt", "body": {"msg": "x"}, "sync_device": true})).await;
    assert_ok(&r);
    assert_error(&api.get("/users/ghost").await, 404, NOT_FOUND);
    assert_error(&api.get("/users/nobody").await, 404, NOT_FOUND);
    assert_eq!(
        assert_ok(&api.get("/users/alice/offline_msg_count").await)["data"],
        json!({"alice": 1})
    );
}

#[tokio::test]
async fn send_accepts_easemob_body_spellings() {
    let s = TestServer::start().await;
    s.create_users(&["bob"]).await;
    let api = Api::admin(&s).await;
    let bob = s.login("bob", None).await;
    let cases = [
        (
            json!({"type": "custom", "body": {"customEvent": "gift", "customExts": {"n": "3"}}}),
            json!({"type": "custom", "event": "gift", "params": {"n": "3"}}),
        ),
        (
            json!({"type": "loc", "body": {"lat": "39.9", "lng": 116.5, "addr": "x"}}),
            json!({"type": "loc", "lat": 39.9, "lng": 116.5, "addr": "x"}),
        ),
        (
            json!({"type": "audio", "body": {"url": "http://f/1", "Length": 3}}),
            json!({"type": "audio", "url": "http://f/1", "length": 3}),
        ),
    ];
    for (mut req, delivered) in cases {
        req["to"] = json!(["bob"]);
        assert_ok(&api.post("/messages/users", req).await);
        assert_eq!(next_push(&bob).await["msg"]["body"], delivered);
    }
    let bad_loc =
        json!({"to": ["bob"], "type": "loc", "body": {"lat": "north", "lng": 1, "addr": "x"}});
    assert_error(&api.post("/messages/users", bad_loc).await, 400, SEND_ERROR);
}

#[tokio::test]
async fn legacy_messages_send_to_users() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let bob = s.login("bob", None).await;
    let r = api.post("/messages", json!({"target_type": "users", "target": ["bob", "carol"], "from": "alice", "msg": {"type": "txt", "msg": "old style"}, "ext": {"a": 1}})).await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"bob": "success", "carol": "success"})
    );
    let m = next_push(&bob).await["msg"].clone();
    assert_eq!(
        (m["from"].as_str(), &m["body"], &m["ext"]),
        (
            Some("alice"),
            &json!({"type": "txt", "msg": "old style"}),
            &json!({"a": 1})
        ),
        "{m}"
    );

    let r = api.post("/messages?useMsgId=true", json!({"target_type": "users", "target": ["bob"], "msg": {"type": "txt", "msg": "with id"}})).await;
    let id = assert_ok(&r)["data"]["bob"]
        .as_str()
        .expect("msg id")
        .to_string();
    assert!(id.parse::<u64>().is_ok());
    let m = next_push(&bob).await["msg"].clone();
    assert_eq!(
        (m["msg_id"].as_str(), m["from"].as_str()),
        (Some(id.as_str()), Some("admin")),
        "{m}"
    );

    let custom = json!({"target_type": "users", "target": ["bob"], "from": "alice", "msg": {"type": "custom", "customEvent": "gift", "customExts": {"n": "3"}}});
    assert_eq!(
        assert_ok(&api.post("/messages", custom).await)["data"],
        json!({"bob": "success"})
    );
    let m = next_push(&bob).await["msg"].clone();
    assert_eq!(m["body"]["type"], json!("custom"), "{m}");
    assert!(m["body"].to_string().contains("gift"), "{m}");

    let cmd = json!({"target_type": "users", "target": ["bob"], "msg": {"type": "cmd", "action": "refresh"}});
    assert_ok(&api.post("/messages", cmd).await);
    assert_eq!(
        next_push(&bob).await["msg"]["body"],
        json!({"type": "cmd", "action": "refresh"})
    );

    let bad = [
        json!({"target_type": "users", "target": [], "msg": {"type": "txt", "msg": "x"}}),
        json!({"target_type": "users", "target": ["bob"], "from": "", "msg": {"type": "txt", "msg": "x"}}),
        json!({"target_type": "users", "target": ["bob"], "msg": {"type": "custom"}}),
        json!({"target_type": "users", "target": ["bob"], "msg": {"type": "txt", "msg": "x"}, "ext": 1}),
    ];
    for b in bad {
        assert_error(&api.post("/messages", b).await, 400, SEND_ERROR);
    }
    // Chatrooms go to M3 (a missing room is accepted, as for users).
    let room =
        json!({"target_type": "chatrooms", "target": ["1"], "msg": {"type": "txt", "msg": "x"}});
    assert_eq!(
        assert_ok(&api.post("/messages", room).await)["data"],
        json!({"1": "success"})
    );
    let unknown =
        json!({"target_type": "planets", "target": ["1"], "msg": {"type": "txt", "msg": "x"}});
    assert_error(&api.post("/messages", unknown).await, 400, ILLEGAL);
}
