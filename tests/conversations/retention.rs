//! The retention sweep deletes what is past the app's `retention_days`
//! and nothing else: old 1:1 and group messages go from `sync`,
//! `history`, `conversations` and the export, newer ones stay, and a
//! stream's seqs go on from where they were (the clock is moved, not
//! waited for). Crash and live traffic: `tests/retention_crash.rs`.

use super::*;
use crate::common::rest;
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

fn ids(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .map(|m| m["msg_id"].as_str().expect("msg_id").to_string())
        .collect()
}

#[tokio::test]
async fn the_sweep_deletes_what_is_past_retention_and_nothing_else() {
    let s = TestServer::start_manual(|c| {
        c.app_defaults.retention_days = 1;
        c.retention.sweep_interval_secs = 0;
        c.retention.step_budget = 3;
    })
    .await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let alice = s.login("alice", None).await;
    let g = group(&s, "alice", &["bob"]).await;
    let mut old = Vec::new();
    for i in 0..7 {
        old.push(send(&alice, "single", "bob", &format!("old {i}")).await);
        old.push(send(&alice, "group", &g, &format!("old group {i}")).await);
    }
    // A conversation that is all old, and one that keeps a newer message.
    send(&alice, "single", "carol", "old to carol").await;
    let old_hour_ms = s.clock.now_ms();
    let (_, bob_head) = s
        .login("bob", Some("first"))
        .await
        .sync_all(0)
        .await
        .unwrap();

    s.clock.advance(DAY + Duration::from_secs(60));
    let fresh = vec![
        send(&alice, "single", "bob", "fresh").await,
        send(&alice, "group", &g, "fresh group").await,
    ];
    let swept = imcloud::retention::sweep(&s.node).await.unwrap();
    // alice's copies and bob's of 7 + carol's and alice's of 1, and the
    // group's 7 once; the archive: 7 + 7 + 1.
    assert_eq!(swept.timeline, 7 * 2 + 2 + 7);
    assert_eq!(swept.archive, 15);
    // A second sweep finds nothing more.
    assert_eq!(
        imcloud::retention::sweep(&s.node).await.unwrap(),
        imcloud::retention::Swept::default()
    );

    let bob = s.login("bob", Some("second")).await;
    let (synced, cursor) = bob.sync_streams(json!({"user": 0})).await.unwrap();
    assert_eq!(ids(&synced), fresh, "sync holds only the fresh messages");
    assert!(cursor["user"].as_u64().unwrap() > bob_head);
    for (chat, with) in [("single", "alice"), ("group", g.as_str())] {
        let h = whole_history(&bob, chat, with, 5).await;
        assert_eq!(h.len(), 1, "{chat} history: {h:?}");
        assert!(fresh.contains(&h[0]["msg_id"].as_str().unwrap().to_string()));
    }
    let convs = all_conversations(&alice, 10).await;
    let with: Vec<&str> = convs.iter().map(|c| c["with"].as_str().unwrap()).collect();
    assert!(
        !with.contains(&"carol"),
        "an all-old conversation is gone: {with:?}"
    );
    assert!(with.contains(&"bob"));

    // The stream goes on from its seq: bob's next message is numbered
    // after everything it ever held.
    send(&alice, "single", "bob", "next").await;
    let (next, _) = bob.sync_streams(cursor.clone()).await.unwrap();
    assert_eq!(next.len(), 1, "{next:?}");
    assert!(next[0]["seq"].as_u64().unwrap() > bob_head + 1);

    // The old hour's export is empty now; the fresh one is not.
    let token = s.app_token().await;
    let get = |h: String| {
        let token = token.clone();
        let (http, base) = (s.http().clone(), s.base());
        async move {
            rest(
                &http,
                &base,
                &token,
                reqwest::Method::GET,
                &format!("/chatmessages/{h}"),
                None,
            )
            .await
            .0
        }
    };
    assert_eq!(get(crate::common::hour_of(old_hour_ms)).await, 404);
    assert_eq!(get(crate::common::hour_of(s.clock.now_ms())).await, 200);
}

#[tokio::test]
async fn an_app_that_keeps_forever_is_not_swept() {
    let s = TestServer::start_manual(|c| {
        c.app_defaults.retention_days = 0;
        c.retention.sweep_interval_secs = 0;
    })
    .await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    send(&alice, "single", "bob", "kept").await;
    s.clock.advance(DAY * 400);
    let swept = imcloud::retention::sweep(&s.node).await.unwrap();
    assert_eq!(swept, imcloud::retention::Swept::default());
    let (synced, _) = s.login("bob", None).await.sync_all(0).await.unwrap();
    assert_eq!(synced.len(), 1);
}
