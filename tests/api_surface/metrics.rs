//! `/metrics` after some traffic: the histograms and per-app counters
//! `docs/rest.md` lists are there, labelled by op, route and app.

use super::call;
use imcloud_testkit::{code, TestServer};
use reqwest::Method;

#[tokio::test]
async fn metrics_hold_latency_histograms_and_per_app_counters() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let ack = alice.send_text("bob", "hi", None).await.unwrap();
    assert_eq!(code(&ack), 0, "{ack}");
    let token = s.app_token().await;
    let (status, _) = call(
        &s,
        Method::GET,
        "/demo/chat/users/alice",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, _) = call(
        &s,
        Method::GET,
        "/demo/chat/no/such/route",
        Some(&token),
        None,
    )
    .await;
    let text = s
        .http()
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "imcloud_ws_request_seconds_count{op=\"send\"} 1",
        "imcloud_ws_request_seconds_count{op=\"auth\"} 1",
        "imcloud_rest_request_seconds_count{method=\"GET\",route=\"/{org}/{app}/users/{username}\"} 1",
        "route=\"unmatched\"",
        "imcloud_app_messages_total{app=\"demo#chat\"} 1",
        "imcloud_app_rest_calls_total{app=\"demo#chat\"}",
        "imcloud_flush_seconds_count",
        "imcloud_commit_round_requests_bucket",
        "imcloud_shard_mailbox_depth",
    ] {
        assert!(text.contains(needle), "{needle} missing from /metrics:\n{text}");
    }
}
