//! `history` reads the server's copy: pages back from the newest (or a
//! msg id) to the first message without a gap or a duplicate, only the
//! conversation asked for, the same on a second device; a group from when
//! the user joined; `cmd` messages are not history.

use super::*;
use crate::common::code;
use futures_util::future::join_all;
use std::collections::HashSet;
use std::sync::Arc;

#[tokio::test]
async fn history_over_10000_messages_pages_back_to_the_first_on_every_device() {
    let s = server(&["alice", "bob", "carol"]).await;
    let alice = Arc::new(s.login("alice", None).await);
    let bob = Arc::new(s.login("bob", Some("phone")).await);
    let carol = s.login("carol", None).await;
    // 10,000 messages both ways, 100 in flight at a time, with another
    // conversation of bob's in between.
    let mut sent: Vec<String> = Vec::new();
    for round in 0..100 {
        let sends = (0..100).map(|i| {
            let (from, to) = if i % 2 == 0 {
                (alice.clone(), "bob")
            } else {
                (bob.clone(), "alice")
            };
            async move { send(&from, "single", to, &format!("m{round}-{i}")).await }
        });
        sent.extend(join_all(sends).await);
        send(&carol, "single", "bob", &format!("other {round}")).await;
    }
    assert_eq!(sent.len(), 10_000);

    let tablet = s.login("bob", Some("tablet")).await;
    let on_phone = whole_history(&bob, "single", "alice", 100).await;
    let on_tablet = whole_history(&tablet, "single", "alice", 100).await;
    let on_alice = whole_history(&alice, "single", "bob", 100).await;
    for (who, h) in [
        ("bob's phone", &on_phone),
        ("bob's tablet", &on_tablet),
        ("alice", &on_alice),
    ] {
        let ids: Vec<&str> = h.iter().filter_map(|m| m["msg_id"].as_str()).collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(ids.len(), 10_000, "{who}: every message once");
        assert_eq!(unique.len(), 10_000, "{who}: no duplicates");
        assert!(
            sent.iter().all(|id| unique.contains(id.as_str())),
            "{who}: no gap"
        );
        let order: Vec<u64> = h
            .iter()
            .map(|m| m["msg_id"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "{who}: in msg id (time) order"
        );
        assert!(
            h.iter().all(|m| m["from"] != json!("carol")),
            "{who}: only this conversation"
        );
    }
    let ids = |h: &[Value]| h.iter().map(|m| m["msg_id"].clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&on_phone),
        ids(&on_tablet),
        "both devices see the same history"
    );
    assert_eq!(
        ids(&on_phone),
        ids(&on_alice),
        "both sides see the conversation in the same order"
    );
    // The carol conversation is its own.
    let other = whole_history(&tablet, "single", "carol", 30).await;
    assert_eq!(other.len(), 100);
    assert_eq!(other[0]["body"]["msg"], json!("other 0"));
}

#[tokio::test]
async fn a_page_before_a_message_is_strictly_older_and_bad_cursors_get_their_codes() {
    let s = server(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let mut ids = Vec::new();
    for i in 0..30 {
        ids.push(send(&alice, "single", "bob", &format!("t{i}")).await);
    }
    let r = ok(&alice, "history", json!({"chat": "single", "with": "bob"})).await;
    let page = r["messages"].as_array().unwrap();
    assert_eq!(page.len(), 20, "the default page is 20");
    assert_eq!(
        page[19]["msg_id"],
        json!(ids[29]),
        "oldest first, ending at the newest"
    );
    assert_eq!(r["more"], json!(true));
    let r = ok(
        &alice,
        "history",
        json!({"chat": "single", "with": "bob", "before": ids[10], "limit": 5}),
    )
    .await;
    let texts: Vec<&str> = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"]["msg"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["t5", "t6", "t7", "t8", "t9"]);
    let r = ok(
        &alice,
        "history",
        json!({"chat": "single", "with": "bob", "before": ids[3], "limit": 5}),
    )
    .await;
    assert_eq!(r["messages"].as_array().unwrap().len(), 3);
    assert_eq!(r["more"], json!(false));

    let bad = alice
        .request(
            "history",
            json!({"chat": "single", "with": "bob", "before": "x"}),
        )
        .await
        .unwrap();
    assert_eq!(code(&bad), 205, "{bad}");
    // A 1:1 `before` is a position: an id older than every message gives
    // an empty last page.
    let oldest = ok(
        &alice,
        "history",
        json!({"chat": "single", "with": "bob", "before": "12345"}),
    )
    .await;
    assert_eq!(oldest["messages"], json!([]));
    assert_eq!(oldest["more"], json!(false));
    let room = alice
        .request("history", json!({"chat": "chatroom", "with": "r1"}))
        .await
        .unwrap();
    assert_eq!(code(&room), 205, "{room}");
}

#[tokio::test]
async fn group_history_starts_at_the_join_and_leaves_out_cmd_messages() {
    let s = server(&["alice", "bob", "carol"]).await;
    let base = s.base();
    let token = s.app_token().await;
    let id = group(&s, "alice", &["bob"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    for i in 0..5 {
        send(&alice, "group", &id, &format!("early {i}")).await;
    }
    ok(
        &alice,
        "send",
        json!({"chat": "group", "to": id, "body": {"type": "cmd", "action": "typing"}}),
    )
    .await;
    let (status, r) = crate::common::rest(
        s.http(),
        &base,
        &token,
        reqwest::Method::POST,
        &format!("/chatgroups/{id}/users/carol"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    for i in 0..3 {
        send(&bob, "group", &id, &format!("late {i}")).await;
    }
    let carol = s.login("carol", None).await;
    let texts = |h: Vec<Value>| -> Vec<String> {
        h.iter()
            .map(|m| m["body"]["msg"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        texts(whole_history(&carol, "group", &id, 2).await),
        ["late 0", "late 1", "late 2"],
        "carol sees only what came after she joined"
    );
    let all = texts(whole_history(&bob, "group", &id, 3).await);
    assert_eq!(all.len(), 8, "no cmd message in history: {all:?}");
    assert_eq!(all[0], "early 0");
    assert_eq!(all[7], "late 2");
    // A group's `before` must be one of its messages.
    let r = bob
        .request(
            "history",
            json!({"chat": "group", "with": id, "before": "12345"}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 506, "{r}");
    // A non-member reads nothing.
    let s2 = s.login("carol", Some("other")).await;
    let (status, _) = crate::common::rest(
        s.http(),
        &base,
        &token,
        reqwest::Method::DELETE,
        &format!("/chatgroups/{id}/users/carol"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let r = s2
        .request("history", json!({"chat": "group", "with": id}))
        .await
        .unwrap();
    assert_eq!(code(&r), 602, "{r}");
}
