//! Meizu (Flyme) Push: `POST
//! {push.meizu_url}/garcia/api/server/push/varnished/pushByPushId` (a
//! notification-bar message) with the form `appId`, `pushIds`,
//! `messageJson` (`{"noticeBarInfo": {"noticeBarType": 0, "title",
//! "content"}, "clickTypeInfo": {"clickType": 0 (open the app),
//! "parameters"}, "pushTimeInfo": {"offLine": 1, "validTime": 24}}`) and
//! `sign`: the hex MD5 of every other parameter as `key=value`, sorted by
//! key and joined with nothing, followed by the app secret. The answer's
//! `code` is `"200"` when sent; 110002 (push id not subscribed) or 110003
//! (push id not valid), as the answer's code or as a key of its `value`
//! listing the push id, means the token is not valid.

use super::vendor::{self, text};
use super::Outcome;
use crate::node::Node;
use imcloud_actors::push::{PushJob, PushTarget};
use serde_json::{json, Value};

/// The credential's fields Meizu needs.
pub struct App<'a> {
    pub app_id: &'a str,
    pub app_secret: &'a str,
}

/// Meizu's codes for a push id that is not (or no longer) valid.
const INVALID: [&str; 2] = ["110002", "110003"];

/// `md5(k1=v1k2=v2…secret)` over `params` sorted by key.
pub fn sign(params: &[(&str, String)], secret: &str) -> String {
    let mut sorted: Vec<&(&str, String)> = params.iter().collect();
    sorted.sort_by_key(|(k, _)| *k);
    let mut text: String = sorted.iter().map(|(k, v)| format!("{k}={v}")).collect();
    text.push_str(secret);
    vendor::md5_hex(&text)
}

/// The form for one device, signed.
pub fn form(app: &App<'_>, job: &PushJob, target: &PushTarget) -> Vec<(&'static str, String)> {
    let message = json!({
        "noticeBarInfo": {
            "noticeBarType": 0,
            "title": vendor::title(job, 32),
            "content": vendor::clip(&job.body, 100),
        },
        "clickTypeInfo": { "clickType": 0, "parameters": vendor::data(job) },
        "pushTimeInfo": { "offLine": 1, "validTime": 24 },
    });
    let mut params = vec![
        ("appId", app.app_id.to_string()),
        ("pushIds", target.device_token.clone()),
        ("messageJson", message.to_string()),
    ];
    let signature = sign(&params, app.app_secret);
    params.push(("sign", signature));
    params
}

/// Whether `value` says `token` is not valid: `{code: [ids]}` or `{id:
/// code}`.
fn refuses(value: &Value, token: &str) -> bool {
    let Some(map) = value.as_object() else {
        return false;
    };
    map.iter().any(|(k, v)| {
        let listed = |v: &Value| match v {
            Value::Array(ids) => ids.iter().any(|i| i.as_str() == Some(token)),
            Value::String(ids) => ids.split(',').any(|i| i == token),
            _ => false,
        };
        (INVALID.contains(&k.as_str()) && listed(v))
            || (k == token && INVALID.contains(&text(v).as_str()))
    })
}

pub async fn send(node: &Node, app: &App<'_>, job: &PushJob, target: &PushTarget) -> Outcome {
    let url = format!(
        "{}/garcia/api/server/push/varnished/pushByPushId",
        node.config.push.meizu_url.trim_end_matches('/')
    );
    let req = node.hooks.http.post(url).form(&form(app, job, target));
    let (status, v) = match vendor::call(node, req).await {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(e),
    };
    let code = text(&v["code"]);
    let why = format!(
        "HTTP {status} code {code} {} {}",
        text(&v["message"]),
        v["value"]
    );
    if INVALID.contains(&code.as_str()) || refuses(&v["value"], &target.device_token) {
        return Outcome::BadToken(why);
    }
    match code.as_str() {
        "200" if status == 200 => Outcome::Sent,
        _ => Outcome::Failed(why),
    }
}
