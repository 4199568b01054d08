//! Overload: with the node's chatroom fan-out held (as if it could not keep
//! up), the queue backs up; low-priority messages are refused first, then
//! normal, then high, each shed counted in `/metrics`; what was accepted is
//! delivered in order once the queue drains.

use super::*;

#[tokio::test]
async fn under_overload_low_is_shed_first_then_normal_then_high() {
    let s = TestServer::start_with(|c| {
        // Two devices present: every message queues two deliveries.
        c.limits.chatroom_shed_low = 4;
        c.limits.chatroom_shed_normal = 8;
        c.limits.chatroom_shed_all = 12;
    })
    .await;
    s.create_users(&["owner", "tx", "rx"]).await;
    let room = create_room(&s, "owner", 100).await;
    let tx = s.login("tx", None).await;
    let rx = s.login("rx", None).await;
    join(&tx, &room).await;
    join(&rx, &room).await;
    fanout_drained(&s).await;

    s.node.env.rooms.hold(true);
    let mut outcomes = Vec::new();
    for (text, priority) in [
        ("l1", "low"),    // queue 0 -> 2
        ("l2", "low"),    // 2 -> 4
        ("l3", "low"),    // 4 + 2 > 4: shed
        ("n1", "normal"), // 4 -> 6
        ("l4", "low"),    // still shed while normal gets in
        ("n2", "normal"), // 6 -> 8
        ("n3", "normal"), // 8 + 2 > 8: shed
        ("h1", "high"),   // 8 -> 10
        ("h2", "high"),   // 10 -> 12
        ("h3", "high"),   // 12 + 2 > 12: shed
    ] {
        let r = send(&tx, &room, text, priority).await;
        outcomes.push((text, r["ok"] == json!(true), code(&r)));
    }
    assert_eq!(
        outcomes,
        [
            ("l1", true, 0),
            ("l2", true, 0),
            ("l3", false, 707),
            ("n1", true, 0),
            ("l4", false, 707),
            ("n2", true, 0),
            ("n3", false, 707),
            ("h1", true, 0),
            ("h2", true, 0),
            ("h3", false, 707),
        ]
    );
    let stats = &s.node.env.rooms.stats;
    assert_eq!(
        [
            stats.shed_low.load(Ordering::Relaxed),
            stats.shed_normal.load(Ordering::Relaxed),
            stats.shed_high.load(Ordering::Relaxed),
        ],
        [2, 1, 1]
    );
    let text = s
        .http()
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "imcloud_chatroom_shed_total{priority=\"low\"} 2",
        "imcloud_chatroom_shed_total{priority=\"normal\"} 1",
        "imcloud_chatroom_shed_total{priority=\"high\"} 1",
        "imcloud_chatroom_pending_deliveries 12",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }

    // Released, the accepted messages arrive in order.
    s.node.env.rooms.hold(false);
    let mut got = Vec::new();
    for _ in 0..6 {
        got.push(next_room_message(&rx).await["body"]["msg"].clone());
    }
    assert_eq!(
        got,
        json!(["l1", "l2", "n1", "n2", "h1", "h2"])
            .as_array()
            .unwrap()
            .clone()
    );
    fanout_drained(&s).await;
}
