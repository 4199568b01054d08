//! The commands of a Group entity.

use super::{GroupLimits, GroupOp, GroupReply};
use crate::conversation::{GroupMark, GroupSummary, HistoryPage, RecallWindow};
use crate::message::{Post, SendAck, SyncPage};
use crate::roster::Actor;
use serde::{Deserialize, Serialize};

crate::commands! {
    /// What a Group entity is asked.
    pub enum GroupCmd as Group {
        ManageGroup => GroupReply,
        PostToGroup => SendAck,
        SyncGroup => SyncPage,
        GroupHistory => HistoryPage,
        SummaryFor => GroupSummary,
        ReadMarkAt => GroupMark,
        RecallInGroup => crate::conversation::Recalled,
        EditInGroup => (),
        GroupReadCount => u64,
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

/// A member's page of the group's history, older than the message
/// `before` (or from the newest), never older than the member's join.
#[derive(Debug, Serialize, Deserialize)]
pub struct GroupHistory {
    pub user: String,
    pub before: Option<u64>,
    pub limit: usize,
    /// The member cleared their history up to this msg id (H6, H1 with
    /// `delete_roam`): nothing at or below it is shown.
    #[serde(default)]
    pub cleared_up_to: u64,
}

/// A member's view of their conversation with the group: its newest
/// countable message since they joined, and the group's count.
#[derive(Debug, Serialize, Deserialize)]
pub struct SummaryFor {
    pub user: String,
    /// The member's read mark (recalled messages after it are not unread).
    pub read_seq: u64,
}

/// Where a member's read mark goes when they read up to `msg_id` (or
/// everything, when `None`).
#[derive(Debug, Serialize, Deserialize)]
pub struct ReadMarkAt {
    pub user: String,
    pub msg_id: Option<u64>,
}

/// Recall the group message `msg_id`, by `by` (its sender, the owner or an
/// admin, or the app), within `window`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecallInGroup {
    pub by: Actor,
    pub msg_id: u64,
    pub window: RecallWindow,
}

/// Edit the group message `msg_id`, by `by` (its sender, or the app).
#[derive(Debug, Serialize, Deserialize)]
pub struct EditInGroup {
    pub by: Actor,
    pub msg_id: u64,
    pub edit: crate::conversation::Edit,
}

/// How many members have read the message `msg_id` (sent with
/// `need_group_ack`), asked by `user`.
#[derive(Debug, Serialize, Deserialize)]
pub struct GroupReadCount {
    pub user: String,
    pub msg_id: u64,
}
