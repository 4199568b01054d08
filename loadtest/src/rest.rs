//! The REST calls the harness needs: an app token from client credentials
//! (given, or read from `<data_dir>/demo-app.json`) and batch registration.

use crate::target::Target;
use crate::Error;
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::Path;

/// Most users one registration request may carry.
pub const REGISTER_BATCH: usize = 60;

/// An app's client credentials.
#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

impl Credentials {
    /// Reads `<data_dir>/demo-app.json`, which the server writes on first start.
    pub fn from_data_dir(dir: &Path) -> Result<Credentials, Error> {
        let file = dir.join("demo-app.json");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Error::Usage(format!("reading {}: {e}", file.display())))?;
        serde_json::from_str(&text).map_err(|e| Error::Usage(format!("{}: {e}", file.display())))
    }
}

/// What one batch registration did.
#[derive(Debug, Default, Clone, Copy)]
pub struct BatchOutcome {
    pub created: u64,
    pub existing: u64,
    pub failed: u64,
}

/// `POST /{org}/{app}/token` with `client_credentials`; the access token.
pub async fn app_token(
    http: &reqwest::Client,
    target: &Target,
    creds: &Credentials,
) -> Result<String, Error> {
    let body = json!({"grant_type": "client_credentials", "client_id": creds.client_id, "client_secret": creds.client_secret});
    grant(http, target, &body, "token request").await
}

/// `POST /{org}/{app}/token` with `body`; the `access_token` it answers.
/// `what` names the request in the error.
pub async fn grant(
    http: &reqwest::Client,
    target: &Target,
    body: &Value,
    what: &str,
) -> Result<String, Error> {
    let resp = http
        .post(target.app_url("/token"))
        .json(body)
        .send()
        .await?;
    let status = resp.status();
    let v: Value = resp.json().await?;
    match v.get("access_token").and_then(Value::as_str) {
        Some(t) if status.is_success() => Ok(t.to_string()),
        _ => Err(Error::Server(format!("{what} answered {status}: {v}"))),
    }
}

/// `POST /{org}/{app}/users` with up to [`REGISTER_BATCH`] users, each with
/// [`crate::password_for`] as password. Users that already exist count as
/// `existing`, not as failures.
pub async fn register_batch(
    http: &reqwest::Client,
    target: &Target,
    token: &str,
    users: &[String],
) -> Result<BatchOutcome, Error> {
    let body: Vec<Value> = users
        .iter()
        .map(|u| json!({"username": u, "password": crate::password_for(u)}))
        .collect();
    let resp = http
        .post(target.app_url("/users"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await?;
    let status = resp.status();
    let v: Value = resp.json().await?;
    if users.len() == 1
        && v.get("error").and_then(Value::as_str) == Some("duplicate_unique_property_exists")
    {
        // A one-user request is not a batch: an existing user is an error.
        return Ok(BatchOutcome {
            existing: 1,
            ..BatchOutcome::default()
        });
    }
    if !status.is_success() {
        return Err(Error::Server(format!("register answered {status}: {v}")));
    }
    let created = v
        .get("entities")
        .and_then(Value::as_array)
        .map_or(0, Vec::len) as u64;
    let mut out = BatchOutcome {
        created,
        ..BatchOutcome::default()
    };
    for fail in v
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let reason = fail
            .get("registerUserFailReason")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if reason.contains("already exists") {
            out.existing += 1;
        } else {
            out.failed += 1;
        }
    }
    Ok(out)
}
