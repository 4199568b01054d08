//! Firebase Cloud Messaging, HTTP v1: `POST
//! {push.fcm_url}/v1/projects/{project_id}/messages:send` with `Bearer`
//! an OAuth access token. The token comes from the service account: a JWT
//! (RS256 with its private key; `iss` its `client_email`, `scope`
//! `…/auth/firebase.messaging`, `aud` the token URL, an hour's life) is
//! exchanged at the token URL (`push.fcm_token_url`, or the account's
//! `token_uri`) for an access token, kept until a minute before it
//! expires. `404 NOT_FOUND` (`UNREGISTERED`) and `400 INVALID_ARGUMENT`
//! naming the token mean it is not valid.

use super::Outcome;
use crate::node::Node;
use imcloud_actors::push::{PushJob, PushTarget};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::time::Duration;

const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// An assertion's life, s (Google's maximum).
const ASSERTION_SECS: i64 = 3600;

/// The service account's key, parsed.
pub fn signing_key(pem: &str) -> Result<EncodingKey, String> {
    EncodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|e| format!("private_key is not a PEM RSA private key: {e}"))
}

/// The credential's fields FCM needs.
pub struct Account<'a> {
    pub project_id: &'a str,
    pub client_email: &'a str,
    pub private_key: &'a str,
    pub token_uri: &'a str,
}

pub use super::tokens::Tokens;

async fn access_token(node: &Node, acc: &Account<'_>) -> Result<String, String> {
    let now = node.clock.now_ms();
    if let Some(t) = node.hooks.fcm_tokens.cached(acc.client_email, now) {
        return Ok(t);
    }
    let cfg = &node.config.push;
    let url = if cfg.fcm_token_url.is_empty() {
        acc.token_uri
    } else {
        &cfg.fcm_token_url
    };
    let iat = now / 1000;
    let claims = json!({"iss": acc.client_email, "scope": SCOPE, "aud": url,
                        "iat": iat, "exp": iat + ASSERTION_SECS});
    let assertion = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &signing_key(acc.private_key)?,
    )
    .map_err(|e| format!("signing the FCM assertion failed: {e}"))?;
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        ("assertion", assertion.as_str()),
    ];
    let r = node
        .hooks
        .http
        .post(url)
        .form(&form)
        .timeout(Duration::from_millis(cfg.request_timeout_ms))
        .send()
        .await
        .map_err(|e| format!("token exchange: {e}"))?;
    let status = r.status().as_u16();
    let v: Value = r
        .json()
        .await
        .map_err(|e| format!("token exchange answer: {e}"))?;
    let Some(token) = v["access_token"].as_str().filter(|_| status == 200) else {
        return Err(format!("token exchange: HTTP {status} {v}"));
    };
    let life = v["expires_in"].as_i64().unwrap_or(3600);
    // A minute early, so no request carries a token about to expire.
    let until = now + (life - 60).max(0) * 1000;
    node.hooks
        .fcm_tokens
        .keep(acc.client_email, token.to_string(), until);
    Ok(token.to_string())
}

/// The FCM v1 message of a notification.
pub fn message(job: &PushJob, target: &PushTarget) -> Value {
    json!({
        "message": {
            "token": target.device_token,
            "notification": { "title": job.title, "body": job.body },
            "data": { "msg_id": job.msg_id.to_string(), "from": job.from,
                      "badge": job.badge.to_string() },
            "android": { "priority": "high" },
        }
    })
}

pub async fn send(node: &Node, acc: &Account<'_>, job: &PushJob, target: &PushTarget) -> Outcome {
    let token = match access_token(node, acc).await {
        Ok(t) => t,
        Err(e) => return Outcome::Failed(e),
    };
    let cfg = &node.config.push;
    let url = format!(
        "{}/v1/projects/{}/messages:send",
        cfg.fcm_url.trim_end_matches('/'),
        acc.project_id
    );
    let sent = node
        .hooks
        .http
        .post(url)
        .bearer_auth(token)
        .json(&message(job, target))
        .timeout(Duration::from_millis(cfg.request_timeout_ms))
        .send()
        .await;
    let r = match sent {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let status = r.status().as_u16();
    if status == 200 {
        return Outcome::Sent;
    }
    let v: Value = r.json().await.unwrap_or(Value::Null);
    let state = v["error"]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match (status, state.as_str()) {
        (404, _) | (400, "INVALID_ARGUMENT") => Outcome::BadToken(format!("HTTP {status} {state}")),
        (401, _) => {
            node.hooks.fcm_tokens.forget(acc.client_email);
            Outcome::Failed(format!("HTTP {status} {state}"))
        }
        _ => Outcome::Failed(format!("HTTP {status} {state}")),
    }
}
