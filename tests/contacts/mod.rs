//! Contacts end to end: friend requests and friendships over the socket
//! (with their pushes and the friend check), the same over REST (C1–C6),
//! and block lists (C7–C9, `block`/`unblock`).

mod blocks;
mod durability;
mod friends;
mod rest;

use crate::common::{code, TestServer, WsClient};
use serde_json::{json, Value};

/// `request` that must succeed.
async fn ok(c: &WsClient, op: &str, args: Value) -> Value {
    let r = c.request(op, args.clone()).await.unwrap();
    assert_eq!(r["ok"], json!(true), "{op} {args}: {r}");
    r
}

/// The error code of `op` (0 for ok).
async fn code_of(c: &WsClient, op: &str, args: Value) -> u64 {
    code(&c.request(op, args).await.unwrap())
}

/// The next `contact` push of `kind` about `user`.
async fn contact_push(c: &WsClient, kind: &str, user: &str) -> Value {
    c.push_where(&format!("a contact push {kind} about {user}"), |p| {
        p["push"] == json!("contact") && p["kind"] == json!(kind) && p["user"] == json!(user)
    })
    .await
}

/// The friends `contacts` lists for `c`'s user.
async fn friends(c: &WsClient) -> Vec<String> {
    let r = ok(c, "contacts", json!({})).await;
    r["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect()
}

/// Turns the app's friend check on.
async fn friend_check_on(s: &TestServer) {
    let token = s.app_token().await;
    let r = s
        .http()
        .put(s.url("/demo/chat/settings"))
        .bearer_auth(token)
        .json(&json!({"friend_check": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
