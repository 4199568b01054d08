//! Chatroom calls shared by the WebSocket ops and the REST API: creation
//! (the gateway checks that the users exist and, for a device, that its
//! user is a super admin), management operations (the room checks roles
//! itself), join and leave of a device, sends, and the app's list of
//! chatroom super admins.

use crate::groups::{checked_id, outgoing};
use crate::node::Node;
use imcloud_actors::chatroom::{
    Joined, Priority, RoomOp, RoomRecord, RoomReply, DEFAULT_ROOM_USERS, MAX_ROOM_USERS,
};
use imcloud_actors::command::{RatePolicy, RoomOutgoing};
use imcloud_actors::group::Actor;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::{ChatType, SendAck};
use imcloud_actors::session::WeakSessionRef;
use imcloud_actors::{Command, DomainError};
use imcloud_shards::{EntityKey, EntityKind};
use serde_json::Value;

/// Most rooms of one owner a user deletion dissolves, per shard.
const MAX_OWNED_ROOMS: usize = 10_000;

/// Longest room name and description (Easemob: 128 and 512).
pub const MAX_ROOM_NAME: usize = 128;
pub const MAX_ROOM_DESCRIPTION: usize = 512;
/// Longest `custom` field and announcement.
pub const MAX_ROOM_CUSTOM: usize = 1024;
pub const MAX_ROOM_ANNOUNCEMENT: usize = 512;

/// A chatroom id: 1–64 of `A-Z a-z 0-9 _ - .`.
pub fn room_id(s: &str) -> Result<String, DomainError> {
    checked_id("chatroom", s)
}

pub fn room_key(app: &AppKey, id: &str) -> EntityKey {
    EntityKey::new(app.to_string(), EntityKind::Chatroom, id)
}

/// What a new room is made of.
pub struct NewRoom {
    pub name: String,
    pub description: String,
    pub maxusers: Option<u32>,
    pub owner: String,
    pub members: Vec<String>,
    pub custom: String,
}

/// Checks a text field's length.
pub fn check_len(field: &str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.chars().count() > max {
        return Err(DomainError::InvalidArgument(format!(
            "{field} cannot exceed {max} characters"
        )));
    }
    Ok(())
}

/// What to send to a room.
pub struct RoomSendSpec {
    pub from: String,
    pub body: Value,
    pub ext: Option<Value>,
    pub priority: Priority,
    pub client_msg_id: Option<String>,
    pub origin_session: Option<u64>,
    /// A device's send goes through the sender's entity first, for its send
    /// rate; REST sends go straight to the room.
    pub sender: Option<(EntityKey, RatePolicy)>,
}

impl Node {
    /// Runs `op` on room `id` as `actor`.
    pub async fn room(
        &self,
        app: &AppKey,
        id: &str,
        actor: Actor,
        op: RoomOp,
    ) -> Result<RoomReply, DomainError> {
        self.ask(room_key(app, id), |reply| Command::RoomManage {
            actor,
            op,
            reply,
        })
        .await
    }

    /// Fails with `UserNotFound` unless every one of `users` exists.
    pub async fn users_exist(&self, app: &AppKey, users: &[String]) -> Result<(), DomainError> {
        let checks = users.iter().map(|u| async move {
            let id = UserId::parse(u)?;
            self.ask(app.user_key(&id), |reply| Command::GetUser { reply })
                .await
                .map(|_| ())
        });
        futures_util::future::join_all(checks)
            .await
            .into_iter()
            .collect()
    }

