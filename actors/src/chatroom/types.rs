//! The chatroom's domain types: the persisted record, message priority,
//! views, management operations and their replies.

use crate::error::DomainError;
use crate::message::StoredMessage;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Most admins of a room (Easemob: 99).
pub const MAX_ROOM_ADMINS: usize = 99;
/// Most users one batch call names.
pub const MAX_ROOM_BATCH: usize = 60;
/// Most users on a room's mute list, and apart on its block list.
pub const MAX_ROOM_LIST: usize = 10_000;
/// Largest `maxusers` of a room (Easemob: 10,000 without a special plan).
pub const MAX_ROOM_USERS: u32 = 100_000;
/// `maxusers` when the creator names none (Easemob: 1,000).
pub const DEFAULT_ROOM_USERS: u32 = 1_000;
/// Devices of one user joined to one room at once.
pub const MAX_ROOM_DEVICES: usize = 8;

/// The persisted room (its entity snapshot): settings and roles. Who is
/// present is not persisted: presence ends with the sockets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRecord {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub description: String,
    /// Members including the owner.
    pub maxusers: u32,
    pub custom: String,
    pub announcement: String,
    pub mute_all: bool,
    pub created: i64,
    pub admins: BTreeSet<String>,
    /// Muted user → until (ms; `i64::MAX` = for good).
    pub mutes: BTreeMap<String, i64>,
    pub blocks: BTreeSet<String>,
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
#[derive(Debug, Clone)]
pub struct RoomView {
    pub record: RoomRecord,
    /// The owner first, then the other members by name.
    pub members: Vec<String>,
}

/// The settings `PUT` may change.
#[derive(Debug, Clone, Default)]
pub struct RoomPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub maxusers: Option<u32>,
}

/// A management operation or read on a room. The actor is checked by the
/// room: the app may do everything, owner and admins manage members, only
/// the owner (or the app) transfers or deletes.
#[derive(Debug, Clone)]
pub enum RoomOp {
    /// Creates the room with `record` and `members` (besides the owner).
    Create {
        record: RoomRecord,
        members: Vec<String>,
    },
    Get,
    Update(RoomPatch),
    TransferOwner(String),
    Delete,
    /// Makes users members without a device joined (REST add).
    Add(Vec<String>),
    /// Removes users and their devices from the room.
    Remove(Vec<String>),
    SetAdmin {
        user: String,
        admin: bool,
    },
    Mute {
        users: Vec<String>,
        until: i64,
    },
    Unmute(Vec<String>),
    MuteAll(bool),
    /// Blocks users: they are removed and cannot rejoin.
    Block(Vec<String>),
    Unblock(Vec<String>),
    SetAnnouncement(String),
}

/// What a management operation answers.
#[derive(Debug, Clone)]
pub enum RoomReply {
    View(Box<RoomView>),
    Done,
    /// Per-user outcome of a batch operation, in request order.
    Users(Vec<(String, Result<(), DomainError>)>),
}

/// What a device that joins is told: the room's recent messages, oldest
/// first.
#[derive(Debug, Clone)]
pub struct Joined {
    pub recent: Vec<Arc<StoredMessage>>,
}

/// A placeholder record for reads of a room that `manage` found to exist.
pub(super) fn empty(id: &str) -> RoomRecord {
    RoomRecord {
        id: id.to_string(),
        owner: String::new(),
        name: String::new(),
        description: String::new(),
        maxusers: 0,
        custom: String::new(),
        announcement: String::new(),
        mute_all: false,
        created: 0,
        admins: Default::default(),
        mutes: Default::default(),
        blocks: Default::default(),
    }
}
