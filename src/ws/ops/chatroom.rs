//! Chatrooms from a device: `join` (answered with the room's recent
//! messages), `leave`, `chatroom_create` (super admins only),
//! `chatroom_info`, `chatroom_destroy`, and the managers' `chatroom_remove`,
//! `chatroom_mute`, `chatroom_unmute`, `chatroom_mute_all`,
//! `chatroom_block`, `chatroom_unblock`, `chatroom_admin`,
//! `chatroom_announce`. The room checks roles itself. The socket remembers
//! the rooms it joined and leaves them when it closes.

use super::group::{user, user_results, users};
use super::{args, OpResult};
use crate::chatrooms::{check_len, room_id, NewRoom, MAX_ROOM_ANNOUNCEMENT};
use crate::error::ApiError;
use crate::groups::mute_until;
use crate::ws::codec::WireMessage;
use crate::ws::session::SocketState;
use imcloud_actors::chatroom::{RoomOp, RoomReply};
use imcloud_actors::group::Actor;
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::future::Future;
use std::pin::Pin;

/// Rooms one socket may be joined to at once.
pub const MAX_ROOMS_PER_SOCKET: usize = 20;

#[derive(Deserialize)]
struct RoomArgs {
    #[serde(default)]
    chatroom: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    admin: Option<bool>,
    /// Mute duration in ms; -1 (or absent) mutes for good.
    #[serde(default)]
    duration: Option<i64>,
    #[serde(default)]
    on: Option<bool>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    maxusers: Option<u32>,
    #[serde(default)]
    text: Option<String>,
}

/// Whether `op` is a chatroom op this module handles.
pub fn handles(op: &str) -> bool {
    matches!(op, "join" | "leave") || op.starts_with("chatroom_")
}

type RoomFuture = Pin<Box<dyn Future<Output = OpResult> + 'static>>;

pub fn start(state: &mut SocketState, op: &str, raw: Value) -> Result<RoomFuture, ApiError> {
    let node = state.node.clone();
    let Some(authed) = state.authed.as_mut() else {
        return Err(ApiError::NotLoggedIn);
    };
    let a: RoomArgs = args(raw)?;
    let app = authed.app.clone();
    let me = authed.user.clone();
    if op == "chatroom_create" {
        let new = NewRoom {
            name: a.name.unwrap_or_default(),
            description: a.description.unwrap_or_default(),
            maxusers: a.maxusers,
            owner: me.clone(),
            members: Vec::new(),
            custom: String::new(),
        };
        return Ok(Box::pin(async move {
            if !node.is_super_admin(&app, &me).await? {
                return Err(DomainError::RoomPermission(
                    "only chatroom super admins may create chatrooms".into(),
                )
                .into());
            }
            let id = node.create_room(&app, new).await?;
            Ok(Map::from_iter([("chatroom".to_string(), Value::from(id))]))
        }));
    }
    let room = room_id(
        a.chatroom
            .as_deref()
            .ok_or_else(|| DomainError::InvalidArgument("`chatroom` is required".into()))?,
    )?;
    match op {
        "join" => {
            if !authed.rooms.contains(&room) {
                if authed.rooms.len() >= MAX_ROOMS_PER_SOCKET {
                    return Err(DomainError::InvalidArgument(format!(
                        "a connection may join at most {MAX_ROOMS_PER_SOCKET} chatrooms"
                    ))
                    .into());
                }
                // Remembered before the answer: leaving a room it never
                // got into costs the socket's close one refused request.
                authed.rooms.push(room.clone());
            }
            let session = authed.session.clone();
            return Ok(Box::pin(async move {
                let joined = node.room_join(&app, &room, &me, session).await?;
                let messages: Vec<Value> = joined
                    .recent
                    .iter()
                    .map(|m| json!(WireMessage::from(m.as_ref())))
                    .collect();
                Ok(Map::from_iter([
                    ("chatroom".to_string(), Value::from(room)),
                    ("messages".to_string(), Value::Array(messages)),
                ]))
            }));
        }
        "leave" => {
            authed.rooms.retain(|r| *r != room);
            let session_id = authed.session.id;
            return Ok(Box::pin(async move {
                node.room_leave(&app, &room, &me, session_id).await?;
                Ok(Map::new())
            }));
        }
        _ => {}
    }
    let rop = match op {
        "chatroom_info" => RoomOp::Get,
        "chatroom_destroy" => RoomOp::Delete,
        "chatroom_remove" => RoomOp::Remove(users(&a.users)?),
        "chatroom_mute" => RoomOp::Mute {
            users: users(&a.users)?,
            until: mute_until(a.duration)?,
        },
        "chatroom_unmute" => RoomOp::Unmute(users(&a.users)?),
        "chatroom_mute_all" => RoomOp::MuteAll(a.on.unwrap_or(true)),
        "chatroom_block" => RoomOp::Block(users(&a.users)?),
        "chatroom_unblock" => RoomOp::Unblock(users(&a.users)?),
        "chatroom_admin" => RoomOp::SetAdmin {
            user: user(a.user.as_deref())?,
            admin: a.admin.unwrap_or(true),
        },
        "chatroom_announce" => {
            let text = a.text.unwrap_or_default();
            check_len("announcement", &text, MAX_ROOM_ANNOUNCEMENT)?;
            RoomOp::SetAnnouncement(text)
        }
        other => return Err(ApiError::UnknownOp(other.chars().take(64).collect())),
    };
    Ok(Box::pin(async move {
        let reply = node.room(&app, &room, Actor::User(me), rop).await?;
        Ok(reply_fields(reply))
    }))
}

fn reply_fields(reply: RoomReply) -> Map<String, Value> {
    match reply {
        RoomReply::Done => Map::new(),
        RoomReply::Users(results) => user_results(results),
        RoomReply::View(v) => {
            let r = &v.record;
            Map::from_iter([(
                "chatroom".to_string(),
                json!({
                    "id": r.id, "name": r.name, "description": r.description,
                    "owner": r.owner, "maxusers": r.maxusers,
                    "announcement": r.announcement, "mute_all": r.mute_all,
                    "admins": r.admins, "members": v.members,
                }),
            )])
        }
    }
}
