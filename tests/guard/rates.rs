//! REST rate limits (§9) on a manual clock: each endpoint class allows
//! its budget, scaled with the app's `rest_rate_per_s`, then answers 429
//! with the spec's body and a `Retry-After` until time moves; a settings
//! change applies from the next request; a path naming no app leaves no
//! state.

use super::{call, Answer};
use crate::common::{eventually, TestServer, WAIT};
use crate::rest::assert_error;
use imcloud_actors::app::{PatchAppSettings, SettingsPatch};
use imcloud_actors::ids::AppKey;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// Calls `method /demo/chat{path}` `n` times; every answer must be under
/// the limit (any status but 429: a bad body still counts as a call).
async fn spend(s: &TestServer, method: Method, path: &str, token: Option<&str>, n: usize) {
    for i in 0..n {
        let a = at(s, method.clone(), path, token).await;
        assert_ne!(
            a.status, 429,
            "call {i} of {n} to {path} was limited: {}",
            a.body
        );
    }
}

async fn at(s: &TestServer, method: Method, path: &str, token: Option<&str>) -> Answer {
    let body = (method != Method::GET).then(|| json!({}));
    let url = s.url(&format!("/demo/chat{path}"));
    call(s.http(), method, &url, token, body, &[]).await
}

#[track_caller]
fn assert_limited(a: &Answer, retry_after: &str) {
    assert_error(&a.pair(), 429, "reach_limit");
    assert_eq!(a.body["exception"], json!("RateLimitExceededException"));
    assert_eq!(
        a.body["error_description"],
        json!("This request has reached api limit")
    );
    assert_eq!(a.body["duration"], json!(0));
    assert_eq!(a.retry_after.as_deref(), Some(retry_after), "{a:?}");
}

async fn set_rate(s: &TestServer, token: &str, rate: u32) -> Value {
    let url = s.url("/demo/chat/settings");
    let a = call(
        s.http(),
        Method::PUT,
        &url,
        Some(token),
        Some(json!({"rest_rate_per_s": rate})),
        &[],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

#[tokio::test]
async fn each_class_allows_its_scaled_budget_then_429_until_time_moves() {
    let s = TestServer::start_manual(|_| {}).await;
    let token = s.app_token().await;
    let t = Some(token.as_str());
    set_rate(&s, &token, 5).await;

    // The default class: rest_rate_per_s a second.
    spend(&s, Method::GET, "/settings", t, 5).await;
    assert_limited(&at(&s, Method::GET, "/users/alice", t).await, "1");
    // Other classes keep their own budgets, scaled by 5/100: token 15,
    // 1:1 sends 5, group sends 1 (bad bodies still count as calls).
    spend(&s, Method::POST, "/token", None, 15).await;
    assert_limited(&at(&s, Method::POST, "/token", None).await, "1");
    spend(&s, Method::POST, "/messages/users", t, 5).await;
    assert_limited(&at(&s, Method::POST, "/messages/users", t).await, "1");
    spend(&s, Method::POST, "/messages/chatgroups", t, 1).await;
    assert_limited(&at(&s, Method::POST, "/messages/chatgroups", t).await, "1");
    // `GET /chatrooms` and `POST /chatrooms` share one class (2 here).
    spend(&s, Method::GET, "/chatrooms", t, 2).await;
    assert_limited(&at(&s, Method::POST, "/chatrooms", t).await, "1");
    assert_limited(&at(&s, Method::GET, "/settings", t).await, "1");

    // A second later each class has its budget again.
    s.clock.advance(Duration::from_secs(1));
    spend(&s, Method::GET, "/settings", t, 5).await;
    assert_limited(&at(&s, Method::GET, "/settings", t).await, "1");
    spend(&s, Method::POST, "/messages/chatgroups", t, 1).await;
    let metrics = s.http().get(s.url("/metrics")).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    assert!(text.contains("imcloud_rest_rate_limited_total 7"), "{text}");
}

#[tokio::test]
async fn the_export_link_is_counted_per_minute() {
    let s = TestServer::start_manual(|_| {}).await;
    let token = s.app_token().await;
    let t = Some(token.as_str());
    // 10 a minute at the default rate; 1 at a tenth of it.
    set_rate(&s, &token, 10).await;
    let hour = "/chatmessages/2026120600";
    spend(&s, Method::GET, hour, t, 1).await;
    assert_limited(&at(&s, Method::GET, hour, t).await, "60");
    s.clock.advance(Duration::from_secs(59));
    assert_limited(&at(&s, Method::GET, hour, t).await, "1");
    s.clock.advance(Duration::from_secs(1));
    spend(&s, Method::GET, hour, t, 1).await;
}

#[tokio::test]
async fn a_rate_change_applies_from_the_next_request_wherever_it_is_made() {
    let s = TestServer::start_manual(|_| {}).await;
    let token = s.app_token().await;
    let t = Some(token.as_str());
    set_rate(&s, &token, 2).await;
    spend(&s, Method::GET, "/settings", t, 2).await;
    assert_limited(&at(&s, Method::GET, "/settings", t).await, "1");

    // Raised at the App entity, as another node's gateway would: this
    // gateway hears it on the bus, and the time has not moved, so only
    // the new rate can let a call through.
    let app = AppKey::parse("demo#chat").unwrap();
    let patch = SettingsPatch {
        rest_rate_per_s: Some(4),
        ..Default::default()
    };
    s.node
        .ask(app.entity_key(), PatchAppSettings { patch })
        .await
        .unwrap();
    eventually(WAIT, "the raised rate to apply", || async {
        (at(&s, Method::GET, "/settings", t).await.status == 200).then_some(())
    })
    .await;
    spend(&s, Method::GET, "/settings", t, 3).await;
    assert_limited(&at(&s, Method::GET, "/settings", t).await, "1");

    // A change of another setting keeps the budget spent.
    let patch = SettingsPatch {
        recall_window_secs: Some(300),
        ..Default::default()
    };
    s.node.patch_app_settings(&app, patch).await.unwrap();
    assert_limited(&at(&s, Method::GET, "/settings", t).await, "1");
}

#[tokio::test]
async fn paths_that_name_no_app_leave_no_state() {
    let s = TestServer::start_manual(|_| {}).await;
    let token = s.app_token().await;
    let tracked = s.node.guard.apps_tracked();
    assert_eq!(tracked, 1, "demo#chat, called for its token");
    for i in 0..300 {
        let path = match i % 3 {
            0 => format!("/org{i}/app{i}/users"),
            1 => format!("/Org{i}/APP/token"),
            _ => format!("/o{i}/a{i}/messages/users"),
        };
        let method = if i % 3 == 0 {
            Method::GET
        } else {
            Method::POST
        };
        let a = call(
            s.http(),
            method,
            &s.url(&path),
            Some(&token),
            Some(json!({})),
            &[],
        )
        .await;
        assert_error(&a.pair(), 404, "organization_application_not_found");
    }
    assert_eq!(s.node.guard.apps_tracked(), tracked);
}
