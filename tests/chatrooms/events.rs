//! A room's events about persisted changes leave only after the change is
//! on disk: with flushes held, a device hears nothing of a mute or an
//! announcement, while a room message (not stored, not waiting for any
//! flush) sent after them still reaches it, which is the barrier; once the
//! flushes go on, the events follow.

use super::*;

#[tokio::test]
async fn no_event_about_a_persisted_change_reaches_a_device_before_its_flush() {
    let s = TestServer::start().await;
    s.create_users(&["owner", "m"]).await;
    let room = create_room(&s, "owner", 10).await;
    let owner = s.login("owner", None).await;
    let m = s.login("m", None).await;
    for dev in [&owner, &m] {
        assert_eq!(join(dev, &room).await["ok"], json!(true));
    }

    s.node.runtime.hold_flushes.store(true, Ordering::SeqCst);
    // In this order on the owner's socket: two persisted changes, then a
    // room message. The room handles them in that order (the changes go
    // straight to it; the message through the owner's entity first).
    owner
        .send_frame(
            &json!({"id": "mute", "op": "chatroom_mute", "chatroom": room,
            "users": ["m"], "duration": 60000}),
        )
        .await
        .unwrap();
    owner
        .send_frame(
            &json!({"id": "ann", "op": "chatroom_announce", "chatroom": room,
            "text": "held"}),
        )
        .await
        .unwrap();
    owner
        .send_frame(
            &json!({"id": "msg", "op": "send", "chat": "chatroom", "to": room,
            "body": {"type": "txt", "msg": "after the changes"}}),
        )
        .await
        .unwrap();
    // The barrier: the message's push is m's first; no event came before.
    let first = m.next_push(WAIT).await.expect("the room message");
    assert_eq!(
        (&first["push"], &first["msg"]["body"]["msg"]),
        (&json!("message"), &json!("after the changes")),
        "an event overtook its flush: {first}"
    );

    s.node.runtime.hold_flushes.store(false, Ordering::SeqCst);
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let p = m.next_push(WAIT).await.expect("the events after the flush");
        if p["push"] == json!("event") {
            kinds.push(p["kind"].clone());
        }
    }
    assert_eq!(kinds, vec![json!("muted"), json!("announcement")]);
}
