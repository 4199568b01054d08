//! Conversations end to end, one module per concern, helpers here:
//! - [`history`]: `history` pages back through 1:1 and group
//!   conversations without gaps or duplicates, the same on every device.
//! - [`receipts`]: the conversation list, unread counts and read marks on
//!   every device, `read` and `delivered` receipts.
//! - [`recall`]: recall by devices and the app server, window, rights.
//! - [`edit`]: edits by the sender, over the socket and REST W1.
//! - [`deletion`]: one-sided deletion of conversations and messages.
//! - [`durability`]: read marks and receipts survive `kill -9`.

mod deletion;
mod durability;
mod edit;
mod export;
mod history;
mod recall;
mod receipts;
mod retention;

use crate::common::{TestServer, WsClient};
use serde_json::{json, Value};

/// The next push matching `pred`, skipping others.
async fn push_where(c: &WsClient, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    c.push_where(what, pred).await
}

/// The next `receipt` push.
async fn receipt(c: &WsClient) -> Value {
    push_where(c, "a receipt", |p| p["push"] == json!("receipt")).await
}

/// `request` that must succeed.
async fn ok(c: &WsClient, op: &str, args: Value) -> Value {
    let r = c.request(op, args.clone()).await.unwrap();
    assert_eq!(r["ok"], json!(true), "{op} {args}: {r}");
    r
}

/// Every conversation of `c`'s user, newest first, following cursors.
async fn all_conversations(c: &WsClient, limit: usize) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({ "limit": limit });
        if let Some(cur) = &cursor {
            args["cursor"] = json!(cur);
        }
        let r = ok(c, "conversations", args).await;
        all.extend(r["conversations"].as_array().cloned().unwrap_or_default());
        match r["cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return all,
        }
    }
}

/// The conversation with `with` in `list`.
fn conversation<'a>(list: &'a [Value], with: &str) -> &'a Value {
    list.iter()
        .find(|c| c["with"] == json!(with))
        .unwrap_or_else(|| panic!("no conversation with {with} in {list:?}"))
}

/// A text message to `to`, acked; its msg id.
async fn send(c: &WsClient, chat: &str, to: &str, text: &str) -> String {
    let r = ok(
        c,
        "send",
        json!({"chat": chat, "to": to, "body": {"type": "txt", "msg": text}}),
    )
    .await;
    r["msg_id"].as_str().expect("msg_id").to_string()
}

/// Pages of `history` with `with`, newest page first, until `more` is
/// false; the messages oldest first.
async fn whole_history(c: &WsClient, chat: &str, with: &str, limit: usize) -> Vec<Value> {
    let mut pages: Vec<Vec<Value>> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut args = json!({"chat": chat, "with": with, "limit": limit});
        if let Some(b) = &before {
            args["before"] = json!(b);
        }
        let r = ok(c, "history", args).await;
        let page = r["messages"].as_array().cloned().unwrap_or_default();
        assert!(page.len() <= limit, "a page of {} > {limit}", page.len());
        let more = r["more"] == json!(true);
        if let Some(first) = page.first() {
            before = first["msg_id"].as_str().map(str::to_string);
        }
        let empty = page.is_empty();
        pages.push(page);
        if !more || empty {
            break;
        }
    }
    pages.into_iter().rev().flatten().collect()
}

/// A group owned by `owner` with `members`, made over REST; its id.
async fn group(s: &TestServer, owner: &str, members: &[&str]) -> String {
    let members: Vec<String> = members.iter().map(|m| m.to_string()).collect();
    let token = s.app_token().await;
    crate::groups::create_group(s.http(), &s.base(), &token, owner, &members, json!({})).await
}

async fn server(users: &[&str]) -> TestServer {
    let s = TestServer::start().await;
    s.create_users(users).await;
    s
}
