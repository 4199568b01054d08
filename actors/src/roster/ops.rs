//! The management operations groups and chatrooms share, their settings
//! patch, and what they answer.

use super::limits::{check_batch, check_text, Field};
use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// A call both a group and a chatroom take. The entity checks the actor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ManageOp {
    Get,
    Update(Patch),
    TransferOwner(String),
    /// Dismisses a group, destroys a chatroom.
    Delete,
    /// Makes users members (a room's need no device joined).
    Add(Vec<String>),
    Remove(Vec<String>),
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
    /// Blocks users: a member is removed first; they cannot come back
    /// until unblocked.
    Block(Vec<String>),
    Unblock(Vec<String>),
    SetAnnouncement(String),
}

/// The settings a creator or an update may set. A room takes only `name`,
/// `description` and `maxusers`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Patch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub maxusers: Option<u32>,
    pub custom: Option<String>,
    pub public: Option<bool>,
    pub allowinvites: Option<bool>,
    pub membersonly: Option<bool>,
}

impl Patch {
    /// Checks the lengths of the text fields.
    pub fn check(&self) -> Result<(), DomainError> {
        for (field, value) in [
            (Field::Name, &self.name),
            (Field::Description, &self.description),
            (Field::Custom, &self.custom),
        ] {
            if let Some(v) = value {
                check_text(field, v)?;
            }
        }
        Ok(())
    }

    /// Whether it sets a field only groups have.
    pub fn has_group_fields(&self) -> bool {
        self.custom.is_some()
            || self.public.is_some()
            || self.allowinvites.is_some()
            || self.membersonly.is_some()
    }
}

/// Each user's outcome of a batch call, in request order.
pub type Outcomes = Vec<(String, Result<(), DomainError>)>;

/// What a management call answers; `V` is the entity's full view.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ManageReply<V> {
    View(Box<V>),
    Done,
    /// A join request was queued for the owner's or an admin's approval.
    Pending,
    /// Per-user outcome of a batch call, in request order.
    Users(Outcomes),
}

/// Runs `op` for each of `users` (1 to the batch limit) and reports each
/// one's outcome.
pub fn each(
    users: Vec<String>,
    mut op: impl FnMut(&str) -> Result<(), DomainError>,
) -> Result<Outcomes, DomainError> {
    check_batch(&users)?;
    Ok(users
        .into_iter()
        .map(|u| {
            let r = op(&u);
            (u, r)
        })
        .collect())
}
