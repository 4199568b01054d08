//! Huawei Push Kit (HMS), API v1: an OAuth access token from the client
//! credentials grant (`client_id` = the app id, `client_secret` = the
//! app secret; form-encoded to `push.huawei_token_url`), then `POST
//! {push.huawei_url}/v1/{app_id}/messages:send` with `Authorization:
//! Bearer` and `{"validate_only": false, "message": {"notification",
//! "android", "data", "token": [..]}}`. The answer's `code` is
//! `"80000000"` when sent; `"80300007"` (token invalid) — or
//! `"80100000"` naming the token among `illegal_tokens` — means the token
//! is not valid; `"80200001"`/`"80200003"` (OAuth refused or expired) and
//! HTTP 401 drop the access token.

use super::vendor::{self, text};
use super::Outcome;
use crate::node::Node;
use imcloud_actors::push::{PushJob, PushTarget};
use serde_json::{json, Value};

/// The credential's fields Huawei needs.
pub struct App<'a> {
    pub app_id: &'a str,
    pub app_secret: &'a str,
}

/// The request body for one device.
pub fn message(job: &PushJob, target: &PushTarget) -> Value {
    let title = vendor::title(job, 100);
    json!({
        "validate_only": false,
        "message": {
            "notification": { "title": title, "body": job.body },
            "android": {
                "urgency": "HIGH",
                "notification": {
                    "title": title,
                    "body": job.body,
                    // 3: open the app.
                    "click_action": { "type": 3 },
                },
            },
            "data": vendor::data(job).to_string(),
            "token": [target.device_token],
        }
    })
}

pub async fn send(node: &Node, app: &App<'_>, job: &PushJob, target: &PushTarget) -> Outcome {
    let cfg = &node.config.push;
    let name = format!("huawei/{}", app.app_id);
    let token = match vendor::client_credentials(
        node,
        &name,
        &cfg.huawei_token_url,
        app.app_id,
        app.app_secret,
    )
    .await
    {
        Ok(t) => t,
        Err(e) => return Outcome::Failed(e),
    };
    let url = format!(
        "{}/v1/{}/messages:send",
        cfg.huawei_url.trim_end_matches('/'),
        app.app_id
    );
    let req = node
        .hooks
        .http
        .post(url)
        .bearer_auth(token)
        .json(&message(job, target));
    let (status, v) = match vendor::call(node, req).await {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(e),
    };
    let code = text(&v["code"]);
    let why = format!("HTTP {status} code {code} {}", text(&v["msg"]));
    let names_token = |list: &Value| {
        list.as_array().is_some_and(|l| {
            l.iter()
                .any(|t| t.as_str() == Some(target.device_token.as_str()))
        })
    };
    match code.as_str() {
        "80000000" if status == 200 => Outcome::Sent,
        "80300007" => Outcome::BadToken(why),
        "80100000" if names_token(&v["illegal_tokens"]) => Outcome::BadToken(why),
        "80200001" | "80200003" => vendor::auth_refused(node, &name, why),
        _ if status == 401 => vendor::auth_refused(node, &name, why),
        _ => Outcome::Failed(why),
    }
}
