//! The chatroom's domain types: the persisted record, message priority,
//! the view, operations and replies.

use crate::error::DomainError;
use crate::message::StoredMessage;
use crate::roster::{ManageOp, ManageReply, Roster};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Largest `maxusers` of any room; an app's own limit
/// (`chatroom_max_users`, Easemob: 10,000 without a special plan) is
/// checked by the gateway below it.
pub const MAX_ROOM_USERS: u32 = 1_000_000;
/// `maxusers` when the creator names none (Easemob: 1,000).
pub const DEFAULT_ROOM_USERS: u32 = 1_000;
/// Devices of one user joined to one room at once.
pub const MAX_ROOM_DEVICES: usize = 8;

/// The persisted room (its entity snapshot): settings and the roster
/// (owner, admins, mutes, blocks, mute-all; stored as fields of the record
/// itself). Who is present is not persisted: presence ends with the
/// sockets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRecord {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Members including the owner.
    pub maxusers: u32,
    pub custom: String,
    pub announcement: String,
    pub created: i64,
    #[serde(flatten)]
    pub roster: Roster,
}

/// How much a message matters when the room's fan-out is overloaded: low
/// is shed first, then normal; high only when nothing more fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    High,
    Normal,
    Low,
}

impl Priority {
    pub fn parse(s: &str) -> Result<Priority, DomainError> {
        match s {
            "high" => Ok(Priority::High),
            "normal" => Ok(Priority::Normal),
            "low" => Ok(Priority::Low),
            other => Err(DomainError::InvalidArgument(format!(
                "priority must be high, normal or low, not `{}`",
                other.chars().take(16).collect::<String>()
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }
}

/// Everything about a room, for reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoomView {
    pub record: RoomRecord,
    /// The owner first, then the other members by name.
    pub members: Vec<String>,
}

/// An operation on a room: a roster call both groups and chatrooms take,
/// or creation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum RoomOp {
    Roster(ManageOp),
    /// Creates the room with `record` and `members` (besides the owner).
    Create {
        record: RoomRecord,
        members: Vec<String>,
    },
}

impl From<ManageOp> for RoomOp {
    fn from(op: ManageOp) -> Self {
        RoomOp::Roster(op)
    }
}

/// What a room call answers.
pub type RoomReply = ManageReply<RoomView>;

/// What a device that joins is told: the room's recent messages, oldest
/// first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Joined {
    pub recent: Vec<Arc<StoredMessage>>,
}

/// A placeholder record for reads of a room that `manage` found to exist.
pub(super) fn empty(id: &str) -> RoomRecord {
    RoomRecord {
        id: id.to_string(),
        name: String::new(),
        description: String::new(),
        maxusers: 0,
        custom: String::new(),
        announcement: String::new(),
        created: 0,
        roster: Roster::default(),
    }
}
