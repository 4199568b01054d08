//! Apple Push Notification service: `POST {base}/3/device/{token}` over
//! HTTP/2 with `authorization: bearer <JWT>` (ES256, signed by the app's
//! `.p8` key; `iss` the team id, `kid` the key id), `apns-topic` the
//! bundle id. One JWT per key is reused for 50 minutes (Apple refuses
//! tokens older than an hour and asks not to make them more than once
//! every 20 minutes). `400 BadDeviceToken`, `400 DeviceTokenNotForTopic`
//! and `410 Unregistered` mean the token is not valid.
//!
//! An `https://` base is HTTP/2 over TLS (Apple's servers, or a private
//! gateway with a certificate the system trusts); an `http://` base is
//! HTTP/2 without TLS with prior knowledge (h2c), for a local gateway or
//! a test server.

use super::Outcome;
use crate::node::Node;
use imcloud_actors::push::{PushJob, PushTarget};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long a provider token is reused, ms.
const TOKEN_LIFE_MS: i64 = 50 * 60 * 1000;

/// The `.p8` key, parsed.
pub fn signing_key(p8: &str) -> Result<EncodingKey, String> {
    EncodingKey::from_ec_pem(p8.as_bytes())
        .map_err(|e| format!("p8 is not a PEM P-256 private key: {e}"))
}

/// The HTTP/2 client and the provider tokens of every key in use.
pub struct Apns {
    client: reqwest::Client,
    /// `team_id/key_id` → (JWT, made at ms).
    tokens: Mutex<HashMap<String, (String, i64)>>,
}

impl Apns {
    pub fn new() -> Result<Apns, String> {
        let client = reqwest::Client::builder()
            .http2_prior_knowledge()
            .pool_max_idle_per_host(4)
            .build()
            .map_err(|e| format!("cannot build the APNs HTTP/2 client: {e}"))?;
        Ok(Apns {
            client,
            tokens: Mutex::default(),
        })
    }

    fn token(&self, team_id: &str, key_id: &str, p8: &str, now: i64) -> Result<String, String> {
        let name = format!("{team_id}/{key_id}");
        if let Ok(t) = self.tokens.lock() {
            if let Some((jwt, made)) = t.get(&name) {
                if now - made < TOKEN_LIFE_MS {
                    return Ok(jwt.clone());
                }
            }
        }
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(key_id.to_string());
        let claims = json!({ "iss": team_id, "iat": now / 1000 });
        let jwt = jsonwebtoken::encode(&header, &claims, &signing_key(p8)?)
            .map_err(|e| format!("signing the APNs token failed: {e}"))?;
        if let Ok(mut t) = self.tokens.lock() {
            t.insert(name, (jwt.clone(), now));
        }
        Ok(jwt)
    }

    fn forget(&self, team_id: &str, key_id: &str) {
        if let Ok(mut t) = self.tokens.lock() {
            t.remove(&format!("{team_id}/{key_id}"));
        }
    }
}

/// The APNs payload of a notification.
pub fn payload(job: &PushJob) -> Value {
    json!({
        "aps": {
            "alert": { "title": job.title, "body": job.body },
            "badge": job.badge,
            "sound": "default",
        },
        "msg_id": job.msg_id.to_string(),
        "f": job.from,
    })
}

/// The credential's fields APNs needs.
pub struct Key<'a> {
    pub team_id: &'a str,
    pub key_id: &'a str,
    pub p8: &'a str,
    pub bundle_id: &'a str,
    pub sandbox: bool,
}

pub async fn send(node: &Node, key: &Key<'_>, job: &PushJob, target: &PushTarget) -> Outcome {
    let apns = &node.hooks.apns;
    let jwt = match apns.token(key.team_id, key.key_id, key.p8, node.clock.now_ms()) {
        Ok(t) => t,
        Err(e) => return Outcome::Failed(e),
    };
    let cfg = &node.config.push;
    let base = if key.sandbox {
        &cfg.apns_sandbox_url
    } else {
        &cfg.apns_url
    };
    let url = format!(
        "{}/3/device/{}",
        base.trim_end_matches('/'),
        target.device_token
    );
    let sent = apns
        .client
        .post(url)
        .header("authorization", format!("bearer {jwt}"))
        .header("apns-topic", key.bundle_id)
        .header("apns-push-type", "alert")
        .header("apns-priority", "10")
        .json(&payload(job))
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
    let reason = r
        .json::<Value>()
        .await
        .ok()
        .and_then(|v| v["reason"].as_str().map(str::to_string))
        .unwrap_or_default();
    match (status, reason.as_str()) {
        (410, _) | (400, "BadDeviceToken") | (400, "DeviceTokenNotForTopic") => {
            Outcome::BadToken(format!("HTTP {status} {reason}"))
        }
        (403, "ExpiredProviderToken") | (403, "InvalidProviderToken") => {
            apns.forget(key.team_id, key.key_id);
            Outcome::Failed(format!("HTTP {status} {reason}"))
        }
        _ => Outcome::Failed(format!("HTTP {status} {reason}")),
    }
}
