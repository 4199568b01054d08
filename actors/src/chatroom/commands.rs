//! The commands of a Chatroom entity.

use super::{Joined, RoomOp, RoomReply};
use crate::message::{Post, SendAck};
use crate::roster::Actor;
use crate::session::SessionAddr;
use serde::{Deserialize, Serialize};

crate::commands! {
    /// What a Chatroom entity is asked.
    pub enum RoomCmd as Room {
        ManageRoom => RoomReply,
        JoinRoom => Joined,
        LeaveRoom => (),
        PostToRoom => SendAck,
        RecallInRoom => crate::conversation::Recalled,
    }
}

/// Recall the room message `msg_id`, by `by` (its sender, an owner or
/// admin, or the app), within `window`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecallInRoom {
    pub by: Actor,
    pub msg_id: u64,
    pub window: crate::conversation::RecallWindow,
}

/// A management call or read by `actor`; the room checks its rights.
#[derive(Debug, Serialize, Deserialize)]
pub struct ManageRoom {
    pub actor: Actor,
    pub op: RoomOp,
}

/// A device joins the room; answered with the recent messages.
#[derive(Debug, Serialize, Deserialize)]
pub struct JoinRoom {
    pub user: String,
    pub session: SessionAddr,
}

/// A device leaves the room (asked, or told when its socket closed).
#[derive(Debug, Serialize, Deserialize)]
pub struct LeaveRoom {
    pub user: String,
    pub session: u64,
}

/// A message to the room: pushed to the devices present, never stored.
#[derive(Debug, Serialize, Deserialize)]
pub struct PostToRoom(pub Post);
