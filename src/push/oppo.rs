//! OPPO Push: an `auth_token` from `POST {push.oppo_url}/server/v1/auth`
//! (form `app_key`, `timestamp` in ms, `sign` = hex SHA-256 of app key +
//! timestamp + master secret), kept an hour (OPPO's last a day), then
//! `POST {push.oppo_url}/server/v1/message/notification/unicast` with the
//! form `auth_token` and `message`: `{"target_type": 2 (registration
//! id), "target_value", "notification": {"title", "content",
//! "click_action_type": 0 (open the app), "action_parameters",
//! "app_message_id"}}`. The answer's `code` is 0 when sent; 10000
//! (invalid registration id) means the token is not valid; 11 (invalid
//! auth token) drops the auth token.

use super::vendor::{self, text};
use super::Outcome;
use crate::node::Node;
use imcloud_actors::push::{PushJob, PushTarget};
use serde_json::{json, Value};

/// The credential's fields OPPO needs.
pub struct App<'a> {
    pub app_key: &'a str,
    pub master_secret: &'a str,
}

fn base(node: &Node) -> String {
    node.config.push.oppo_url.trim_end_matches('/').to_string()
}

async fn auth_token(node: &Node, app: &App<'_>, name: &str) -> Result<String, String> {
    let now = node.clock.now_ms();
    if let Some(t) = node.hooks.vendor_tokens.cached(name, now) {
        return Ok(t);
    }
    let timestamp = now.to_string();
    let sign = vendor::sha256_hex(&format!("{}{timestamp}{}", app.app_key, app.master_secret));
    let form = [
        ("app_key", app.app_key),
        ("timestamp", timestamp.as_str()),
        ("sign", sign.as_str()),
    ];
    let url = format!("{}/server/v1/auth", base(node));
    let req = node.hooks.http.post(url).form(&form);
    vendor::sign_in(node, name, now, req, "/data/auth_token", "/code").await
}

/// The `message` field for one device.
pub fn message(job: &PushJob, target: &PushTarget) -> Value {
    json!({
        "target_type": 2,
        "target_value": target.device_token,
        "notification": {
            "title": vendor::title(job, 50),
            "content": vendor::clip(&job.body, 200),
            "click_action_type": 0,
            "action_parameters": vendor::data(job).to_string(),
            "app_message_id": format!("{}_{}", job.msg_id, target.device_id),
        },
    })
}

pub async fn send(node: &Node, app: &App<'_>, job: &PushJob, target: &PushTarget) -> Outcome {
    let name = format!("oppo/{}", app.app_key);
    let token = match auth_token(node, app, &name).await {
        Ok(t) => t,
        Err(e) => return Outcome::Failed(e),
    };
    let message = message(job, target).to_string();
    let form = [
        ("auth_token", token.as_str()),
        ("message", message.as_str()),
    ];
    let url = format!("{}/server/v1/message/notification/unicast", base(node));
    let (status, v) = match vendor::call(node, node.hooks.http.post(url).form(&form)).await {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(e),
    };
    let code = text(&v["code"]);
    let why = format!("HTTP {status} code {code} {}", text(&v["message"]));
    match code.as_str() {
        "0" if status == 200 => Outcome::Sent,
        "10000" => Outcome::BadToken(why),
        "11" => vendor::auth_refused(node, &name, why),
        _ => Outcome::Failed(why),
    }
}
