//! What a post-send queue holds: one [`QueuedEvent`] per event and rule,
//! written by the entity step that made the change it reports (in the
//! same batch), and rendered to the §8 JSON only when it is delivered.

use super::rules::EventKind;
use crate::message::{ChatType, StoredMessage};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An event waiting in a rule's queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedEvent {
    /// When it happened (Unix ms, the entity's clock): the payload's
    /// `timestamp`.
    pub at: i64,
    pub event: HookEvent,
}

/// Whether a device logged in or out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusReason {
    Login,
    Logout,
    /// Kicked by a newer login of the same device, or past the device
    /// limit.
    Replaced,
}

/// What the sensitive-word filter did to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertReason {
    /// Refused (501).
    Intercepted,
    /// The words were replaced by `***`.
    Replaced,
}

/// One event, with what its payload and the rules' filters need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum HookEvent {
    /// A message stored (`chat`), or stored for a recipient with no
    /// device online (`chat_offline`, 1:1).
    Message {
        offline: bool,
        message: StoredMessage,
        /// Sent by the app server over REST.
        rest: bool,
    },
    /// A message recalled; `event_id` is the recall's own id.
    Recall {
        chat: ChatType,
        from: String,
        to: String,
        recalled: u64,
        event_id: u64,
    },
    /// `from` read the 1:1 conversation with `to` up to `msg_id`.
    ReadAck {
        from: String,
        to: String,
        msg_id: u64,
        event_id: u64,
    },
    /// A group or chatroom change (§8.4 `muc` operations); `user` is whom
    /// it is about (the owner for a change of the whole group).
    Muc {
        chat: ChatType,
        group: String,
        operation: String,
        user: String,
        event_id: u64,
    },
    /// A friend request or friendship change between `from` and `to`.
    Roster {
        from: String,
        to: String,
        operation: String,
        event_id: u64,
    },
    /// A device of `user` logged in or out.
    UserStatus {
        user: String,
        device: String,
        online: bool,
        reason: StatusReason,
        event_id: u64,
    },
    /// A message holding sensitive words.
    KeywordAlert {
        chat: ChatType,
        from: String,
        to: String,
        msg_id: u64,
        type_name: String,
        reason: AlertReason,
        words: Vec<String>,
    },
}

impl HookEvent {
    pub fn kind(&self) -> EventKind {
        match self {
            HookEvent::Message { offline: false, .. } => EventKind::Chat,
            HookEvent::Message { offline: true, .. } => EventKind::ChatOffline,
            HookEvent::Recall { .. } => EventKind::Recall,
            HookEvent::ReadAck { .. } => EventKind::ReadAck,
            HookEvent::Muc { .. } => EventKind::Muc,
            HookEvent::Roster { .. } => EventKind::Roster,
            HookEvent::UserStatus { .. } => EventKind::UserStatus,
            HookEvent::KeywordAlert { .. } => EventKind::KeywordAlert,
        }
    }

    /// Who it is from (the sender, the reader, the user a change is
    /// about).
    pub fn from(&self) -> &str {
        match self {
            HookEvent::Message { message, .. } => &message.from,
            HookEvent::Recall { from, .. }
            | HookEvent::ReadAck { from, .. }
            | HookEvent::Roster { from, .. }
            | HookEvent::KeywordAlert { from, .. } => from,
            HookEvent::Muc { user, .. } | HookEvent::UserStatus { user, .. } => user,
        }
    }

    /// Whom it is to: a user, or a group's or room's id.
    pub fn to(&self) -> Option<&str> {
        match self {
            HookEvent::Message { message, .. } => Some(&message.to),
            HookEvent::Recall { to, .. }
            | HookEvent::ReadAck { to, .. }
            | HookEvent::Roster { to, .. }
            | HookEvent::KeywordAlert { to, .. } => Some(to),
            HookEvent::Muc { group, .. } => Some(group),
            HookEvent::UserStatus { .. } => None,
        }
    }

    /// The group or chatroom it happened in.
    pub fn group(&self) -> Option<&str> {
        let (chat, id) = match self {
            HookEvent::Message { message, .. } => (message.chat, &message.to),
            HookEvent::Recall { chat, to, .. } | HookEvent::KeywordAlert { chat, to, .. } => {
                (*chat, to)
            }
            HookEvent::Muc { group, .. } => return Some(group),
            _ => return None,
        };
        (chat != ChatType::Single).then_some(id.as_str())
    }

    /// The message's `ext`, for message events.
    pub fn ext(&self) -> Option<&Value> {
        match self {
            HookEvent::Message { message, .. } => message.ext.as_deref(),
            _ => None,
        }
    }

    /// Whether it is a message the app server sent over REST.
    pub fn is_rest(&self) -> bool {
        matches!(self, HookEvent::Message { rest: true, .. })
    }
}
