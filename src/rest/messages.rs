//! Sending messages from an app server (Easemob §5.1 M1 and the legacy
//! `/messages` form of §5.2, for `users` targets; its `chatgroups` and
//! `chatrooms` targets go to M2 and M3). Each target gets its own
//! message; the reply maps target → msg id once every message is stored.

use super::envelope::Envelope;
use super::extract::{AppToken, Body};
use super::parse_json;
use super::posts;
use super::targets;
use crate::error::ApiError;
use crate::routes::Register as _;
use crate::send::Draft;
use crate::words::Sending;
use actix_web::{web, HttpResponse};
use futures_util::future::join_all;
use futures_util::future::Either;
use imcloud_actors::command::Origin;
use imcloud_actors::ids::UserId;
use imcloud_actors::message::ChatType;
use imcloud_actors::roster::Scope;
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Most recipients of one call.
const MAX_TARGETS: usize = 600;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/messages/users", send_users)
        .post("/{org}/{app}/messages", send_legacy);
}

#[derive(Deserialize)]
struct SendUsers {
    #[serde(default)]
    from: Option<String>,
    to: Vec<String>,
    #[serde(rename = "type")]
    kind: String,
    body: Map<String, Value>,
    #[serde(default, deserialize_with = "present")]
    ext: Option<Value>,
    #[serde(default)]
    sync_device: bool,
}

#[derive(Deserialize)]
struct SendLegacy {
    target_type: String,
    target: Vec<String>,
    #[serde(default)]
    from: Option<String>,
    msg: Map<String, Value>,
    #[serde(default, deserialize_with = "present")]
    ext: Option<Value>,
    #[serde(default)]
    sync_device: bool,
    #[serde(default)]
    chatroom_msg_level: Option<String>,
}

