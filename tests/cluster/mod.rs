//! Cluster mode against real `nats-server` processes on loopback:
//! - [`membership`] and [`shard_log`]: the libraries underneath, alone;
//! - [`nodes`]: three real nodes serving one app;
//! - [`failover`]: a node added, a node killed, a node paused;
//! - [`bench`]: failover and rebuild times (ignored: a benchmark).

mod bench;
mod failover;
mod membership;
mod nodes;
mod shard_log;

use crate::common::{app_token, create_users, TestCluster, WsClient};
use serde_json::{json, Value};
use std::time::Duration;

/// Membership TTL of the test clusters: a killed node leaves within it
/// (plus two beats). Well above a heartbeat's delay on a loaded CI
/// machine: a lease lapses after two thirds of it.
const TTL_MS: u64 = 3000;
/// How long a test waits for the cluster to settle after a change.
const SETTLE: Duration = Duration::from_secs(60);

/// `count` nodes, settled.
async fn started(count: u16) -> TestCluster {
    started_with(count, "").await
}

/// `count` nodes with the extra config lines `extra`, settled.
async fn started_with(count: u16, extra: &str) -> TestCluster {
    let c = TestCluster::start(env!("CARGO_BIN_EXE_imcloud"), count, TTL_MS, extra).await;
    let ids: Vec<u16> = (1..=count).collect();
    c.wait_settled(&ids, SETTLE).await;
    c
}

fn is_message(p: &Value) -> bool {
    p["push"] == json!("message")
}

/// An app created on a running cluster, with its token.
struct App {
    org: String,
    name: String,
    token: String,
}

impl App {
    /// `acme#chat` with `users` (passwords `pw-{name}`).
    async fn create(c: &TestCluster, users: &[&str]) -> App {
        // Created on one node, its token from another, its users through a
        // third (when there are three).
        let nodes = c.running();
        let (id, secret) = c.create_app(nodes[0], "acme#chat").await;
        let token = app_token(
            &c.http,
            &format!("{}/acme/chat/token", c.base(nodes[1 % nodes.len()])),
            &id,
            &secret,
        )
        .await;
        create_users(
            &c.http,
            &format!("{}/acme/chat/users", c.base(nodes[nodes.len() - 1])),
            &token,
            users,
        )
        .await;
        App {
            org: "acme".into(),
            name: "chat".into(),
            token,
        }
    }

    fn appkey(&self) -> String {
        format!("{}#{}", self.org, self.name)
    }

    /// `user` logged in on node `node`.
    async fn login(&self, c: &TestCluster, node: u16, user: &str) -> WsClient {
        let ws = WsClient::connect(&c.ws_url(node), false)
            .await
            .expect("connect");
        let r = ws
            .login(&self.appkey(), user, &format!("pw-{user}"), None)
            .await
            .expect("login reply");
        assert_eq!(r["ok"], json!(true), "{user} on node {node}: {r}");
        ws
    }

    /// A REST call on node `node`; the status and the JSON body.
    async fn rest(
        &self,
        c: &TestCluster,
        node: u16,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let mut req = c
            .http
            .request(
                method,
                format!("{}/{}/{}{path}", c.base(node), self.org, self.name),
            )
            .bearer_auth(&self.token);
        if !body.is_null() {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("rest call");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}
