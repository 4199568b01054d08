//! Chatroom calls shared by the device layer and the REST API: creation
//! (the gateway checks that the users exist and, for a device, that its
//! user is a super admin), management operations (the room checks roles
//! itself), and the app's list of chatroom super admins.

use crate::groups::checked_id;
use crate::node::Node;
use imcloud_actors::app::SetSuperAdmin;
use imcloud_actors::chatroom::{ManageRoom, RoomOp, RoomRecord, RoomReply, DEFAULT_ROOM_USERS};
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::queries::ListOwnedRooms;
use imcloud_actors::roster::{Actor, ManageOp, Roster};
use imcloud_actors::user::GetUser;
use imcloud_actors::DomainError;
use imcloud_shards::{EntityKey, EntityKind};

/// Most rooms of one owner a user deletion dissolves, per shard.
const MAX_OWNED_ROOMS: usize = 10_000;

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

impl Node {
    /// Runs `op` on room `id` as `actor`.
    pub async fn room(
        &self,
        app: &AppKey,
        id: &str,
        actor: Actor,
        op: impl Into<RoomOp>,
    ) -> Result<RoomReply, DomainError> {
        let op = op.into();
        let maxusers = match &op {
            RoomOp::Roster(ManageOp::Update(patch)) => patch.maxusers,
            RoomOp::Create { record, .. } => Some(record.maxusers),
            _ => None,
        };
        if let Some(max) = maxusers {
            self.check_room_size(app, max).await?;
        }
        self.ask(room_key(app, id), ManageRoom { actor, op }).await
    }

    /// Refuses a `maxusers` above the app's `chatroom_max_users`.
    async fn check_room_size(&self, app: &AppKey, maxusers: u32) -> Result<(), DomainError> {
        let limit = self.app_settings(app).await?.chatroom_max_users;
        if maxusers > limit {
            return Err(DomainError::InvalidArgument(format!(
                "maxusers must be at most {limit} (the app's chatroom_max_users)"
            )));
        }
        Ok(())
    }

    /// Fails with `UserNotFound` unless every one of `users` exists.
    pub async fn users_exist(&self, app: &AppKey, users: &[String]) -> Result<(), DomainError> {
        let checks = users.iter().map(|u| async move {
            let id = UserId::parse(u)?;
            self.ask(app.user_key(&id), GetUser).await.map(|_| ())
        });
        futures_util::future::join_all(checks)
            .await
            .into_iter()
            .collect()
    }

    /// Creates a room (the room checks its fields) and returns its id.
    pub async fn create_room(&self, app: &AppKey, new: NewRoom) -> Result<String, DomainError> {
        let mut everyone = vec![new.owner.clone()];
        everyone.extend(new.members.iter().cloned());
        self.users_exist(app, &everyone).await?;
        let id = self.env.msg_ids.next().to_string();
        let record = RoomRecord {
            id: id.clone(),
            name: new.name,
            description: new.description,
            maxusers: new.maxusers.unwrap_or(DEFAULT_ROOM_USERS),
            custom: new.custom,
            announcement: String::new(),
            created: self.clock.now_ms(),
            roster: Roster::new(&new.owner),
        };
        let create = RoomOp::Create {
            record,
            members: new.members,
        };
        self.room(app, &id, Actor::App, create).await?;
        Ok(id)
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
            .ask_every_shard(|| ListOwnedRooms {
                app: app.to_string(),
                owner: owner.to_string(),
                limit: MAX_OWNED_ROOMS,
            })
            .await?;
        let deletes = rooms
            .iter()
            .map(|id| self.room(app, id, Actor::App, ManageOp::Delete));
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
        let set = SetSuperAdmin {
            user: user.to_string(),
            on,
        };
        let record = self.ask(app.entity_key(), set).await?;
        self.apps.remember(record);
        Ok(())
    }

    /// Whether `user` may create rooms from its devices.
    pub async fn is_super_admin(&self, app: &AppKey, user: &str) -> Result<bool, DomainError> {
        Ok(self.app(app).await?.chatroom_super_admins.contains(user))
    }
}
