//! Sending to rooms from an app server (Easemob §5.1 M3, and the legacy
//! `/messages` form with `target_type: chatrooms`): one message per room,
//! pushed to the devices joined right now and never stored. The app may
//! send as anyone; `chatroom_msg_level` is the priority when the room's
//! fan-out sheds load.

use crate::chatrooms::{room_id, RoomSendSpec};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppCtx, AppToken, Body};
use crate::rest::messages::{check_send, present, typed_body};
use crate::rest::parse_json;
use crate::rest::targets;
use actix_web::{web, HttpResponse};
use futures_util::future::join_all;
use imcloud_actors::chatroom::Priority;
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Most rooms of one call.
const MAX_ROOMS: usize = 10;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/{org}/{app}/messages/chatrooms",
        web::post().to(send_rooms),
    );
}

#[derive(Deserialize)]
struct SendRooms {
    #[serde(default)]
    from: Option<String>,
    to: Vec<String>,
    #[serde(rename = "type")]
    kind: String,
    body: Map<String, Value>,
    #[serde(default, deserialize_with = "present")]
    ext: Option<Value>,
    #[serde(default)]
    chatroom_msg_level: Option<String>,
}

/// Checks the call and sends to each room; maps room id → msg id. A room
/// that does not exist gets a msg id and nothing is sent, as Easemob does.
pub async fn send_to_rooms(
    ctx: &AppCtx,
    from: Option<String>,
    to: Vec<String>,
    body: Value,
    ext: Option<Value>,
    level: Option<String>,
) -> Result<Map<String, Value>, ApiError> {
    targets::check_count(&to, MAX_ROOMS)?;
    let priority = match level.as_deref() {
        None => Priority::Normal,
        Some(l) => Priority::parse(l).map_err(|e| ApiError::MessageSend(e.to_string()))?,
    };
    let from = check_send(ctx, from, &body, &ext)?;
    let rooms: Vec<String> = targets::parse_each(&to, room_id)?;
    let sends = rooms.iter().map(|r| {
        let spec = RoomSendSpec {
            from: from.clone(),
            body: body.clone(),
            ext: ext.clone(),
            priority,
            client_msg_id: None,
            origin_session: None,
            sender: None,
        };
        ctx.node.room_send(&ctx.app, r, spec)
    });
    let sent = join_all(sends).await;
    targets::msg_ids(ctx, rooms, sent, DomainError::RoomNotFound)
}

async fn send_rooms(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: SendRooms = parse_json(&body)?;
    let data = send_to_rooms(
        &ctx,
        req.from,
        req.to,
        typed_body(req.kind, req.body),
        req.ext,
        req.chatroom_msg_level,
    )
    .await?;
    Ok(Envelope::new(&ctx).data(Value::Object(data)).finish())
}
