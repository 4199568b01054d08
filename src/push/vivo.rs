//! vivo Push: an `authToken` from `POST {push.vivo_url}/message/auth`
//! (JSON `appId`, `appKey`, `timestamp` in ms and `sign`, the hex MD5 of
//! the app id, app key, timestamp and app secret joined), kept an hour
//! (vivo asks for a new one every one or two; they last a day), then
//! `POST {push.vivo_url}/message/send` with the `authToken` header and
//! JSON `{"regId", "notifyType": 4, "title", "content", "skipType": 1
//! (open the app), "classification": 1 (a system message), "requestId",
//! "clientCustomMap"}`; `requestId` is the same on a retry, so vivo sends
//! it once. The answer's `result` is 0 when sent; 10302 (regId not
//! valid) means the token is not valid; 10000 (authentication failed)
//! drops the auth token.

use super::vendor::{self, text};
use super::Outcome;
use crate::node::Node;
use imcloud_actors::push::{PushJob, PushTarget};
use serde_json::{json, Value};

/// The credential's fields vivo needs.
pub struct App<'a> {
    pub app_id: &'a str,
    pub app_key: &'a str,
    pub app_secret: &'a str,
}

/// vivo's app ids are numbers (checked when the credential is stored).
pub fn check_app_id(app_id: &str) -> Result<u64, String> {
    app_id
        .trim()
        .parse()
        .map_err(|_| "vivo app_id must be a number".to_string())
}

fn base(node: &Node) -> String {
    node.config.push.vivo_url.trim_end_matches('/').to_string()
}

async fn auth_token(node: &Node, app: &App<'_>, name: &str) -> Result<String, String> {
    let now = node.clock.now_ms();
    if let Some(t) = node.hooks.vendor_tokens.cached(name, now) {
        return Ok(t);
    }
    let app_id = check_app_id(app.app_id)?;
    let sign = vendor::md5_hex(&format!(
        "{app_id}{}{now}{}",
        app.app_key.trim(),
        app.app_secret.trim()
    ));
    let body =
        json!({"appId": app_id, "appKey": app.app_key.trim(), "timestamp": now, "sign": sign});
    let url = format!("{}/message/auth", base(node));
    let req = node.hooks.http.post(url).json(&body);
    vendor::sign_in(node, name, now, req, "/authToken", "/result").await
}

/// The request body for one device.
pub fn message(job: &PushJob, target: &PushTarget) -> Value {
    json!({
        "regId": target.device_token,
        "notifyType": 4,
        // vivo counts a CJK character as two: 20 and 50 always fit.
        "title": vendor::title(job, 20),
        "content": vendor::clip(&job.body, 50),
        "skipType": 1,
        "classification": 1,
        "requestId": format!("{}_{}", job.msg_id, target.device_id),
        "clientCustomMap": vendor::data(job),
    })
}

pub async fn send(node: &Node, app: &App<'_>, job: &PushJob, target: &PushTarget) -> Outcome {
    let name = format!("vivo/{}", app.app_id);
    let token = match auth_token(node, app, &name).await {
        Ok(t) => t,
        Err(e) => return Outcome::Failed(e),
    };
    let url = format!("{}/message/send", base(node));
    let req = node
        .hooks
        .http
        .post(url)
        .header("authToken", token)
        .json(&message(job, target));
    let (status, v) = match vendor::call(node, req).await {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(e),
    };
    let result = text(&v["result"]);
    let why = format!("HTTP {status} result {result} {}", text(&v["desc"]));
    match result.as_str() {
        "0" if status == 200 => Outcome::Sent,
        "10302" => Outcome::BadToken(why),
        "10000" => vendor::auth_refused(node, &name, why),
        _ => Outcome::Failed(why),
    }
}
