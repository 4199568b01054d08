//! The commands of a Group entity.

use super::{GroupLimits, GroupOp, GroupReply};
use crate::message::{Post, SendAck, SyncPage};
use crate::roster::Actor;
use serde::{Deserialize, Serialize};

crate::commands! {
    /// What a Group entity is asked.
    pub enum GroupCmd as Group {
        ManageGroup => GroupReply,
        PostToGroup => SendAck,
        SyncGroup => SyncPage,
    }
}

/// A management call or read by `actor`; the group checks its rights.
#[derive(Debug, Serialize, Deserialize)]
pub struct ManageGroup {
    pub actor: Actor,
    pub op: GroupOp,
    pub limits: GroupLimits,
}

/// A message to the group: stored once in the group's timeline.
#[derive(Debug, Serialize, Deserialize)]
pub struct PostToGroup(pub Post);

/// A member's page of the group timeline, after `after` or, when `None`,
/// after the member's join seq.
#[derive(Debug, Serialize, Deserialize)]
pub struct SyncGroup {
    pub user: String,
    pub after: Option<u64>,
    pub limit: usize,
}
