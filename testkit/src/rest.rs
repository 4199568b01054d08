//! REST helpers for tests: an app token, registering users, one call.

use serde_json::{json, Value};
use std::path::Path;

pub async fn app_token(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    client_secret: &str,
) -> String {
    let r: Value = http
        .post(token_url)
        .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}))
        .send()
        .await
        .expect("token request")
        .json()
        .await
        .expect("token json");
    r["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token in {r}"))
        .to_string()
}

/// Registers `users`, 60 a call; each password is `pw-<name>`.
pub async fn create_users(http: &reqwest::Client, users_url: &str, token: &str, users: &[&str]) {
    for chunk in users.chunks(60) {
        let body: Vec<Value> = chunk
            .iter()
            .map(|u| json!({"username": u, "password": format!("pw-{u}")}))
            .collect();
        let resp = http
            .post(users_url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("register");
        assert!(
            resp.status().is_success(),
            "register failed: {}",
            resp.text().await.unwrap_or_default()
        );
    }
}

/// The demo app's client id and secret, from `DIR/demo-app.json` (written
/// by the server on its first start).
pub fn demo_credentials(dir: &Path) -> (String, String) {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("demo-app.json")).expect("demo-app.json"),
    )
    .expect("json");
    (
        v["client_id"].as_str().unwrap_or_default().to_string(),
        v["client_secret"].as_str().unwrap_or_default().to_string(),
    )
}

/// An app-token REST call under `/demo/chat`; returns the status and the
/// JSON body (`null` if it is not JSON).
pub async fn rest(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http
        .request(method, format!("{base}/demo/chat{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("rest call");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}
