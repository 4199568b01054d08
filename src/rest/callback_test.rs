//! "Send a test event" for a callback rule (imcloud's own, beside §14.3):
//! `POST /{org}/{app}/callbacks/{name}/test` posts one signed event of
//! type `test` to the rule's URL now, outside its queue, and answers what
//! the receiver said, so an operator can check the URL and the secret
//! before real traffic flows. The answer is reported, not judged: a
//! receiver that fails still gives a 200 with its status (or the network
//! error) in `data`.

use super::envelope::Envelope;
use super::extract::AppToken;
use crate::error::ApiError;
use crate::hooks::render::signature;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::app::GetApp;
use imcloud_actors::hooks::RuleKind;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How long a post-send rule's receiver may take to answer a test (a
/// pre-send rule's own `timeout_ms` applies to it).
const POST_SEND_TEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Most bytes of the receiver's answer read and shown back.
const ANSWER_SHOWN_BYTES: usize = 1_024;

/// The start of `resp`'s body, at most [`ANSWER_SHOWN_BYTES`] (the rest
/// is never read: a receiver cannot make the node buffer much).
async fn answer_start(mut resp: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < ANSWER_SHOWN_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(ANSWER_SHOWN_BYTES);
    String::from_utf8_lossy(&bytes).into_owned()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/callbacks/{name}/test", send_test);
}

/// `data: {"url", "call_id", "status", "ok", "answer", "duration_ms"}`, or
/// `"error"` instead of `status` when no HTTP answer came.
async fn send_test(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let name = path.into_inner().2;
    let record = ctx.node.ask(ctx.app.entity_key(), GetApp).await?;
    let rule = record
        .callbacks
        .iter()
        .find(|r| r.name == name)
        .ok_or(imcloud_actors::DomainError::RuleNotFound(name))?;
    let now = ctx.node.clock.now_ms();
    let call_id = format!("{}_test-{}", ctx.app, uuid::Uuid::new_v4());
    let body = json!({
        "callId": call_id,
        "eventType": "test",
        "chat_type": "test",
        "appkey": ctx.app.to_string(),
        "host": ctx.node.config.hooks.host,
        "timestamp": now,
        "security": signature(&call_id, &rule.secret, now),
        "securityVersion": "1.0.0",
        "payload": {"rule": rule.name, "kind": rule.kind, "test": true},
    });
    let timeout = match rule.kind {
        RuleKind::PreSend => Duration::from_millis(u64::from(rule.timeout_ms)),
        RuleKind::PostSend => POST_SEND_TEST_TIMEOUT,
    };
    let started = Instant::now();
    let sent = ctx
        .node
        .hooks
        .http
        .post(&rule.url)
        .timeout(timeout)
        .json(&body)
        .send()
        .await;
    let mut data = json!({"url": rule.url, "call_id": call_id});
    match sent {
        Ok(resp) => {
            let status = resp.status();
            data["status"] = json!(status.as_u16());
            data["ok"] = json!(status.is_success());
            data["answer"] = Value::String(answer_start(resp).await);
        }
        Err(e) => {
            data["ok"] = json!(false);
            data["error"] = json!(if e.is_timeout() {
                format!("no answer within {} ms", timeout.as_millis())
            } else {
                format!("could not reach the receiver: {e}")
            });
        }
    }
    data["duration_ms"] = json!(started.elapsed().as_millis() as u64);
    Ok(Envelope::new(&ctx).data(data).finish())
}
