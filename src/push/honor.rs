//! Honor Push: an OAuth access token from the client credentials grant
//! (the credential's `client_id` and `client_secret`, form-encoded to
//! `push.honor_token_url`), then `POST
//! {push.honor_url}/api/v1/{app_id}/sendMessage` with `Authorization:
//! Bearer`, a `timestamp` header (ms) and `{"android": {"notification":
//! {"title", "body", "clickAction"}}, "data", "token": [..]}`. The
//! answer's `code` is 200 (or `"80000000"`) when sent; `80300007` (token
//! invalid) means the token is not valid; `80200001`/`80200003` and HTTP
//! 401 drop the access token.

use super::vendor::{self, text};
use super::{huawei, Outcome};
use crate::node::Node;
use imcloud_actors::push::{PushJob, PushTarget};
use serde_json::{json, Value};

/// The credential's fields Honor needs.
pub struct App<'a> {
    pub app_id: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
}

/// The request body for one device.
pub fn message(job: &PushJob, target: &PushTarget) -> Value {
    json!({
        "android": {
            "notification": {
                "title": vendor::title(job, 100),
                "body": job.body,
                // 3: open the app.
                "clickAction": { "type": 3 },
            },
        },
        "data": vendor::data(job).to_string(),
        "token": [target.device_token],
    })
}

pub async fn send(node: &Node, app: &App<'_>, job: &PushJob, target: &PushTarget) -> Outcome {
    let cfg = &node.config.push;
    let name = format!("honor/{}", app.client_id);
    let url = format!(
        "{}/api/v1/{}/sendMessage",
        cfg.honor_url.trim_end_matches('/'),
        app.app_id
    );
    let req = match huawei::authorized_post(
        node,
        &name,
        &cfg.honor_token_url,
        (app.client_id, app.client_secret),
        url,
    )
    .await
    {
        Ok(req) => req
            .header("timestamp", node.clock.now_ms().to_string())
            .json(&message(job, target)),
        Err(failed) => return failed,
    };
    let (status, v) = match vendor::call(node, req).await {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(e),
    };
    let code = text(&v["code"]);
    let why = format!("HTTP {status} code {code} {}", text(&v["message"]));
    huawei::outcome(node, &name, status, &code, why, &["200", "80000000"], false)
}