    /// Creates a room and returns its id.
    pub async fn create_room(&self, app: &AppKey, new: NewRoom) -> Result<String, DomainError> {
        let maxusers = new.maxusers.unwrap_or(DEFAULT_ROOM_USERS);
        if maxusers == 0 || maxusers > MAX_ROOM_USERS {
            return Err(DomainError::InvalidArgument(format!(
                "maxusers must be 1-{MAX_ROOM_USERS}"
            )));
        }
        check_len("name", &new.name, MAX_ROOM_NAME)?;
        check_len("description", &new.description, MAX_ROOM_DESCRIPTION)?;
        check_len("custom", &new.custom, MAX_ROOM_CUSTOM)?;
        let mut members: Vec<String> = Vec::with_capacity(new.members.len());
        for m in new.members {
            if m != new.owner && !members.contains(&m) {
                members.push(m);
            }
        }
        if members.len() + 1 > maxusers as usize {
            return Err(DomainError::InvalidArgument(
                "members size is greater than max user size".into(),
            ));
        }
        let mut everyone = vec![new.owner.clone()];
        everyone.extend(members.iter().cloned());
        self.users_exist(app, &everyone).await?;
        let id = self.env.msg_ids.next().to_string();
        let record = RoomRecord {
            id: id.clone(),
            owner: new.owner,
            name: new.name,
            description: new.description,
            maxusers,
            custom: new.custom,
            announcement: String::new(),
            mute_all: false,
            created: imcloud_actors::ids::now_ms(),
            admins: Default::default(),
            mutes: Default::default(),
            blocks: Default::default(),
        };
        self.room(app, &id, Actor::App, RoomOp::Create { record, members })
            .await?;
        Ok(id)
    }

    /// Joins a device to room `id`; returns the room's recent messages.
    pub async fn room_join(
        &self,
        app: &AppKey,
        id: &str,
        user: &str,
        session: WeakSessionRef,
    ) -> Result<Joined, DomainError> {
        self.ask(room_key(app, id), |reply| Command::RoomJoin {
            user: user.to_string(),
            session,
            reply,
        })
        .await
    }

    /// Takes a device out of room `id`.
    pub async fn room_leave(
        &self,
        app: &AppKey,
        id: &str,
        user: &str,
        session_id: u64,
    ) -> Result<(), DomainError> {
        self.ask(room_key(app, id), |reply| Command::RoomLeave {
            user: user.to_string(),
            session_id,
            reply: Some(reply),
        })
        .await
    }

    /// Sends a message to room `id`; the ack comes once it is accepted for
    /// fan-out (chatroom messages are not stored).
    pub async fn room_send(
        &self,
        app: &AppKey,
        id: &str,
        spec: RoomSendSpec,
    ) -> Result<SendAck, DomainError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let cmd = Command::RoomSend(Box::new(RoomOutgoing {
            message: outgoing(ChatType::Chatroom, spec.from, id, spec.body, spec.ext),
            priority: spec.priority,
            client_msg_id: spec.client_msg_id,
            origin_session: spec.origin_session,
            from_rest: spec.sender.is_none(),
            reply: tx,
        }));
        self.route_send(spec.sender, room_key(app, id), cmd);
        self.wait(rx).await
    }

    /// Deletes the rooms `owner` owns (a deleted user's rooms, as Easemob
    /// dissolves them); returns how many. Best effort per room: one that
    /// fails to delete is logged and the others still go.
    pub async fn delete_rooms_owned_by(
        &self,
        app: &AppKey,
        owner: &str,
    ) -> Result<usize, DomainError> {
        let rooms = self
            .ask_every_shard(|reply| Command::ListOwnedRooms {
                app: app.to_string(),
                owner: owner.to_string(),
                limit: MAX_OWNED_ROOMS,
                reply,
            })
            .await?;
        let deletes = rooms
            .iter()
            .map(|id| self.room(app, id, Actor::App, RoomOp::Delete));
        let mut deleted = 0;
        for (id, r) in rooms
            .iter()
            .zip(futures_util::future::join_all(deletes).await)
        {
            match r {
                Ok(_) => deleted += 1,
                Err(e) => {
                    tracing::warn!(room = %id, error = %e, "deleting a deleted user's room failed")
                }
            }
        }
        Ok(deleted)
    }

    /// Grants or revokes `user`'s right to create rooms from its devices.
    pub async fn set_super_admin(
        &self,
        app: &AppKey,
        user: &str,
        on: bool,
    ) -> Result<(), DomainError> {
        let record = self
            .ask(app.entity_key(), |reply| Command::SetSuperAdmin {
                user: user.to_string(),
                on,
                reply,
            })
            .await?;
        self.apps.remember(record);
        Ok(())
    }

    /// Whether `user` may create rooms from its devices.
    pub async fn is_super_admin(&self, app: &AppKey, user: &str) -> Result<bool, DomainError> {
        Ok(self.app(app).await?.chatroom_super_admins.contains(user))
    }
}
