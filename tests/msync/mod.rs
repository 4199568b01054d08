//! `/websocket`: Easemob's Web SDK (msync) against the real binary. The
//! `core` and `rooms` tests drive the unmodified SDK under Node.js
//! (`sdk`), `rest` the REST calls it makes as its user; `bad_frames`
//! speaks raw msync frames; `browser` runs the core scenario in headless
//! Chromium from a page on another origin.

mod bad_frames;
mod browser;
mod core;
mod events;
mod refusals;
mod rest;
mod rooms;
pub mod sdk;

use crate::common::{create_users, start_binary, write_test_config, BinaryServer};
use sdk::Sdk;

/// A binary server with users, an app token and one SDK driver.
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub server: BinaryServer,
    pub http: reqwest::Client,
    pub token: String,
    pub sdk: Sdk,
}

impl Fixture {
    /// The server with `users` (password `pw-<name>`) and an SDK driver.
    pub async fn start(users: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let config = write_test_config(dir.path());
        let server = start_binary(&data, &config);
        let http = reqwest::Client::new();
        let token = server.demo_token(&http, &data).await;
        create_users(
            &http,
            &format!("{}/demo/chat/users", server.base()),
            &token,
            users,
        )
        .await;
        let sdk = Sdk::start(&server).await;
        Fixture {
            _dir: dir,
            server,
            http,
            token,
            sdk,
        }
    }

    /// An app-token REST call under `/demo/chat`.
    pub async fn rest(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        crate::common::rest(
            &self.http,
            &self.server.base(),
            &self.token,
            method,
            path,
            body,
        )
        .await
    }

    /// A user token from `POST /token` (password grant).
    pub async fn user_token(&self, user: &str) -> String {
        let body = serde_json::json!({"grant_type": "password", "username": user, "password": format!("pw-{user}")});
        let (status, v) = self.rest(reqwest::Method::POST, "/token", Some(body)).await;
        assert_eq!(status, 200, "{v}");
        v["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }
}
