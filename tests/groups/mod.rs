//! Groups end to end, one module per concern, helpers here:
//! - [`fanout`]: one stored copy reaching members online in order (one
//!   notice per shard), sync from the join seq, removal.
//! - [`moderation`]: refusals with their codes, owner/admin rights.
//! - [`joining`]: approval of join requests, invitations, limits.
//! - [`rest`]: REST reads, sends and the list of all groups.
//! - [`durability`]: group state and messages survive `kill -9`.

mod durability;
mod fanout;
mod joining;
mod moderation;
mod rest;

use crate::common::code;
use crate::common::WsClient;
use crate::common::{create_users, eventually, rest, write_test_config, TestServer, APPKEY};
use futures_util::future::join_all;
use imcloud_shards::{EntityKey, EntityKind};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::Ordering;

use crate::common::WAIT;

/// Creates a group owned by `owner` with `members` added 60 at a time;
/// `extra` fields go into the create body.
pub(crate) async fn create_group(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    owner: &str,
    members: &[String],
    extra: Value,
) -> String {
    let mut body = json!({"groupname": "g", "public": true, "maxusers": 1000, "owner": owner});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let (status, r) = rest(
        http,
        base,
        token,
        reqwest::Method::POST,
        "/chatgroups",
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "create group: {r}");
    let id = r["data"]["groupid"].as_str().expect("groupid").to_string();
    for chunk in members.chunks(60) {
        let (status, r) = rest(
            http,
            base,
            token,
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/users"),
            Some(json!({ "usernames": chunk })),
        )
        .await;
        assert_eq!(status, 200, "add members: {r}");
        assert_eq!(
            r["data"]["newmembers"].as_array().map(Vec::len),
            Some(chunk.len())
        );
    }
    id
}

/// The next push matching `pred`, skipping others.
async fn push_where(c: &WsClient, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    c.push_where(what, pred).await
}

/// The next `n` group message pushes (events are skipped).
async fn group_messages(c: &WsClient, n: usize) -> Vec<Value> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let p = push_where(c, "a group message", |p| p["push"] == json!("message")).await;
        out.push(p["msg"].clone());
    }
    out
}

fn texts(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .map(|m| m["body"]["msg"].as_str().unwrap_or_default().to_string())
        .collect()
}

struct Ctx {
    s: TestServer,
    base: String,
    token: String,
}

impl Ctx {
    async fn start(users: &[&str]) -> Ctx {
        Self::start_with(users, |_| {}).await
    }

    async fn start_with(users: &[&str], tune: impl FnOnce(&mut imcloud::config::Config)) -> Ctx {
        let s = TestServer::start_with(tune).await;
        s.create_users(users).await;
        let base = format!("http://{}", s.addr);
        let token = s.app_token().await;
        Ctx { s, base, token }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        rest(self.s.http(), &self.base, &self.token, method, path, body).await
    }

    async fn group(&self, owner: &str, members: &[&str], extra: Value) -> String {
        let members: Vec<String> = members.iter().map(|m| m.to_string()).collect();
        create_group(
            self.s.http(),
            &self.base,
            &self.token,
            owner,
            &members,
            extra,
        )
        .await
    }
}
