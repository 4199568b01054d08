//! Xiaomi MiPush: `POST {push.xiaomi_url}/v3/message/regid` with
//! `Authorization: key=<app_secret>` and a form: `registration_id`,
//! `restricted_package_name`, `pass_through=0` (a notification-bar
//! message), `notify_type=-1` (sound, vibration and light), `notify_id`,
//! `title`, `description` and `payload` (the data as JSON, URL-encoded
//! once more as the MiPush docs ask). The answer is `{"result": "ok",
//! "code": 0}` when sent; code 20301 (no valid target) means the
//! registration id is not valid.

use super::vendor::{self, text};
use super::Outcome;
use crate::node::Node;
use imcloud_actors::push::{PushJob, PushTarget};

/// The credential's fields Xiaomi needs.
pub struct App<'a> {
    pub app_secret: &'a str,
    pub package_name: &'a str,
}

/// The form for one device.
pub fn form(app: &App<'_>, job: &PushJob, target: &PushTarget) -> Vec<(&'static str, String)> {
    let payload: String =
        form_urlencoded::byte_serialize(vendor::data(job).to_string().as_bytes()).collect();
    vec![
        ("registration_id", target.device_token.clone()),
        ("restricted_package_name", app.package_name.to_string()),
        ("pass_through", "0".into()),
        ("notify_type", "-1".into()),
        // One notification per message (the same id would replace it).
        ("notify_id", (job.msg_id % i32::MAX as u64).to_string()),
        ("title", vendor::title(job, 49)),
        ("description", vendor::clip(&job.body, 127)),
        ("payload", payload),
    ]
}

pub async fn send(node: &Node, app: &App<'_>, job: &PushJob, target: &PushTarget) -> Outcome {
    let url = format!(
        "{}/v3/message/regid",
        node.config.push.xiaomi_url.trim_end_matches('/')
    );
    let req = node
        .hooks
        .http
        .post(url)
        .header("authorization", format!("key={}", app.app_secret))
        .form(&form(app, job, target));
    let (status, v) = match vendor::call(node, req).await {
        Ok(a) => a,
        Err(e) => return Outcome::Failed(e),
    };
    let code = text(&v["code"]);
    let why = format!(
        "HTTP {status} code {code} {}",
        text(&v["reason"]) + &text(&v["description"])
    );
    match code.as_str() {
        "0" if status == 200 && v["result"] == "ok" => Outcome::Sent,
        "20301" => Outcome::BadToken(why),
        _ => Outcome::Failed(why),
    }
}
