//! `send`: a 1:1, group or chatroom message from this device. Validated
//! here, routed at once (a 1:1 send to the sender's entity, a group or
//! chatroom send through it to the group or room) so a device's sends keep
//! their order, answered when the ack arrives: for 1:1 and groups once the
//! message is on disk, for chatrooms once it is accepted for fan-out.

use super::{args, OpResult};
use crate::chatrooms::{room_id, RoomSendSpec};
use crate::error::ApiError;
use crate::groups::{group_id, GroupSendSpec};
use crate::node::Node;
use crate::send::{client_send, SendSpec};
use crate::ws::session::SocketState;
use imcloud_actors::chatroom::Priority;
use imcloud_actors::command::RatePolicy;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::SendAck;
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;

const MAX_CLIENT_MSG_ID: usize = 64;

#[derive(Deserialize)]
struct SendArgs {
    chat: String,
    to: String,
    body: Value,
    #[serde(default)]
    ext: Option<Value>,
    #[serde(default)]
    client_msg_id: Option<String>,
    /// Chatrooms: `high`, `normal` (default) or `low`.
    #[serde(default)]
    priority: Option<String>,
}

/// The reply of a send, once its ack arrives.
pub type SendFuture = Pin<Box<dyn Future<Output = OpResult> + 'static>>;

pub fn start(state: &SocketState, raw: Value) -> Result<SendFuture, ApiError> {
    let Some(authed) = &state.authed else {
        return Err(ApiError::NotLoggedIn);
    };
    let a: SendArgs = args(raw)?;
    match a.chat.as_str() {
        "single" => {}
        "group" => return group_send(state, a),
        "chatroom" => return room_send(state, a),
        other => {
            return Err(DomainError::InvalidArgument(format!("unknown chat `{other}`")).into())
        }
    }
    let to = UserId::parse(&a.to)?;
    check_client_msg_id(a.client_msg_id.as_deref())?;
    let node = state.node.clone();
    imcloud_actors::message::validate_body(
        &a.body,
        a.ext.as_ref(),
        node.config.limits.max_message_bytes,
    )?;
    let spec = SendSpec {
        from: authed.user.clone(),
        to,
        body: a.body,
        ext: a.ext,
        client_msg_id: a.client_msg_id,
        origin_session: Some(authed.session_id),
    };
    let rate = rate_policy(&node, &authed.app);
    let rx = client_send(&node, &authed.app, spec, rate);
    Ok(Box::pin(
        async move { Ok(ack_fields(node.wait(rx).await?)) },
    ))
}

/// The app's per-user send rate. Settings come from the cached app record;
/// a cache miss (never after auth) falls back to the defaults.
fn rate_policy(node: &Node, app: &AppKey) -> RatePolicy {
    let settings = node
        .apps_cached(app)
        .map(|r| r.settings.clone())
        .unwrap_or_else(|| node.config.app_defaults.clone());
    RatePolicy {
        per_second: settings.user_send_rate,
        burst: settings.user_send_burst,
    }
}

fn ack_fields(ack: SendAck) -> Map<String, Value> {
    Map::from_iter([
        ("msg_id".to_string(), Value::from(ack.msg_id.to_string())),
        ("seq".to_string(), Value::from(ack.seq)),
        ("ts".to_string(), Value::from(ack.ts)),
    ])
}

/// A group send goes straight to the group's entity, which checks the
/// sender (member, mute, block) and assigns the group seq.
fn group_send(state: &SocketState, a: SendArgs) -> Result<SendFuture, ApiError> {
    let Some(authed) = &state.authed else {
        return Err(ApiError::NotLoggedIn);
    };
    let group = group_id(&a.to)?;
    check_client_msg_id(a.client_msg_id.as_deref())?;
    let node = state.node.clone();
    imcloud_actors::message::validate_body(
        &a.body,
        a.ext.as_ref(),
        node.config.limits.max_message_bytes,
    )?;
    let app = authed.app.clone();
    let spec = GroupSendSpec {
        from: authed.user.clone(),
        body: a.body,
        ext: a.ext,
        client_msg_id: a.client_msg_id,
        origin_session: Some(authed.session_id),
        from_rest: false,
        sender: Some((authed.key.clone(), rate_policy(&node, &app))),
    };
    Ok(Box::pin(async move {
        Ok(ack_fields(node.group_send(&app, &group, spec).await?))
    }))
}

/// A chatroom send goes through the sender's entity (send rate) to the
/// room, which checks the sender and admits the message by priority.
fn room_send(state: &SocketState, a: SendArgs) -> Result<SendFuture, ApiError> {
    let Some(authed) = &state.authed else {
        return Err(ApiError::NotLoggedIn);
    };
    let room = room_id(&a.to)?;
    check_client_msg_id(a.client_msg_id.as_deref())?;
    let priority = match a.priority.as_deref() {
        None => Priority::Normal,
        Some(p) => Priority::parse(p)?,
    };
    let node = state.node.clone();
    imcloud_actors::message::validate_body(
        &a.body,
        a.ext.as_ref(),
        node.config.limits.max_message_bytes,
    )?;
    let app = authed.app.clone();
    let spec = RoomSendSpec {
        from: authed.user.clone(),
        body: a.body,
        ext: a.ext,
        priority,
        client_msg_id: a.client_msg_id,
        origin_session: Some(authed.session_id),
        sender: Some((authed.key.clone(), rate_policy(&node, &app))),
    };
    Ok(Box::pin(async move {
        Ok(ack_fields(node.room_send(&app, &room, spec).await?))
    }))
}

fn check_client_msg_id(cid: Option<&str>) -> Result<(), ApiError> {
    if cid.is_some_and(|c| c.is_empty() || c.len() > MAX_CLIENT_MSG_ID) {
        return Err(DomainError::InvalidArgument(format!(
            "client_msg_id must be 1-{MAX_CLIENT_MSG_ID} bytes"
        ))
        .into());
    }
    Ok(())
}
