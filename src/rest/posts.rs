//! Messages from an app server to groups (M2, `POST /messages/chatgroups`)
//! and chatrooms (M3, `POST /messages/chatrooms`), and their targets in
//! the legacy `/messages` form. Both go straight to the group or room as
//! the app (no sender rate, no membership check of the sender); the reply
//! maps each target to its msg id.

use super::envelope::Envelope;
use super::extract::{AppCtx, AppToken, Body};
use super::messages::{check_send, present, typed_body};
use super::parse_json;
use super::targets;
use crate::error::ApiError;
use crate::routes::Register as _;
use crate::send::Draft;
use actix_web::{web, HttpResponse};
use futures_util::future::join_all;
use imcloud_actors::chatroom::Priority;
use imcloud_actors::command::Origin;
use imcloud_actors::message::ChatType;
use imcloud_actors::roster::Scope;
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{Map, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/messages/chatgroups", send_groups)
        .post("/{org}/{app}/messages/chatrooms", send_rooms);
}

#[derive(Deserialize)]
struct SendPosts {
    #[serde(default)]
    from: Option<String>,
    to: Vec<String>,
    #[serde(rename = "type")]
    kind: String,
    body: Map<String, Value>,
    #[serde(default, deserialize_with = "present")]
    ext: Option<Value>,
    /// Chatrooms only.
    #[serde(default)]
    chatroom_msg_level: Option<String>,
}

/// How many groups, or rooms, one call may send to (Easemob's limits).
fn max_targets(scope: Scope) -> usize {
    match scope {
        Scope::Group => 3,
        Scope::Chatroom => 10,
    }
}

/// Sends one message to each of `to`, groups or rooms by `scope`.
pub async fn send_to(
    ctx: &AppCtx,
    scope: Scope,
    from: Option<String>,
    to: Vec<String>,
    body: Value,
    ext: Option<Value>,
    level: Option<String>,
) -> Result<Map<String, Value>, ApiError> {
    targets::check_count(&to, max_targets(scope))?;
    let priority = match level.as_deref() {
        None => Priority::Normal,
        Some(l) => Priority::parse(l).map_err(|e| ApiError::MessageSend(e.to_string()))?,
    };
    let (mut body, mut ext) = (body, ext);
    let (ids, chat): (Vec<String>, _) = match scope {
        Scope::Group => (
            targets::parse_each(&to, crate::groups::group_id)?,
            ChatType::Group,
        ),
        Scope::Chatroom => (
            targets::parse_each(&to, crate::chatrooms::room_id)?,
            ChatType::Chatroom,
        ),
    };
    let (from, replaced_words) = check_send(ctx, from, (chat, &ids), &mut body, &mut ext).await?;
    let sends = ids.iter().map(|id| {
        let key = match scope {
            Scope::Group => crate::groups::group_key(&ctx.app, id),
            Scope::Chatroom => crate::chatrooms::room_key(&ctx.app, id),
        };
        let draft = Draft {
            msg_id: 0,
            from: from.clone(),
            to: id.clone(),
            body: body.clone(),
            ext: ext.clone(),
            replaced_words: replaced_words.clone(),
        };
        let origin = Origin::Rest { sync_device: false };
        let opts = crate::send::PostOptions {
            priority,
            need_group_ack: false,
        };
        ctx.node.post(&ctx.app, key, draft, None, origin, opts)
    });
    let sent = join_all(sends).await;
    targets::msg_ids(ctx, ids, sent, DomainError::NotFound(scope))
}

async fn send(ctx: AppCtx, scope: Scope, body: &[u8]) -> Result<HttpResponse, ApiError> {
    let req: SendPosts = parse_json(body)?;
    let level = match scope {
        Scope::Group => None,
        Scope::Chatroom => req.chatroom_msg_level,
    };
    let data = send_to(
        &ctx,
        scope,
        req.from,
        req.to,
        typed_body(req.kind, req.body),
        req.ext,
        level,
    )
    .await?;
    Ok(Envelope::new(&ctx).data(Value::Object(data)).finish())
}

async fn send_groups(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    send(ctx, Scope::Group, &body).await
}

async fn send_rooms(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    send(ctx, Scope::Chatroom, &body).await
}
