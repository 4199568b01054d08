//! The conversation list (newest activity first, paged), unread counts the
//! same on every device of the user, read marks lowering them everywhere,
//! and `read` / `delivered` receipts reaching the sender's devices.

use super::*;
use crate::common::code;

#[tokio::test]
async fn unread_counts_fall_on_every_device_and_receipts_reach_the_sender() {
    let s = server(&["alice", "bob", "carol"]).await;
    let alice = s.login("alice", Some("a1")).await;
    let alice2 = s.login("alice", Some("a2")).await;
    let phone = s.login("bob", Some("phone")).await;
    let m1 = send(&alice, "single", "bob", "one").await;
    let m2 = send(&alice, "single", "bob", "two").await;
    let m3 = send(&alice, "single", "bob", "three").await;
    let carol = s.login("carol", None).await;
    send(&carol, "single", "bob", "hi from carol").await;

    // A device that was offline sees the same list and counts.
    let tablet = s.login("bob", Some("tablet")).await;
    for dev in [&phone, &tablet] {
        let list = all_conversations(dev, 50).await;
        assert_eq!(list.len(), 2);
        assert_eq!(
            list[0]["with"],
            json!("carol"),
            "newest activity first: {list:?}"
        );
        assert_eq!(list[0]["unread"], json!(1));
        assert_eq!(list[1]["with"], json!("alice"));
        assert_eq!(list[1]["unread"], json!(3));
        assert_eq!(list[1]["last"]["msg_id"], json!(m3));
        assert_eq!(list[1]["last"]["body"]["msg"], json!("three"));
        assert_eq!(list[1]["chat"], json!("single"));
    }

    // Delivered: the sender's devices hear of it.
    ok(
        &phone,
        "delivered",
        json!({"chat": "single", "to": "alice", "msg_id": m3}),
    )
    .await;
    for dev in [&alice, &alice2] {
        let r = receipt(dev).await;
        assert_eq!(r["kind"], json!("delivered"), "{r}");
        assert_eq!(r["msg_id"], json!(m3));
        assert_eq!(r["from"], json!("bob"));
        assert_eq!(r["to"], json!("alice"));
        assert_eq!(r["chat"], json!("single"));
    }

    // Read up to the second: one left unread, on both of bob's devices.
    ok(
        &phone,
        "read",
        json!({"chat": "single", "to": "alice", "msg_id": m2}),
    )
    .await;
    for dev in [&alice, &alice2] {
        let r = receipt(dev).await;
        assert_eq!(
            (r["kind"].clone(), r["msg_id"].clone()),
            (json!("read"), json!(m2)),
            "{r}"
        );
    }
    let r = receipt(&tablet).await;
    assert_eq!(
        (r["kind"].clone(), r["to"].clone()),
        (json!("read"), json!("alice")),
        "bob's other device is told: {r}"
    );
    for dev in [&phone, &tablet] {
        let list = all_conversations(dev, 50).await;
        assert_eq!(conversation(&list, "alice")["unread"], json!(1));
        assert_eq!(conversation(&list, "carol")["unread"], json!(1));
    }
    // Read everything: none left; the receipt names the newest.
    ok(&tablet, "read", json!({"chat": "single", "to": "alice"})).await;
    let r = receipt(&alice).await;
    assert_eq!(r["msg_id"], json!(m3), "{r}");
    let list = all_conversations(&phone, 50).await;
    assert_eq!(conversation(&list, "alice")["unread"], json!(0));

    // The sender's view: its own messages are read, the peer's marks kept.
    let list = all_conversations(&alice2, 50).await;
    let bob = conversation(&list, "bob");
    assert_eq!(bob["unread"], json!(0));
    assert_eq!(bob["peer_read"], json!(m3));
    assert_eq!(bob["peer_delivered"], json!(m3));
    let _ = m1;

    // A reply marks the conversation read for the one who replies.
    send(&carol, "single", "bob", "again").await;
    send(&phone, "single", "carol", "answer").await;
    let list = all_conversations(&tablet, 50).await;
    assert_eq!(conversation(&list, "carol")["unread"], json!(0));
    assert_eq!(list[0]["with"], json!("carol"));
}

#[tokio::test]
async fn the_list_pages_by_cursor_without_gaps() {
    let peers: Vec<String> = (0..25).map(|i| format!("p{i:02}")).collect();
    let mut users: Vec<&str> = peers.iter().map(String::as_str).collect();
    users.push("hub");
    let s = server(&users).await;
    let hub = s.login("hub", None).await;
    for p in &peers {
        send(&hub, "single", p, "hello").await;
    }
    let list = all_conversations(&hub, 7).await;
    let withs: Vec<&str> = list.iter().map(|c| c["with"].as_str().unwrap()).collect();
    let expected: Vec<&str> = peers.iter().rev().map(String::as_str).collect();
    assert_eq!(withs, expected, "newest first, each once");
    let bad = hub
        .request("conversations", json!({"cursor": "nope"}))
        .await
        .unwrap();
    assert_eq!(code(&bad), 205);
}

