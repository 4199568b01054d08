//! The group's domain types: the persisted record and member, the view,
//! the group's own operations beside the shared roster ones, and limits.

use crate::roster::{ManageOp, ManageReply, Role};
use serde::{Deserialize, Serialize};

/// Most members an activation loads (above any `group_max_users`).
pub(super) const MAX_LOADED_MEMBERS: usize = 100_000;
/// Most pending join requests (and, apart, invitations) a group keeps;
/// more are refused.
pub const MAX_APPLICANTS: usize = 100;

/// The persisted group (its entity snapshot). `owner` and `mute_all` are
/// the roster's, written with it.
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

/// One member (`M` key): its role and mute are the roster's, written with
/// it, so a change writes one small key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    pub role: Role,
    /// The group's last seq when the member joined: they see what is newer.
    pub joined_seq: u64,
    /// Muted until this time (ms); 0 = not muted, `i64::MAX` = for good.
    pub mute_until: i64,
}

/// Everything about a group, for reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupView {
    pub record: GroupRecord,
    /// Owner first, then admins, then members, each by name.
    pub members: Vec<(String, MemberRecord)>,
    pub blocks: Vec<String>,
}

/// An operation on a group: a roster call both groups and chatrooms take,
/// or one of the group's own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum GroupOp {
    Roster(ManageOp),
    /// Creates the group with `record` and `members` (excluding the owner).
    Create {
        record: GroupRecord,
        members: Vec<String>,
    },
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
    /// The user was deleted: it leaves, and a group it owned is dismissed
    /// (Easemob's user deletion dissolves the groups the user owns).
    UserDeleted(String),
}

impl From<ManageOp> for GroupOp {
    fn from(op: ManageOp) -> Self {
        GroupOp::Roster(op)
    }
}

/// What a group call answers.
pub type GroupReply = ManageReply<GroupView>;

/// The limits of the app, carried with each call so the group needs no
/// lookup of its app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLimits {
    pub max_users: u32,
}
