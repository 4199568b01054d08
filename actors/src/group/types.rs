//! The group's domain types: roles, the persisted record and member,
//! views, management operations and their replies, and the limits.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// Most members an activation loads (above any `group_max_users`).
pub(super) const MAX_LOADED_MEMBERS: usize = 100_000;
/// Most pending join requests (and, apart, invitations) a group keeps;
/// more are refused.
pub const MAX_APPLICANTS: usize = 100;
/// Most admins of a group (Easemob: 99).
pub const MAX_ADMINS: usize = 99;
/// Most users one batch call names.
pub const MAX_BATCH: usize = 60;
/// Most users on a group's block list.
pub const MAX_BLOCKS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
}

/// The persisted group (its entity snapshot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRecord {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub description: String,
    pub public: bool,
    /// Members including the owner.
    pub maxusers: u32,
    pub allowinvites: bool,
    /// Joining needs an owner's or admin's approval.
    pub membersonly: bool,
    pub custom: String,
    pub announcement: String,
    pub mute_all: bool,
    pub created: i64,
    /// Users waiting for approval (at most [`MAX_APPLICANTS`]).
    #[serde(default)]
    pub applicants: Vec<String>,
    /// Users invited and not yet answering (at most [`MAX_APPLICANTS`]).
    #[serde(default)]
    pub invitees: Vec<String>,
}

/// One member (`M` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    pub role: Role,
    /// The group's last seq when the member joined: they see what is newer.
    pub joined_seq: u64,
    /// Muted until this time (ms); 0 = not muted, `i64::MAX` = for good.
    pub mute_until: i64,
}

/// Everything about a group, for reads.
#[derive(Debug, Clone)]
pub struct GroupView {
    pub record: GroupRecord,
    /// Owner first, then admins, then members, each by name.
    pub members: Vec<(String, MemberRecord)>,
    pub blocks: Vec<String>,
}

/// Who asks: the app server (REST, app token: every right) or a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    App,
    User(String),
}

/// The settings a creator or `PUT` may set.
#[derive(Debug, Clone, Default)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub public: Option<bool>,
    pub maxusers: Option<u32>,
    pub allowinvites: Option<bool>,
    pub membersonly: Option<bool>,
    pub custom: Option<String>,
}

/// A management operation on a group.
#[derive(Debug, Clone)]
pub enum GroupOp {
    /// Creates the group with `record` and `members` (excluding the owner).
    Create {
        record: GroupRecord,
        members: Vec<String>,
    },
    Get,
    Update(GroupPatch),
    TransferOwner(String),
    Dismiss,
    Add(Vec<String>),
    Remove(Vec<String>),
    /// The actor leaves.
    Leave,
    /// The actor asks to join (approved at once unless `membersonly`).
    Apply,
    Decide {
        user: String,
        accept: bool,
    },
    /// Invites users: each gets an `invited` event and joins when it
    /// accepts (owner, admins, or members when `allowinvites`).
    Invite(Vec<String>),
    /// The actor answers its invitation.
    AnswerInvite {
        accept: bool,
    },
    SetAdmin {
        user: String,
        admin: bool,
    },
    /// `until` in ms (`i64::MAX` = for good).
    Mute {
        users: Vec<String>,
        until: i64,
    },
    Unmute(Vec<String>),
    MuteAll(bool),
    Block(Vec<String>),
    Unblock(Vec<String>),
    SetAnnouncement(String),
    /// The user was deleted: it leaves, and a group it owned is dismissed
    /// (Easemob's user deletion dissolves the groups the user owns).
    UserDeleted(String),
}

/// What a management operation answers.
#[derive(Debug, Clone)]
pub enum GroupReply {
    View(Box<GroupView>),
    Done,
    /// A join request was queued for the owner's or an admin's approval.
    Pending,
    /// Per-user outcome of a batch operation, in request order.
    Users(Vec<(String, Result<(), DomainError>)>),
}

/// The limits of the app, carried with each command so the group needs no
/// lookup of its app.
#[derive(Debug, Clone, Copy)]
pub struct GroupLimits {
    pub max_users: u32,
}