#[tokio::test]
async fn group_unread_counts_the_others_countable_messages_since_the_mark() {
    let s = server(&["alice", "bob"]).await;
    let id = group(&s, "alice", &["bob"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", Some("phone")).await;
    send(&alice, "group", &id, "g1").await;
    let g2 = send(&alice, "group", &id, "g2").await;
    ok(
        &alice,
        "send",
        json!({"chat": "group", "to": id, "body": {"type": "cmd", "action": "typing"}}),
    )
    .await;
    let g3 = send(&alice, "group", &id, "g3").await;

    let tablet = s.login("bob", Some("tablet")).await;
    let list = all_conversations(&tablet, 50).await;
    let g = conversation(&list, &id);
    assert_eq!(g["chat"], json!("group"));
    assert_eq!(g["unread"], json!(3), "cmd messages do not count: {g}");
    assert_eq!(g["last"]["msg_id"], json!(g3));
    let mine = all_conversations(&alice, 50).await;
    assert_eq!(
        conversation(&mine, &id)["unread"],
        json!(0),
        "one's own messages are read"
    );

    ok(
        &bob,
        "read",
        json!({"chat": "group", "to": id, "msg_id": g2}),
    )
    .await;
    let r = receipt(&tablet).await;
    assert_eq!(
        (r["chat"].clone(), r["msg_id"].clone()),
        (json!("group"), json!(g2)),
        "{r}"
    );
    let list = all_conversations(&tablet, 50).await;
    assert_eq!(conversation(&list, &id)["unread"], json!(1));
    ok(&tablet, "read", json!({"chat": "group", "to": id})).await;
    let list = all_conversations(&bob, 50).await;
    assert_eq!(conversation(&list, &id)["unread"], json!(0));

    // Bad receipts get their codes.
    let r = bob
        .request(
            "delivered",
            json!({"chat": "group", "to": id, "msg_id": g3}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 205, "{r}");
    let r = bob
        .request(
            "read",
            json!({"chat": "single", "to": "alice", "msg_id": "77"}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 506, "{r}");
    let r = bob
        .request("read", json!({"chat": "chatroom", "to": "r1"}))
        .await
        .unwrap();
    assert_eq!(code(&r), 205, "{r}");
}

#[tokio::test]
async fn group_read_counts_add_up_and_reach_the_sender() {
    let s = server(&["alice", "bob", "carol", "dave"]).await;
    let id = group(&s, "alice", &["bob", "carol", "dave"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let carol = s.login("carol", None).await;
    let dave = s.login("dave", None).await;
    let acked = |text: &str| json!({"chat": "group", "to": id, "body": {"type": "txt", "msg": text}, "need_group_ack": true});
    let m1 = ok(&alice, "send", acked("one")).await["msg_id"]
        .as_str()
        .unwrap()
        .to_string();
    let m2 = send(&alice, "group", &id, "two, no receipts").await;
    let m3 = ok(&alice, "send", acked("three")).await["msg_id"]
        .as_str()
        .unwrap()
        .to_string();
    let count = |m: String| {
        let alice = &alice;
        let id = id.clone();
        async move {
            ok(alice, "group_read_count", json!({"group": id, "msg_id": m})).await["count"].clone()
        }
    };
    assert_eq!(count(m1.clone()).await, json!(0));

    // Bob reads everything: receipts for the two acked messages.
    ok(&bob, "read", json!({"chat": "group", "to": id})).await;
    let mut got = Vec::new();
    for _ in 0..2 {
        let r = receipt(&alice).await;
        assert_eq!(
            (
                r["kind"].clone(),
                r["chat"].clone(),
                r["from"].clone(),
                r["to"].clone()
            ),
            (json!("read"), json!("group"), json!("bob"), json!(id)),
            "{r}"
        );
        got.push(r["msg_id"].as_str().unwrap().to_string());
    }
    assert_eq!(got, [m1.clone(), m3.clone()]);
    // Carol up to the first; Dave everything, twice (counted once).
    ok(
        &carol,
        "read",
        json!({"chat": "group", "to": id, "msg_id": m1}),
    )
    .await;
    ok(&dave, "read", json!({"chat": "group", "to": id})).await;
    ok(
        &dave,
        "read",
        json!({"chat": "group", "to": id, "msg_id": m3}),
    )
    .await;
    assert_eq!(count(m1.clone()).await, json!(3));
    assert_eq!(count(m3.clone()).await, json!(2));
    // Carol reads the rest: three each.
    ok(&carol, "read", json!({"chat": "group", "to": id})).await;
    assert_eq!(count(m3.clone()).await, json!(3));

    let r = alice
        .request("group_read_count", json!({"group": id, "msg_id": m2}))
        .await
        .unwrap();
    assert_eq!(code(&r), 205, "not sent with need_group_ack: {r}");
    let r = dave
        .request("group_read_count", json!({"group": id, "msg_id": m1}))
        .await
        .unwrap();
    assert_eq!(code(&r), 603, "a member other than the sender: {r}");
}
