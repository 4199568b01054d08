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
    let url = format!(
        "{}/v1/{}/messages:send",
        cfg.huawei_url.trim_end_matches('/'),
        app.app_id
    );
    let req = match authorized_post(
        node,
        &name,
        &cfg.huawei_token_url,
        (app.app_id, app.app_secret),
        url,
    )
    .await
    {
        Ok(req) => req.json(&message(job, target)),
        Err(failed) => return failed,
    };
    let (status, v) = match vendor::call(node, req).await {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(e),
    };
    let code = text(&v["code"]);
    let why = format!("HTTP {status} code {code} {}", text(&v["msg"]));
    let listed = v["illegal_tokens"].as_array().is_some_and(|l| {
        l.iter()
            .any(|t| t.as_str() == Some(target.device_token.as_str()))
    });
    let listed_bad = code == "80100000" && listed;
    outcome(node, &name, status, &code, why, &["80000000"], listed_bad)
}

/// A `POST` to `url` with a bearer token from the client credentials
/// grant `(id, secret)` at `token_url`, cached under `name`. Honor's API
/// began as this one and shares it.
pub(super) async fn authorized_post(
    node: &Node,
    name: &str,
    token_url: &str,
    (id, secret): (&str, &str),
    url: String,
) -> Result<reqwest::RequestBuilder, Outcome> {
    let token = vendor::client_credentials(node, name, token_url, id, secret)
        .await
        .map_err(Outcome::Failed)?;
    Ok(node.hooks.http.post(url).bearer_auth(token))
}

/// What an answer means by the codes Huawei and Honor share: `sent` are
/// the codes of a sent message (with HTTP 200); `listed_bad` says the
/// answer named the device's token as invalid.
pub(super) fn outcome(
    node: &Node,
    name: &str,
    status: u16,
    code: &str,
    why: String,
    sent: &[&str],
    listed_bad: bool,
) -> Outcome {
    match code {
        c if status == 200 && sent.contains(&c) => Outcome::Sent,
        "80300007" => Outcome::BadToken(why),
        _ if listed_bad => Outcome::BadToken(why),
        "80200001" | "80200003" => vendor::auth_refused(node, name, why),
        _ if status == 401 => vendor::auth_refused(node, name, why),
        _ => Outcome::Failed(why),
    }
}
