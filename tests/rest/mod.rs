//! The Easemob-compatible REST API end to end, one module per area, with
//! the shared helpers here: an `Api` caller and assertions on the success
//! and error envelopes.

#![allow(dead_code)]

mod callbacks;
mod callbacks_rooms;
mod callbacks_suspension;
mod chatrooms;
mod cors;
mod files;
mod keyword_alert;
mod messages;
mod moderation;
mod operator;
mod presend;
mod sensitive_words;
mod settings;
mod tokens;
mod users;

use crate::common::TestServer;
use crate::common::WsClient;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

pub use crate::common::WAIT;

// Easemob `error` strings the tests expect.
pub const NOT_FOUND: &str = "service_resource_not_found";
pub const ILLEGAL: &str = "illegal_argument";
pub const BAD_BODY: &str = "invalid_request_body";
pub const SEND_ERROR: &str = "message_send_error";
pub const BAD_GRANT: &str = "invalid_grant";
pub const BAD_TOKEN: &str = "auth_bad_access_token";
pub const NO_APP: &str = "organization_application_not_found";
pub const DUPLICATE: &str = "duplicate_unique_property_exists";
pub const UNAUTHORIZED: &str = "unauthorized";

/// REST calls under `/demo/chat`, with an optional bearer token.
pub struct Api<'a> {
    s: &'a TestServer,
    token: Option<String>,
    /// Prepended to every path.
    prefix: &'static str,
}

impl<'a> Api<'a> {
    async fn admin(s: &'a TestServer) -> Api<'a> {
        Api {
            s,
            token: Some(s.app_token().await),
            prefix: "/demo/chat",
        }
    }

    fn anonymous(s: &'a TestServer) -> Api<'a> {
        Api::with_token(s, None)
    }

    fn with_token(s: &'a TestServer, token: Option<String>) -> Api<'a> {
        Api {
            s,
            token,
            prefix: "/demo/chat",
        }
    }

    /// The same caller on paths from the root.
    fn at_root(self) -> Api<'a> {
        Api { prefix: "", ..self }
    }

    /// `method` on `{prefix}{path}` with a raw body; the status and the
    /// JSON body (every response must be JSON).
    async fn raw(&self, method: Method, path: &str, body: Option<String>) -> (u16, Value) {
        let url = self.s.url(&format!("{}{path}", self.prefix));
        let mut req = self.s.http().request(method.clone(), &url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("response body");
        let v = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {url} -> {status}: body is not JSON: {text:?}"));
        (status, v)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.raw(method, path, body.map(|b| b.to_string())).await
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
    async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None).await
    }
}

/// Asserts an error response: its status, its `error` string and the keys
/// of the error body.
#[track_caller]
pub fn assert_error(got: &(u16, Value), status: u16, error: &str) {
    let (st, body) = got;
    assert_eq!(
        (*st, body["error"].as_str()),
        (status, Some(error)),
        "unexpected response {body}"
    );
    for key in ["exception", "error_description"] {
        assert!(
            body[key].as_str().is_some_and(|s| !s.is_empty()),
            "error body lacks `{key}`: {body}"
        );
    }
    for key in ["timestamp", "duration"] {
        assert!(
            body[key].is_u64(),
            "error body lacks numeric `{key}`: {body}"
        );
    }
}

#[track_caller]
pub fn assert_ok(got: &(u16, Value)) -> &Value {
    assert_eq!(got.0, 200, "unexpected response {}", got.1);
    &got.1
}

pub fn names(entities: &Value) -> Vec<String> {
    entities
        .as_array()
        .expect("entities is an array")
        .iter()
        .map(|e| e["username"].as_str().expect("username").to_string())
        .collect()
}

pub async fn token_call(s: &TestServer, body: Value) -> (u16, Value) {
    Api::anonymous(s).post("/token", body).await
}

pub async fn user_token(s: &TestServer, user: &str, password: &str) -> (u16, Value) {
    token_call(
        s,
        json!({"grant_type": "password", "username": user, "password": password}),
    )
    .await
}

pub async fn next_push(c: &WsClient) -> Value {
    c.next_push(WAIT).await.expect("a push arrives")
}
