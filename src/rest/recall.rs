//! Recalling messages as the app server (Easemob §5.6): R1 `POST
//! /messages/msg_recall` (one message; an R1 body on `/messages/recall` is
//! taken too) and R2 `POST /messages/recall` (`{"msgs": [...]}`, each
//! answered on its own).

use super::envelope::Envelope;
use super::extract::{AppCtx, AppToken, Body};
use super::parse_json;
use crate::error::ApiError;
use crate::recall::{RecallRequest, Recaller, ADMIN_SENDER};
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::message::ChatType;
use serde::Deserialize;
use serde_json::{json, Value};

/// Most messages one R2 call recalls.
const MAX_BATCH: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/messages/msg_recall", recall_one)
        .post("/{org}/{app}/messages/recall", recall_many);
}

/// One message to recall, as R1 and each entry of R2 name it.
#[derive(Deserialize)]
struct RecallBody {
    #[serde(default)]
    msg_id: Option<Value>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    chat_type: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    force: bool,
}

#[derive(Deserialize)]
struct Batch {
    msgs: Vec<RecallBody>,
}

fn missing(field: &str) -> ApiError {
    ApiError::RecallParam(format!("param {field} can't be empty"))
}

/// A checked request, and the names the reply echoes.
struct Checked {
    req: RecallRequest,
    chat_type: String,
}

fn check(body: RecallBody) -> Result<Checked, ApiError> {
    let msg_id = match body.msg_id {
        Some(Value::String(s)) if !s.is_empty() => s,
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(missing("msg_id")),
    };
    let msg_id = msg_id
        .parse::<u64>()
        .map_err(|_| ApiError::RecallParam(format!("can't find msg to recall: {msg_id}")))?;
    let to = body
        .to
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("to"))?;
    let chat_type = body
        .chat_type
        .filter(|c| !c.is_empty())
        .ok_or_else(|| missing("chat_type"))?;
    let chat = match chat_type.as_str() {
        "chat" => ChatType::Single,
        "groupchat" => ChatType::Group,
        "chatroom" => ChatType::Chatroom,
        other => {
            return Err(ApiError::RecallParam(format!(
                "chat_type must be chat, groupchat or chatroom, not {other}"
            )))
        }
    };
    let from = body
        .from
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| ADMIN_SENDER.to_string());
    Ok(Checked {
        req: RecallRequest {
            chat,
            from,
            to,
            msg_id,
            by: Recaller::App { force: body.force },
        },
        chat_type,
    })
}

async fn recall(ctx: &AppCtx, body: RecallBody) -> Result<Value, ApiError> {
    let Checked { req, chat_type } = check(body)?;
    let reply = json!({
        "recalled": "yes",
        "chattype": chat_type,
        "from": req.from,
        "to": req.to,
        "msg_id": req.msg_id.to_string(),
    });
    ctx.node.recall(&ctx.app, req).await?;
    Ok(reply)
}

async fn recall_one(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let body: RecallBody = parse_json(&body)?;
    let data = recall(&ctx, body).await?;
    Ok(Envelope::new(&ctx).data(data).finish())
}

async fn recall_many(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let raw: Value = parse_json(&body)?;
    if raw.get("msgs").is_none() {
        let one: RecallBody =
            serde_json::from_value(raw).map_err(|e| ApiError::InvalidBody(e.to_string()))?;
        let data = recall(&ctx, one).await?;
        return Ok(Envelope::new(&ctx).data(data).finish());
    }
    let batch: Batch =
        serde_json::from_value(raw).map_err(|e| ApiError::InvalidBody(e.to_string()))?;
    if batch.msgs.is_empty() || batch.msgs.len() > MAX_BATCH {
        return Err(ApiError::RecallParam(format!(
            "msgs must hold 1 to {MAX_BATCH} messages"
        )));
    }
    let mut results = Vec::with_capacity(batch.msgs.len());
    // One after another: a batch is small, and each answer stands alone.
    for body in batch.msgs {
        let id = body.msg_id.clone().map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
        results.push(match recall(&ctx, body).await {
            Ok(_) => json!({"msg_id": id, "recalled": "yes"}),
            Err(e) => json!({"msg_id": id, "recalled": "no", "reason": e.public_message()}),
        });
    }
    Ok(Envelope::new(&ctx)
        .data(json!({ "msgs": results }))
        .finish())
}
