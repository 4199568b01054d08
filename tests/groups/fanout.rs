//! One stored copy per group message, fanned out per shard; sync from the
//! join seq; a removed member stops receiving.

use super::*;

#[tokio::test]
async fn a_message_reaches_200_online_members_in_order_and_300_by_sync() {
    let names: Vec<String> = (0..500).map(|i| format!("u{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = Ctx::start(&refs).await;
    let id = create_group(
        c.s.http(),
        &c.base,
        &c.token,
        "u000",
        &names[1..],
        json!({}),
    )
    .await;

    let online = join_all(names[..200].iter().map(|n| c.s.login(n, None))).await;
    let metrics = c.s.node.runtime.clone();
    let before = metrics.fanout_batches.load(Ordering::Relaxed);
    for i in 0..5 {
        let r = online[0]
            .send_group_text(&id, &format!("m{i}"))
            .await
            .unwrap();
        assert_eq!(r["ok"], json!(true), "{r}");
        assert_eq!(r["seq"], json!(i + 1));
    }
    // Every online member but the sending device gets all five, in order.
    let got = join_all(online[1..].iter().map(|c| group_messages(c, 5))).await;
    for msgs in &got {
        assert_eq!(texts(msgs), ["m0", "m1", "m2", "m3", "m4"]);
        let seqs: Vec<u64> = msgs.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        assert_eq!(msgs[0]["chat"], json!("group"));
        assert_eq!(msgs[0]["to"], json!(id));
    }
    // One notice per shard holding members, not one per member.
    let shards: HashSet<u32> = names
        .iter()
        .map(|n| {
            c.s.node
                .router
                .shard_of(&EntityKey::new(APPKEY, EntityKind::User, n.as_str()))
        })
        .collect();
    let expected = 5 * shards.len() as u64;
    let batches = eventually(WAIT, "fan-out batches", || {
        let m = metrics.clone();
        async move {
            let n = m.fanout_batches.load(Ordering::Relaxed) - before;
            (n >= expected).then_some(n)
        }
    })
    .await;
    assert_eq!(
        batches,
        expected,
        "batches per message == shards holding members ({})",
        shards.len()
    );

    // The 300 offline members find the five by sync when they connect.
    let late = join_all(names[200..].iter().map(|n| c.s.login(n, None))).await;
    let synced = join_all(late.iter().map(|c| c.sync_streams(json!({})))).await;
    for r in synced {
        let (msgs, cursors) = r.unwrap();
        assert_eq!(texts(&msgs), ["m0", "m1", "m2", "m3", "m4"]);
        assert_eq!(cursors[format!("group:{id}")], json!(5));
    }
}

#[tokio::test]
async fn a_later_member_sees_only_newer_messages_and_a_removed_one_stops_receiving() {
    let c = Ctx::start(&["alice", "bob", "carol"]).await;
    let id = c.group("alice", &["bob"], json!({})).await;
    let alice = c.s.login("alice", None).await;
    let bob = c.s.login("bob", None).await;
    assert_eq!(
        alice.send_group_text(&id, "before carol").await.unwrap()["ok"],
        json!(true)
    );
    assert_eq!(texts(&group_messages(&bob, 1).await), ["before carol"]);

    let (status, r) = c
        .call(
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/users/carol"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let joined = push_where(&bob, "member_joined", |p| p["push"] == json!("event")).await;
    assert_eq!(
        joined,
        json!({"push": "event", "kind": "member_joined", "group": id, "user": "carol"})
    );
    let carol = c.s.login("carol", None).await;
    // Neither the default sync nor an explicit cursor 0 reaches before the join.
    let (msgs, _) = carol.sync_streams(json!({})).await.unwrap();
    assert!(msgs.is_empty(), "{msgs:?}");
    let (msgs, cursors) = carol
        .sync_streams(json!({format!("group:{id}"): 0}))
        .await
        .unwrap();
    assert!(msgs.is_empty(), "{msgs:?}");
    assert_eq!(cursors[format!("group:{id}")], json!(1));
    alice.send_group_text(&id, "after carol").await.unwrap();
    assert_eq!(texts(&group_messages(&carol, 1).await), ["after carol"]);
    let (msgs, _) = carol.sync_streams(json!({})).await.unwrap();
    assert_eq!(texts(&msgs), ["after carol"]);

    // Bob is removed: he hears it, then nothing more from the group.
    let (status, r) = c
        .call(
            reqwest::Method::DELETE,
            &format!("/chatgroups/{id}/users/bob"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(texts(&group_messages(&bob, 1).await), ["after carol"]);
    let removed = push_where(&bob, "member_removed", |p| p["push"] == json!("event")).await;
    assert_eq!(removed["kind"], json!("member_removed"));
    assert_eq!(removed["user"], json!("bob"));
    alice.send_group_text(&id, "without bob").await.unwrap();
    assert_eq!(texts(&group_messages(&carol, 1).await), ["without bob"]);
    // A 1:1 marker sent after the group message: bob's next message push
    // is the marker, so the group message never came.
    alice.send_text("bob", "marker", None).await.unwrap();
    let next = push_where(&bob, "the marker", |p| p["push"] == json!("message")).await;
    assert_eq!(next["msg"]["body"]["msg"], json!("marker"));
    let r = bob
        .request("sync", json!({"cursors": {format!("group:{id}"): 0}}))
        .await
        .unwrap();
    assert_eq!(code(&r), 602, "{r}");
    let r = bob.send_group_text(&id, "let me in").await.unwrap();
    assert_eq!(code(&r), 602, "{r}");
}
