//! Presence-only delivery: joined devices receive, others never; a device
//! that leaves or disconnects stops receiving; joiners get the recent
//! history; a full room refuses the next join.

use super::*;
use futures_util::future::join_all;

#[tokio::test]
async fn only_present_members_receive_and_a_disconnect_stops_delivery() {
    let s = TestServer::start().await;
    s.create_users(&["owner", "a", "b", "c", "d"]).await;
    let room = create_room(&s, "owner", 100).await;
    let a = s.login("a", None).await;
    let b = s.login("b", None).await;
    let c = s.login("c", None).await;
    for dev in [&a, &b] {
        let r = join(dev, &room).await;
        assert_eq!(r["ok"], json!(true), "{r}");
        assert_eq!(r["messages"], json!([]));
    }

    let r = send(&a, &room, "m1", "normal").await;
    assert_eq!(r["ok"], json!(true), "{r}");
    assert_eq!(r["seq"], json!(1));
    let m = next_room_message(&b).await;
    assert_eq!(
        (&m["chat"], &m["from"], &m["to"], &m["body"]["msg"]),
        (&json!("chatroom"), &json!("a"), &json!(room), &json!("m1"))
    );
    fanout_drained(&s).await;
    // One delivery: b. Not the sending device, not c, who never joined.
    assert_eq!(deliveries(&s), 1);

    // b disconnects: its socket's close takes it out of the room.
    b.close().await.expect("close sent");
    eventually(WAIT, "b left on disconnect", || {
        let s = &s;
        let room = room.clone();
        async move { (!members(s, &room).await.contains(&"b".to_string())).then_some(()) }
    })
    .await;
    let d = s.login("d", None).await;
    join(&d, &room).await;
    let r = send(&a, &room, "m2", "normal").await;
    assert_eq!(r["ok"], json!(true), "{r}");
    assert_eq!(next_room_message(&d).await["body"]["msg"], json!("m2"));
    fanout_drained(&s).await;
    assert_eq!(deliveries(&s), 2, "m2 went to d only");

    // d leaves explicitly; c joins; m3 reaches c only.
    let r = d
        .request("leave", json!({ "chatroom": room }))
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    let r = join(&c, &room).await;
    let history: Vec<&Value> = r["messages"].as_array().unwrap().iter().collect();
    assert_eq!(history.len(), 2, "{r}");
    send(&a, &room, "m3", "normal").await;
    assert_eq!(next_room_message(&c).await["body"]["msg"], json!("m3"));
    fanout_drained(&s).await;
    assert_eq!(deliveries(&s), 3, "m3 went to c only");
    assert_eq!(members(&s, &room).await, ["owner", "a", "c"]);
}

#[tokio::test]
async fn a_joiner_gets_the_last_ten_messages_oldest_first() {
    let s = TestServer::start().await;
    s.create_users(&["owner", "talker", "late"]).await;
    let room = create_room(&s, "owner", 100).await;
    let talker = s.login("talker", None).await;
    join(&talker, &room).await;
    for i in 0..12 {
        let r = send(&talker, &room, &format!("m{i}"), "normal").await;
        assert_eq!(r["ok"], json!(true), "{r}");
    }
    let late = s.login("late", None).await;
    let r = join(&late, &room).await;
    let texts: Vec<&str> = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"]["msg"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10", "m11"]
    );
    assert_eq!(r["messages"][0]["seq"], json!(3));
}

#[tokio::test]
async fn a_room_at_maxusers_refuses_the_next_join() {
    let s = TestServer::start().await;
    s.create_users(&["owner", "a", "b", "c"]).await;
    // The owner counts: room for two more.
    let room = create_room(&s, "owner", 3).await;
    let devs = join_all(["a", "b", "c"].map(|u| s.login(u, None))).await;
    assert_eq!(join(&devs[0], &room).await["ok"], json!(true));
    assert_eq!(join(&devs[1], &room).await["ok"], json!(true));
    let r = join(&devs[2], &room).await;
    assert_eq!(r["ok"], json!(false), "{r}");
    assert_eq!(code(&r), 704, "{r}");
    // A second device of a present member still gets in.
    let a2 = s.login("a", Some("second")).await;
    assert_eq!(join(&a2, &room).await["ok"], json!(true));
    // A place frees up when a member leaves.
    devs[1]
        .request("leave", json!({ "chatroom": room }))
        .await
        .unwrap();
    let r = join(&devs[2], &room).await;
    assert_eq!(r["ok"], json!(true), "{r}");
}

#[tokio::test]
async fn a_resend_with_the_same_client_msg_id_gets_the_first_ack_and_no_second_push() {
    let s = TestServer::start().await;
    s.create_users(&["owner", "a", "b"]).await;
    let room = create_room(&s, "owner", 100).await;
    let a = s.login("a", None).await;
    let b = s.login("b", None).await;
    join(&a, &room).await;
    join(&b, &room).await;
    let frame = json!({"chat": "chatroom", "to": room, "client_msg_id": "c-1",
        "body": {"type": "txt", "msg": "once"}});
    let first = a.request("send", frame.clone()).await.unwrap();
    let again = a.request("send", frame).await.unwrap();
    assert_eq!(first["ok"], json!(true), "{first}");
    assert_eq!(
        (&again["msg_id"], &again["seq"]),
        (&first["msg_id"], &first["seq"])
    );
    // A new id is a new message.
    let other = a
        .request(
            "send",
            json!({"chat": "chatroom", "to": room, "client_msg_id": "c-2",
                "body": {"type": "txt", "msg": "twice"}}),
        )
        .await
        .unwrap();
    assert_eq!(other["seq"], json!(2), "{other}");
    assert_eq!(next_room_message(&b).await["body"]["msg"], json!("once"));
    assert_eq!(next_room_message(&b).await["body"]["msg"], json!("twice"));
    fanout_drained(&s).await;
    assert_eq!(deliveries(&s), 2, "the resend was not pushed again");
}
