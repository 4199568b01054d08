//! Admission control: with the node's REST (or device) requests in flight
//! at the cap, the next one is refused at once, whatever its app (REST 429
//! `server_busy` with `Retry-After: 1`; WebSocket code 302), while those
//! in flight are still waiting; once they are answered, requests pass
//! again. Requests are held in flight by holding the group commit's
//! flush, so every durable write waits for the test to let it go.

use super::call;
use crate::common::{code, eventually, TestServer, WAIT};
use crate::rest::assert_error;
use imcloud_actors::ids::AppKey;
use reqwest::Method;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;

const CAP: usize = 3;

#[tokio::test]
async fn rest_calls_over_the_nodes_in_flight_cap_are_refused_at_once() {
    let s = TestServer::start_with(|c| c.rest.max_inflight = CAP).await;
    s.create_users(&["alice", "bob"]).await;
    let token = s.app_token().await;
    let other = AppKey::parse("other#app").unwrap();
    let other_app = s
        .node
        .create_app(&other, s.node.config.app_defaults.clone())
        .await
        .unwrap();

    let rt = s.node.runtime.clone();
    rt.hold_flushes.store(true, Ordering::SeqCst);
    let sends: Vec<_> = (0..CAP)
        .map(|i| {
            let (http, url, token) = (s.http().clone(), s.url("/demo/chat/messages/users"), token.clone());
            let body = json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": format!("held {i}")}});
            tokio::spawn(async move {
                call(&http, Method::POST, &url, Some(&token), Some(body), &[]).await
            })
        })
        .collect();
    let guard = s.node.guard.clone();
    eventually(WAIT, "the sends to fill the node's REST slots", || {
        let guard = guard.clone();
        async move { (guard.rest_requests.current() == CAP).then_some(()) }
    })
    .await;

    // Refused before anything is done, for any app, token call included.
    let refused = [
        call(s.http(), Method::GET, &s.url("/demo/chat/settings"), Some(&token), None, &[]).await,
        call(s.http(), Method::POST, &s.url("/other/app/token"), None, Some(json!({"grant_type": "client_credentials", "client_id": other_app.client_id, "client_secret": other_app.client_secret})), &[]).await,
        call(s.http(), Method::GET, &s.url("/no/app/users"), None, None, &[]).await,
    ];
    for r in &refused {
        assert_error(&r.pair(), 429, "server_busy");
        assert_eq!(r.retry_after.as_deref(), Some("1"), "{r:?}");
    }
    assert!(
        sends.iter().all(|h| !h.is_finished()),
        "a held send was answered"
    );
    // The operational endpoints are outside the cap.
    let metrics = s.http().get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status().as_u16(), 200);
    let text = metrics.text().await.unwrap();
    assert!(text.contains("imcloud_rest_overloaded_total 3"), "{text}");
    assert!(text.contains("imcloud_rest_in_flight 3"), "{text}");

    rt.hold_flushes.store(false, Ordering::SeqCst);
    for send in sends {
        let answer = send.await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    eventually(WAIT, "the slots to be free", || {
        let guard = guard.clone();
        async move { (guard.rest_requests.current() == 0).then_some(()) }
    })
    .await;
    let after = call(
        s.http(),
        Method::GET,
        &s.url("/demo/chat/settings"),
        Some(&token),
        None,
        &[],
    )
    .await;
    assert_eq!(after.status, 200, "{}", after.body);
}

#[tokio::test]
async fn device_requests_over_the_nodes_in_flight_cap_are_answered_busy_at_once() {
    let s = TestServer::start_with(|c| c.ws.max_node_inflight = CAP).await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let alice = Arc::new(s.login("alice", None).await);
    let carol = s.login("carol", None).await;

    let rt = s.node.runtime.clone();
    rt.hold_flushes.store(true, Ordering::SeqCst);
    let sends: Vec<_> = (0..CAP)
        .map(|i| {
            let alice = alice.clone();
            tokio::spawn(async move { alice.send_text("bob", &format!("held {i}"), None).await })
        })
        .collect();
    let guard = s.node.guard.clone();
    eventually(
        WAIT,
        "alice's sends to fill the node's device slots",
        || {
            let guard = guard.clone();
            async move { (guard.device_requests.current() == CAP).then_some(()) }
        },
    )
    .await;

    // Another socket, far below its own in-flight limit, is answered busy
    // while alice's sends still wait for the flush.
    let busy = carol.send_text("bob", "refused", None).await.unwrap();
    assert_eq!(code(&busy), 302, "{busy}");
    let ping = carol.request("ping", json!({})).await.unwrap();
    assert_eq!(code(&ping), 302, "{ping}");
    assert!(
        sends.iter().all(|h| !h.is_finished()),
        "a held send was acked"
    );
    assert_eq!(s.node.gateway.ws_overloaded.load(Ordering::SeqCst), 2);

    rt.hold_flushes.store(false, Ordering::SeqCst);
    for send in sends {
        let ack = send.await.unwrap().unwrap();
        assert_eq!(code(&ack), 0, "{ack}");
    }
    eventually(WAIT, "the device slots to be free", || {
        let guard = guard.clone();
        async move { (guard.device_requests.current() == 0).then_some(()) }
    })
    .await;
    let ack = carol.send_text("bob", "now", None).await.unwrap();
    assert_eq!(code(&ack), 0, "{ack}");
}
