//! What a change to a group or chatroom announces, and to whom. The entity
//! delivers each [`RosterEvent`] after its commit, so no device hears of a
//! change a crash could still take back; who "everyone" is depends on the
//! scope (a group's members; the devices present in a room).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    MemberJoined,
    MemberLeft,
    MemberRemoved,
    RoleChanged,
    OwnerChanged,
    Muted,
    Unmuted,
    MutedAll,
    UnmutedAll,
    Blocked,
    Announcement,
    /// A group was dismissed.
    Dismissed,
    /// A chatroom was destroyed.
    Destroyed,
    JoinRequest,
    Invited,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::MemberJoined => "member_joined",
            EventKind::MemberLeft => "member_left",
            EventKind::MemberRemoved => "member_removed",
            EventKind::RoleChanged => "role_changed",
            EventKind::OwnerChanged => "owner_changed",
            EventKind::Muted => "muted",
            EventKind::Unmuted => "unmuted",
            EventKind::MutedAll => "muted_all",
            EventKind::UnmutedAll => "unmuted_all",
            EventKind::Blocked => "blocked",
            EventKind::Announcement => "announcement",
            EventKind::Dismissed => "dismissed",
            EventKind::Destroyed => "destroyed",
            EventKind::JoinRequest => "join_request",
            EventKind::Invited => "invited",
        }
    }
}

/// Who hears an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Everyone in the group or room.
    All,
    /// Those who need to act on it or are concerned: in a group every
    /// member (groups are small enough), in a room only the owner and
    /// admins; plus the user it is about in both.
    Concerned,
    /// The owner and admins only.
    Managers,
    /// Only the user it is about.
    User,
}

/// One event a change raises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEvent {
    pub kind: EventKind,
    /// Whom it is about (empty for the whole group or room).
    pub user: String,
    pub audience: Audience,
}

impl RosterEvent {
    pub fn new(kind: EventKind, user: &str, audience: Audience) -> RosterEvent {
        RosterEvent {
            kind,
            user: user.to_string(),
            audience,
        }
    }
}
