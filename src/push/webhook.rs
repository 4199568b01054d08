//! The webhook provider: the app's own push service gets each device's
//! notification as one JSON `POST` (signed like a callback when the
//! credential has a secret). HTTP 200 is sent; HTTP 410 means the token
//! is no longer valid (the binding goes); anything else is a failure.

use super::Outcome;
use crate::hooks::render::signature;
use crate::node::Node;
use imcloud_actors::message::ChatType;
use imcloud_actors::push::{PushJob, PushTarget};
use serde_json::{json, Value};
use std::time::Duration;

/// The request body for one device.
pub fn body(app: &str, job: &PushJob, target: &PushTarget, secret: &str) -> Value {
    let call_id = format!("{app}_{}_{}", job.msg_id, target.device_id);
    let mut v = json!({
        "callId": call_id,
        "timestamp": job.at,
        "appkey": app,
        "user": job.user,
        "device_id": target.device_id,
        "notifier_name": target.notifier_name,
        "device_token": target.device_token,
        "title": job.title,
        "body": job.body,
        "badge": job.badge,
        "msg_id": job.msg_id.to_string(),
        "from": job.from,
        "chat_type": if job.chat == ChatType::Single { "chat" } else { "groupchat" },
        "conversation": job.conversation,
    });
    if !secret.is_empty() {
        v["security"] = json!(signature(&call_id, secret, job.at));
    }
    v
}

pub async fn send(node: &Node, url: &str, body: &Value) -> Outcome {
    let timeout = Duration::from_millis(node.config.push.request_timeout_ms);
    match node
        .hooks
        .http
        .post(url)
        .json(body)
        .timeout(timeout)
        .send()
        .await
    {
        Ok(r) if r.status().as_u16() == 200 => Outcome::Sent,
        Ok(r) if r.status().as_u16() == 410 => Outcome::BadToken("HTTP 410".into()),
        Ok(r) => Outcome::Failed(format!("HTTP {}", r.status().as_u16())),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}