/// A field that was sent, even as `null` (`Some(Value::Null)`); only a
/// missing field is `None`. `ext: null` must be refused, not ignored.
pub(crate) fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Checks the fields every send shares (M1–M3): `from` (default
/// `admin`), `ext`, and the body, which it screens for the app's
/// sensitive words (a refusal is reported as one `keyword_alert` per
/// target of `to`, users, groups or rooms by `chat`); returns the sender
/// and the words screening replaced.
pub(crate) async fn check_send(
    ctx: &crate::rest::extract::AppCtx,
    from: Option<String>,
    (chat, to): (ChatType, &[String]),
    body: &mut Value,
    ext: &mut Option<Value>,
) -> Result<(String, Vec<String>), ApiError> {
    let from = match from {
        None => crate::send::ADMIN_SENDER.to_string(),
        Some(f) if f.is_empty() => {
            return Err(ApiError::MessageSend("param from can't be empty".into()))
        }
        Some(f) => UserId::parse(&f)
            .map_err(|e| ApiError::MessageSend(e.to_string()))?
            .to_string(),
    };
    if matches!(ext, Some(Value::Null)) || ext.as_ref().is_some_and(|e| !e.is_object()) {
        return Err(ApiError::MessageSend("param ext must be JSONObject".into()));
    }
    if body.as_object().is_some_and(|b| b.len() <= 1) {
        return Err(ApiError::MessageSend("param body can't be empty".into()));
    }
    let sending = Sending {
        app: &ctx.app,
        chat,
        from: &from,
        to,
    };
    let replaced = ctx
        .node
        .screen(&ctx.record, body, ext.as_mut(), Some(sending))
        .await?;
    imcloud_actors::message::validate_body(
        body,
        ext.as_ref(),
        ctx.record.settings.max_message_bytes as usize,
    )
    .map_err(|e| match e {
        DomainError::MessageTooLarge => ApiError::MessageSend("message is too large".into()),
        other => ApiError::MessageSend(other.to_string()),
    })?;
    Ok((from, replaced))
}

/// Checks the common fields and sends to every target.
async fn send_to_users(
    ctx: &crate::rest::extract::AppCtx,
    from: Option<String>,
    to: Vec<String>,
    body: Value,
    ext: Option<Value>,
    sync_device: bool,
) -> Result<Map<String, Value>, ApiError> {
    targets::check_count(&to, MAX_TARGETS)?;
    let (mut body, mut ext) = (body, ext);
    let users: Vec<UserId> = targets::parse_each(&to, UserId::parse)?;
    let names: Vec<String> = users.iter().map(|u| u.to_string()).collect();
    let (from, replaced_words) =
        check_send(ctx, from, (ChatType::Single, &names), &mut body, &mut ext).await?;
    // A user's message passes its entity (its app-wide mute, and its copy
    // when asked for); the implicit system sender has none.
    let system = from == crate::send::ADMIN_SENDER;
    let sends = users.iter().map(|target| {
        let draft = Draft {
            msg_id: 0,
            from: from.clone(),
            to: target.to_string(),
            body: body.clone(),
            ext: ext.clone(),
            replaced_words: replaced_words.clone(),
        };
        if system {
            Either::Right(ctx.node.deliver_direct(&ctx.app, draft))
        } else {
            let origin = Origin::Rest { sync_device };
            Either::Left(ctx.node.send_direct(&ctx.app, draft, None, origin))
        }
    });
    // Keyed by the targets as the call spelled them.
    targets::msg_ids(ctx, to, join_all(sends).await, DomainError::UserNotFound)
}

async fn send_users(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: SendUsers = parse_json(&body)?;
    let data = send_to_users(
        &ctx,
        req.from,
        req.to,
        typed_body(req.kind, req.body),
        req.ext,
        req.sync_device,
    )
    .await?;
    Ok(Envelope::new(&ctx).data(Value::Object(data)).finish())
}

/// The body of the M1–M3 forms, which send the message type beside it
/// (`type`), in the protocol's spelling.
pub(crate) fn typed_body(kind: String, mut body: Map<String, Value>) -> Value {
    body.insert("type".into(), Value::String(kind));
    easemob_body(body)
}

/// Maps Easemob's body spellings onto the protocol's (docs/protocol.md):
/// custom `customEvent`/`customExts` become `event`/`params`, `loc`
/// coordinates sent as strings become numbers, and `Length` is `length`.
/// Anything that does not convert is left for `validate_body` to refuse.
pub(crate) fn easemob_body(mut msg: Map<String, Value>) -> Value {
    match msg.get("type").and_then(Value::as_str) {
        Some("custom") => {
            if let Some(ev) = msg.remove("customEvent") {
                msg.insert("event".into(), ev);
            }
            if let Some(p) = msg.remove("customExts") {
                msg.insert("params".into(), p);
            }
        }
        Some("loc") => {
            for key in ["lat", "lng"] {
                let number = match msg.get(key) {
                    Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
                    _ => None,
                };
                if let Some(n) = number.and_then(serde_json::Number::from_f64) {
                    msg.insert(key.into(), Value::Number(n));
                }
            }
        }
        Some("audio" | "video") => {
            if let Some(len) = msg.remove("Length") {
                msg.entry("length").or_insert(len);
            }
        }
        _ => {}
    }
    Value::Object(msg)
}

async fn send_legacy(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: SendLegacy = parse_json(&body)?;
    let body = easemob_body(req.msg);
    let mut data = match req.target_type.as_str() {
        "users" => {
            send_to_users(&ctx, req.from, req.target, body, req.ext, req.sync_device).await?
        }
        "chatgroups" => {
            let scope = Scope::Group;
            posts::send_to(&ctx, scope, req.from, req.target, body, req.ext, None).await?
        }
        "chatrooms" => {
            let (scope, level) = (Scope::Chatroom, req.chatroom_msg_level);
            posts::send_to(&ctx, scope, req.from, req.target, body, req.ext, level).await?
        }
        other => {
            return Err(ApiError::IllegalArgument(format!(
                "target_type must be users, chatgroups or chatrooms, not {other}"
            )))
        }
    };
    let use_msg_id = ctx.param("useMsgId") == Some("true");
    if !use_msg_id {
        for v in data.values_mut() {
            *v = Value::String("success".into());
        }
    }
    Ok(Envelope::new(&ctx).data(Value::Object(data)).finish())
}
