//! `GET /presence/online/{group}/type/1` counts a group's members with a
//! device online without waking the others: each shard counts the
//! members it has active, and an offline member's entity stays asleep.

use super::*;
use std::sync::atomic::Ordering;

async fn online(s: &TestServer, group: &str) -> u64 {
    let (status, r) = call(
        s,
        Method::GET,
        &format!("/presence/online/{group}/type/1"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    r["result"].as_u64().expect("a count")
}

#[tokio::test]
async fn a_groups_online_members_are_counted_without_waking_the_others() {
    let s = TestServer::start_with(|c| c.shards.idle_timeout_secs = 1).await;
    let names: Vec<String> = (0..12).map(|i| format!("m{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    s.create_users(&refs).await;
    let token = s.app_token().await;
    let group =
        crate::groups::create_group(s.http(), &s.base(), &token, "m00", &names[1..], json!({}))
            .await;
    let _m00 = s.login("m00", None).await;
    let m01 = s.login("m01", None).await;

    // Every idle entity leaves memory; the two online users stay.
    let active = &s.node.runtime.active_entities;
    eventually(WAIT, "idle entities passivated", || async {
        (active.load(Ordering::Relaxed) == 2).then_some(())
    })
    .await;
    assert_eq!(online(&s, &group).await, 2);
    assert!(
        active.load(Ordering::Relaxed) <= 3,
        "only the group woke: {} active",
        active.load(Ordering::Relaxed)
    );

    m01.close().await.expect("close sent");
    eventually(WAIT, "m01 counted offline", || async {
        (online(&s, &group).await == 1).then_some(())
    })
    .await;
    let (status, r) = call(&s, Method::GET, "/presence/online/nope/type/1", None).await;
    assert_eq!(status, 404, "{r}");
    let (status, r) = call(
        &s,
        Method::GET,
        &format!("/presence/online/{group}/type/2"),
        None,
    )
    .await;
    assert_eq!(status, 400, "{r}");
}
