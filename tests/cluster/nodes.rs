//! Three real nodes and a real NATS on loopback: users connected to
//! different nodes chat 1:1 and in a group, a chatroom spans the nodes,
//! and REST on any node reaches any user.

use super::*;

#[tokio::test]
async fn users_on_three_nodes_chat_one_to_one_in_groups_and_rooms() {
    let c = started(3).await;
    let app = App::create(&c, &["alice", "bob", "carol"]).await;
    let alice = app.login(&c, 1, "alice").await;
    let bob = app.login(&c, 2, "bob").await;
    let carol = app.login(&c, 3, "carol").await;

    // 1:1 across nodes, both ways.
    let r = alice.send_text("bob", "hi bob", None).await.unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    let got = bob.push_where("alice's message", is_message).await;
    assert_eq!(got["msg"]["body"]["msg"], json!("hi bob"), "{got}");
    let r = carol.send_text("alice", "hi alice", None).await.unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    let got = alice.push_where("carol's message", is_message).await;
    assert_eq!(got["msg"]["from"], json!("carol"), "{got}");

    // A group whose members live on three nodes.
    let (status, g) = app
        .rest(
            &c,
            2,
            reqwest::Method::POST,
            "/chatgroups",
            json!({"groupname": "g", "public": true, "maxusers": 10, "owner": "alice",
                   "members": ["bob", "carol"]}),
        )
        .await;
    assert_eq!(status, 200, "{g}");
    let group = g["data"]["groupid"].as_str().expect("group id").to_string();
    let r = bob.send_group_text(&group, "hello group").await.unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    for who in [&alice, &carol] {
        let got = who.push_where("the group message", is_message).await;
        assert_eq!(got["msg"]["body"]["msg"], json!("hello group"), "{got}");
    }

    // A chatroom with members on every node.
    let (status, room) = app
        .rest(
            &c,
            3,
            reqwest::Method::POST,
            "/chatrooms",
            json!({"name": "r", "description": "d", "maxusers": 100, "owner": "alice"}),
        )
        .await;
    assert_eq!(status, 200, "{room}");
    let room = room["data"]["id"].as_str().expect("room id").to_string();
    for who in [&alice, &bob, &carol] {
        let r = who
            .request("join", json!({ "chatroom": room }))
            .await
            .unwrap();
        assert_eq!(r["ok"], json!(true), "{r}");
    }
    let r = carol
        .request(
            "send",
            json!({"chat": "chatroom", "to": room, "body": {"type": "txt", "msg": "hello room"}}),
        )
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    for who in [&alice, &bob] {
        let got = who
            .push_where("the room message", |p| {
                is_message(p) && p["msg"]["to"] == json!(room)
            })
            .await;
        assert_eq!(got["msg"]["body"]["msg"], json!("hello room"), "{got}");
    }

    // REST on any node reaches a user on any other.
    let (status, r) = app
        .rest(
            &c,
            3,
            reqwest::Method::POST,
            "/messages/users",
            json!({"from": "admin", "to": ["alice"], "type": "txt", "body": {"msg": "from rest"}}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let got = alice
        .push_where("the REST message", |p| {
            is_message(p) && p["msg"]["body"]["msg"] == json!("from rest")
        })
        .await;
    assert_eq!(got["msg"]["from"], json!("admin"));
    let (status, r) = app
        .rest(&c, 1, reqwest::Method::GET, "/users/carol", json!(null))
        .await;
    assert_eq!(status, 200, "{r}");

    // Every node took part: each served shards and sent to the others,
    // and the writes went to the shard logs.
    let mut rounds = 0;
    for id in 1..=3 {
        let s = c.status(id).await.expect("status");
        assert!(
            !s["serving"].as_array().unwrap().is_empty(),
            "node {id}: {s}"
        );
        assert!(
            s["transport"]["sent"].as_u64().unwrap() > 0,
            "node {id}: {s}"
        );
        assert_eq!(s["log"]["failed_rounds"], json!(0), "node {id}: {s}");
        rounds += s["log"]["rounds"].as_u64().unwrap();
    }
    assert!(rounds > 0);
}

#[tokio::test]
async fn an_app_setting_changed_on_one_node_applies_on_every_node() {
    let c = started(2).await;
    let app = App::create(&c, &["alice", "bob"]).await;
    let alice = app.login(&c, 2, "alice").await;
    // Node 2 caches the app's record (and its empty word list) here.
    let r = alice
        .send_text("bob", "a Forbidden thing", None)
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");

    // The App entity changes on whichever node owns it; every node's cache
    // of the record is dropped by the bus message, so node 2 screens the
    // next sends with the new list.
    let (status, r) = app
        .rest(
            &c,
            1,
            reqwest::Method::PUT,
            "/settings",
            json!({"sensitive_words": "refuse"}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = app
        .rest(
            &c,
            1,
            reqwest::Method::POST,
            "/sensitive_words",
            json!({"words": ["Forbidden"]}),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let refused = crate::common::eventually(WAIT_BUS, "node 2 to refuse the word", || {
        let alice = &alice;
        async move {
            let r = alice
                .send_text("bob", "a Forbidden thing", None)
                .await
                .ok()?;
            (r["ok"] == json!(false)).then_some(r)
        }
    })
    .await;
    assert_ne!(crate::common::code(&refused), 0, "{refused}");
}

/// How long a cache invalidation may take to cross the cluster.
const WAIT_BUS: Duration = Duration::from_secs(10);
