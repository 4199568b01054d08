//! Presence and user attributes end to end, one module per concern,
//! helpers here:
//! - [`pushes`]: subscribers are pushed logins, logouts and custom
//!   statuses; REST and WebSocket see the same statuses.
//! - [`expiry`]: an expired subscription gets no push and leaves the
//!   list (a manual clock moves past it).
//! - [`limits`]: users per call, text sizes, expiry, subscription limits
//!   and their codes; a refused subscribe changes nothing.
//! - [`attributes`]: set, get, batch get, delete, the 2 KB limit, the
//!   app's capacity, a deleted user's attributes.
//! - [`durability`]: attributes and subscriptions survive `kill -9`.
//! - [`online`]: a group's members online, counted without waking the
//!   others.

mod attributes;
mod durability;
mod expiry;
mod limits;
mod online;
mod pushes;

use crate::common::{code, eventually, rest, TestServer, WsClient, WAIT};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

/// A request that must succeed; its reply.
async fn ok(c: &WsClient, op: &str, args: Value) -> Value {
    let r = c.request(op, args).await.expect("reply");
    assert_eq!(r["ok"], json!(true), "{op} failed: {r}");
    r
}

/// A request that must fail with `want`; its reply.
async fn refused(c: &WsClient, op: &str, args: Value, want: u64) -> Value {
    let r = c.request(op, args).await.expect("reply");
    assert_eq!(code(&r), want, "{op} should fail with {want}: {r}");
    r
}

/// The next `presence` push `c` gets about `user`, skipping other pushes.
async fn presence_push(c: &WsClient, user: &str) -> Value {
    c.push_where(&format!("a presence push about {user}"), |p| {
        p["push"] == json!("presence") && p["user"] == json!(user)
    })
    .await
}

/// The next push `c` gets that is a `presence` push or a message: a test
/// that wants to show no presence push came sends a message after the
/// change and expects it first.
async fn presence_or_message(c: &WsClient) -> Value {
    c.push_where("a presence push or a message", |p| {
        p["push"] == json!("presence") || p["push"] == json!("message")
    })
    .await
}

/// An app-token call under `/demo/chat`: status and body.
async fn call(s: &TestServer, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let token = s.app_token().await;
    rest(s.http(), &s.base(), &token, method, path, body).await
}

/// `users`' subscriptions as REST lists them: `(totalnum, [uid])`.
async fn sublist(s: &TestServer, user: &str) -> (u64, Vec<String>) {
    let (status, r) = call(
        s,
        Method::GET,
        &format!("/users/{user}/presence/sublist?pageNum=1&pageSize=500"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let names = r["result"]["sublist"]
        .as_array()
        .expect("sublist")
        .iter()
        .filter_map(|e| e["uid"].as_str().map(str::to_string))
        .collect();
    (r["result"]["totalnum"].as_u64().expect("totalnum"), names)
}
