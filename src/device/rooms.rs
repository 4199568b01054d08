//! Chatrooms from a device: joining (answered with the room's recent
//! messages) and leaving. The device remembers the rooms it joined (at most
//! [`MAX_ROOMS_PER_DEVICE`]) and leaves them when its socket closes.

use super::{Device, Session};
use crate::chatrooms::{room_id, room_key};
use crate::error::ApiError;
use crate::node::Node;
use imcloud_actors::chatroom::{JoinRoom, Joined, LeaveRoom};
use imcloud_actors::DomainError;
use std::future::Future;

/// Rooms one device may be joined to at once.
pub const MAX_ROOMS_PER_DEVICE: usize = 20;

impl Device {
    /// Joins room `id`; the future is the room's answer.
    pub fn join(
        &mut self,
        id: &str,
    ) -> Result<impl Future<Output = Result<(String, Joined), ApiError>> + 'static, ApiError> {
        let room = room_id(id)?;
        let node = self.node.clone();
        let Some(s) = self.session.as_mut() else {
            return Err(ApiError::NotLoggedIn);
        };
        if !s.rooms.contains(&room) {
            if s.rooms.len() >= MAX_ROOMS_PER_DEVICE {
                return Err(DomainError::InvalidArgument(format!(
                    "a connection may join at most {MAX_ROOMS_PER_DEVICE} chatrooms"
                ))
                .into());
            }
            // Remembered before the answer: leaving a room it never got
            // into costs the socket's close one refused request.
            s.rooms.push(room.clone());
        }
        let join = JoinRoom {
            user: s.user.to_string(),
            session: s.addr.clone(),
        };
        let key = room_key(&s.app, &room);
        let shard = node.router.shard_of(&key);
        let session = s.addr.id;
        let joined = node.ask(key, join);
        Ok(async move {
            let joined = joined.await?;
            node.env.devices.bind_room(session, shard);
            Ok((room, joined))
        })
    }

    /// Leaves room `id`.
    pub fn leave(
        &mut self,
        id: &str,
    ) -> Result<impl Future<Output = Result<(), ApiError>> + 'static, ApiError> {
        let room = room_id(id)?;
        let node = self.node.clone();
        let Some(s) = self.session.as_mut() else {
            return Err(ApiError::NotLoggedIn);
        };
        s.rooms.retain(|r| *r != room);
        let leave = LeaveRoom {
            user: s.user.to_string(),
            session: s.addr.id,
        };
        let left = node.ask(room_key(&s.app, &room), leave);
        Ok(async move { Ok(left.await?) })
    }
}

/// Leaves every room `session` joined (its socket closed): told, not
/// asked; a room also forgets closed sockets when it needs their places.
pub(super) fn leave_all(node: &Node, session: &Session) {
    for room in &session.rooms {
        let leave = LeaveRoom {
            user: session.user.to_string(),
            session: session.addr.id,
        };
        // Best effort, as said above.
        let _ = node.tell(room_key(&session.app, room), leave);
    }
}
