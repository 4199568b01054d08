//! What the vendors' providers (Huawei, Honor, Xiaomi, OPPO, vivo, Meizu)
//! share: a title for a notification that has none (their notification
//! bars refuse an empty one), their length limits, the hashes they sign
//! with, one request with the push timeout read as JSON, the OAuth
//! client-credentials exchange Huawei and Honor use, and the signed
//! sign-in OPPO and vivo use.

use super::Outcome;
use crate::node::Node;
use imcloud_actors::push::PushJob;
use md5::{Digest, Md5};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::Duration;

/// The title of a notification whose user shows no details (style 0).
pub const DEFAULT_TITLE: &str = "New message";
/// How long a vendor token whose answer gives no life is kept, ms.
pub const TOKEN_KEPT_MS: i64 = 60 * 60 * 1000;

/// The notification's title, at most `max` characters.
pub fn title(job: &PushJob, max: usize) -> String {
    let t = if job.title.is_empty() {
        DEFAULT_TITLE
    } else {
        &job.title
    };
    clip(t, max)
}

/// `text`'s first `max` characters.
pub fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// What the app gets when the notification is opened.
pub fn data(job: &PushJob) -> Value {
    json!({ "msg_id": job.msg_id.to_string(), "from": job.from,
            "conversation": job.conversation })
}

pub fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Sends `req` with the push timeout: the status and the body as JSON
/// (`Null` when it is not JSON).
pub async fn call(node: &Node, req: reqwest::RequestBuilder) -> Result<(u16, Value), String> {
    let timeout = Duration::from_millis(node.config.push.request_timeout_ms);
    let r = req
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    let body = r.json::<Value>().await.unwrap_or(Value::Null);
    Ok((status, body))
}

/// A number or a string in an answer, as text (vendors send codes as
/// either).
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// An OAuth 2.0 access token for `client_id` (client credentials grant,
/// form-encoded, at `url`), cached under `name` until a minute before
/// `expires_in`.
pub async fn client_credentials(
    node: &Node,
    name: &str,
    url: &str,
    client_id: &str,
    client_secret: &str,
) -> Result<String, String> {
    let now = node.clock.now_ms();
    if let Some(t) = node.hooks.vendor_tokens.cached(name, now) {
        return Ok(t);
    }
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", client_secret),
    ];
    let (status, v) = call(node, node.hooks.http.post(url).form(&form))
        .await
        .map_err(|e| format!("token exchange: {e}"))?;
    let Some(token) = v["access_token"].as_str().filter(|_| status == 200) else {
        return Err(format!("token exchange: HTTP {status} {v}"));
    };
    let life = v["expires_in"].as_i64().unwrap_or(3600);
    let until = now + (life - 60).max(0) * 1000;
    node.hooks
        .vendor_tokens
        .keep(name, token.to_string(), until);
    Ok(token.to_string())
}

/// The token of a signed sign-in (OPPO, vivo): `req` is the sign-in
/// request made at `now`; the token is at JSON pointer `token_at` of the
/// answer and counts only with HTTP 200 and `"0"` at `code_at`. Kept
/// under `name` for [`TOKEN_KEPT_MS`] (the answers give no life).
pub async fn sign_in(
    node: &Node,
    name: &str,
    now: i64,
    req: reqwest::RequestBuilder,
    token_at: &str,
    code_at: &str,
) -> Result<String, String> {
    let (status, v) = call(node, req).await.map_err(|e| format!("auth: {e}"))?;
    let code = v.pointer(code_at).map(text).unwrap_or_default();
    let token = v
        .pointer(token_at)
        .and_then(Value::as_str)
        .filter(|_| status == 200 && code == "0");
    let Some(token) = token else {
        return Err(format!("auth: HTTP {status} {v}"));
    };
    node.hooks
        .vendor_tokens
        .keep(name, token.to_string(), now + TOKEN_KEPT_MS);
    Ok(token.to_string())
}

/// An answer that failed: `Failed`, and the token dropped when the
/// vendor says it is no longer good.
pub fn auth_refused(node: &Node, name: &str, why: String) -> Outcome {
    node.hooks.vendor_tokens.forget(name);
    Outcome::Failed(why)
}
