//! One-sided deletion over REST (H1, H2, H5): only the named user's copies
//! go; the conversation leaves the list until a newer message comes;
//! `delete_roam` and "up to a time" clear the history, the peer keeps its
//! own.

use super::*;
use crate::common::rest;

#[tokio::test]
async fn deleting_conversations_and_messages_touches_one_side_only() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let base = s.base();
    let token = s.app_token().await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(send(&alice, "single", "bob", &format!("m{i}")).await);
        s.clock.advance(std::time::Duration::from_millis(10));
    }
    send(&s.login("carol", None).await, "single", "bob", "hi").await;
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let (http, base, token) = (s.http().clone(), base.clone(), token.clone());
        async move { rest(&http, &base, &token, method, &path, body).await }
    };

    // H2: two messages gone from bob's history, alice keeps all six.
    let (status, r) = call(
        reqwest::Method::DELETE,
        format!(
            "/rest/message/roaming/chat/user/bob?userId=alice&msgIdList={},{}&isNotify=false",
            ids[1], ids[2]
        ),
        None,
    )
    .await;
    assert_eq!(
        (status, r["requestStatusCode"].clone()),
        (200, json!("ok")),
        "{r}"
    );
    let texts = |h: Vec<Value>| {
        h.iter()
            .map(|m| m["body"]["msg"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        texts(whole_history(&bob, "single", "alice", 10).await),
        ["m0", "m3", "m4", "m5"]
    );
    assert_eq!(whole_history(&alice, "single", "bob", 10).await.len(), 6);

    // H5: up to m3's time.
    let m3_ts = whole_history(&alice, "single", "bob", 10).await[3]["ts"]
        .as_i64()
        .unwrap();
    let (status, r) = call(
        reqwest::Method::POST,
        format!("/rest/message/roaming/chat/user/bob/time?userId=alice&delTime={m3_ts}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        texts(whole_history(&bob, "single", "alice", 10).await),
        ["m4", "m5"]
    );
    let list = all_conversations(&bob, 10).await;
    assert_eq!(conversation(&list, "alice")["unread"], json!(2));

    // H1 without delete_roam: gone from the list, history kept.
    let (status, r) = call(
        reqwest::Method::DELETE,
        "/users/bob/user_channel".into(),
        Some(json!({"channel": "alice", "type": "chat", "delete_roam": false})),
    )
    .await;
    assert_eq!(
        (status, r["data"]["result"].clone()),
        (200, json!("ok")),
        "{r}"
    );
    let list = all_conversations(&bob, 10).await;
    assert!(list.iter().all(|c| c["with"] != json!("alice")), "{list:?}");
    assert_eq!(whole_history(&bob, "single", "alice", 10).await.len(), 2);
    // A newer message brings it back, with only itself unread.
    let m6 = send(&alice, "single", "bob", "m6").await;
    let list = all_conversations(&bob, 10).await;
    let c = conversation(&list, "alice");
    assert_eq!(
        (c["unread"].clone(), c["last"]["msg_id"].clone()),
        (json!(1), json!(m6))
    );

    // H1 with delete_roam: the history goes too; alice still has hers.
    let (status, _) = call(
        reqwest::Method::DELETE,
        "/users/bob/user_channel".into(),
        Some(json!({"channel": "alice", "type": "chat", "delete_roam": true})),
    )
    .await;
    assert_eq!(status, 200);
    assert!(whole_history(&bob, "single", "alice", 10).await.is_empty());
    assert_eq!(whole_history(&alice, "single", "bob", 10).await.len(), 7);
    // The purge ran: sync no longer has them either.
    crate::common::eventually(crate::common::WAIT, "the purge", || {
        let bob = &bob;
        async move {
            let (msgs, _) = bob.sync_all(0).await.ok()?;
            msgs.iter()
                .all(|m| m["from"] != json!("alice"))
                .then_some(())
        }
    })
    .await;
    let list = all_conversations(&bob, 10).await;
    assert_eq!(list.len(), 1, "only carol's is left: {list:?}");

    // Bad calls.
    let (status, r) = call(
        reqwest::Method::DELETE,
        "/users/bob/user_channel".into(),
        Some(json!({"type": "chat", "delete_roam": true})),
    )
    .await;
    assert_eq!(
        (status, r["error_description"].clone()),
        (400, json!("field channel cannot be null or empty"))
    );
    let many: Vec<String> = (1..=51).map(|i| i.to_string()).collect();
    let (status, r) = call(
        reqwest::Method::DELETE,
        format!(
            "/rest/message/roaming/chat/user/bob?userId=alice&msgIdList={}",
            many.join(",")
        ),
        None,
    )
    .await;
    assert_eq!(
        (status, r["error_description"].clone()),
        (400, json!("delete msg list limit can not greater than 50")),
        "{r}"
    );
}

#[tokio::test]
async fn group_messages_deleted_by_id_or_up_to_a_time_and_everything_deleted_touch_one_member() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let (base, token) = (s.base(), s.app_token().await);
    let call = |method: reqwest::Method, path: String| {
        let (http, base, token) = (s.http().clone(), base.clone(), token.clone());
        async move { rest(&http, &base, &token, method, &path, None).await }
    };
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let g = group(&s, "alice", &["bob", "carol"]).await;
    for i in 0..4 {
        send(&alice, "group", &g, &format!("g{i}")).await;
        s.clock.advance(std::time::Duration::from_millis(10));
    }
    send(&alice, "single", "bob", "direct").await;
    let texts = |h: Vec<Value>| {
        h.iter()
            .map(|m| m["body"]["msg"].as_str().unwrap_or("").to_string())
            .collect::<Vec<_>>()
    };
    let g1_ts = whole_history(&bob, "group", &g, 10).await[1]["ts"]
        .as_i64()
        .unwrap();

    // H3: g2 leaves bob's history of the group (pages topped up past it);
    // the other members keep it.
    let g_ids: Vec<String> = whole_history(&bob, "group", &g, 10)
        .await
        .iter()
        .map(|m| m["msg_id"].as_str().unwrap().to_string())
        .collect();
    let (status, r) = call(
        reqwest::Method::DELETE,
        format!(
            "/rest/message/roaming/group/user/bob?groupId={g}&msgIdList={}",
            g_ids[2]
        ),
    )
    .await;
    assert_eq!(
        (status, r["requestStatusCode"].clone()),
        (200, json!("ok")),
        "{r}"
    );
    assert_eq!(
        texts(whole_history(&bob, "group", &g, 1).await),
        ["g0", "g1", "g3"]
    );
    assert_eq!(
        texts(whole_history(&bob, "group", &g, 2).await),
        ["g0", "g1", "g3"]
    );
    assert_eq!(whole_history(&alice, "group", &g, 10).await.len(), 4);

    // H6: bob's history of the group starts after g1; alice's is whole.
    for method in [reqwest::Method::DELETE, reqwest::Method::POST] {
        let (status, r) = call(
            method,
            format!("/rest/message/roaming/group/user/bob/time?groupId={g}&delTime={g1_ts}"),
        )
        .await;
        assert_eq!(
            (status, r["requestStatusCode"].clone()),
            (200, json!("ok")),
            "{r}"
        );
    }
    // g2, hidden by H3, stays hidden.
    assert_eq!(texts(whole_history(&bob, "group", &g, 1).await), ["g3"]);
    assert_eq!(whole_history(&alice, "group", &g, 10).await.len(), 4);
    let (status, _) = call(
        reqwest::Method::DELETE,
        "/rest/message/roaming/group/user/bob/time?delTime=1".into(),
    )
    .await;
    assert_eq!(status, 400, "groupId is required");

    // H4: every conversation of bob goes, with its history; the others
    // keep theirs, and a newer message brings a conversation back.
    let (status, r) = call(
        reqwest::Method::POST,
        "/rest/message/roaming/user/bob/delete/all".into(),
    )
    .await;
    assert_eq!(
        (status, r["requestStatusCode"].clone()),
        (200, json!("ok")),
        "{r}"
    );
    assert!(all_conversations(&bob, 10).await.is_empty());
    assert!(whole_history(&bob, "group", &g, 10).await.is_empty());
    assert!(whole_history(&bob, "single", "alice", 10).await.is_empty());
    assert_eq!(whole_history(&alice, "single", "bob", 10).await.len(), 1);
    let carol = s.login("carol", None).await;
    assert_eq!(whole_history(&carol, "group", &g, 10).await.len(), 4);
    send(&alice, "group", &g, "after").await;
    assert_eq!(texts(whole_history(&bob, "group", &g, 10).await), ["after"]);
    let list = all_conversations(&bob, 10).await;
    assert_eq!(list.len(), 1, "{list:?}");
}
