//! Conversations, history pages and receipts: the types a user's entity,
//! a group and the gateway exchange about them.
//!
//! A 1:1 conversation's last message and unread count are not written per
//! message: they are derived when asked, from the conversation's index
//! (`C`, one key per message, written with the message) and the user's
//! record of it (`N`: the read mark and what the peer said it received and
//! read, written only when those change). A group conversation is split:
//! the user's record keeps the read mark (the group seq read up to and the
//! group's count of countable messages there); the group keeps its last
//! message and its count, so unread is the difference and no group message
//! writes to its members' records.
//!
//! A message is *countable* unless it is `cmd`: `cmd` messages are
//! delivered and synced but stay out of history, conversations and unread
//! counts. A user's own message marks its conversation read up to it.

use crate::message::{ChatType, StoredMessage};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Most messages in one history page (the protocol's default is 20).
pub const HISTORY_PAGE_MAX: usize = 100;

/// Whether `m` counts in history, conversations and unread counts.
pub fn is_countable(m: &StoredMessage) -> bool {
    m.body.get("type").and_then(|t| t.as_str()) != Some("cmd")
}

/// A user's record of one conversation (its `N` key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    /// When the conversation started (its first message; a group's: when
    /// the user joined), ms.
    pub ts: i64,
    /// The read mark: the id of the newest message read (0: none).
    #[serde(default)]
    pub read_id: u64,
    /// Groups: the group seq of the read mark.
    pub read_seq: u64,
    /// Groups: the group's count of countable messages at `read_seq`.
    pub read_counted: u64,
    /// 1:1: the newest of this user's messages the peer said it received.
    pub peer_delivered: u64,
    /// 1:1: the newest of this user's messages the peer said it read.
    pub peer_read: u64,
    /// The conversation was deleted from the list up to this msg id: it is
    /// listed again once a newer message comes (H1).
    #[serde(default)]
    pub hidden_up_to: u64,
    /// 1:1: messages up to this msg id were deleted from this user's
    /// history (H1 with `delete_roam`, H5); their entries are purged in
    /// the background and never shown meanwhile.
    #[serde(default)]
    pub cleared_up_to: u64,
}

/// A 1:1 conversation's newest message, as its index names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRef {
    /// Its seq in the user's timeline.
    pub seq: u64,
    pub msg_id: u64,
    pub ts: i64,
}

/// One conversation as a user's entity lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConversationEntry {
    pub chat: ChatType,
    /// The peer user or the group id.
    pub with: String,
    pub record: ConversationRecord,
    /// 1:1: the newest message and the messages from the peer after the
    /// read mark (groups: the group tells).
    pub last: Option<LastRef>,
    pub unread: u64,
}

/// What a group tells a member about their conversation with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupSummary {
    /// The newest countable message since the member joined.
    pub last: Option<Arc<StoredMessage>>,
    /// The group's count of countable messages so far, less those
    /// recalled after the member's read mark.
    pub counted: u64,
}

/// A read mark in a group: the group seq and the group's count there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMark {
    pub seq: u64,
    pub counted: u64,
    /// The id of the message at the mark (0 for none).
    pub msg_id: u64,
}

/// A page of a conversation's history, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryPage {
    pub messages: Vec<Arc<StoredMessage>>,
    /// Older messages exist.
    pub more: bool,
}

/// A delivery or read receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReceiptKind {
    Delivered,
    Read,
}

impl ReceiptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptKind::Delivered => "delivered",
            ReceiptKind::Read => "read",
        }
    }
}

/// The `receipt` push: `from` received or read `msg_id` of the
/// conversation `chat` with `to` (from the point of view of `from`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptPush {
    pub kind: ReceiptKind,
    pub msg_id: u64,
    pub from: String,
    pub chat: ChatType,
    pub to: String,
}

/// The `recall` push: the message `msg_id` that `from` sent in the
/// conversation `chat` with `to` was recalled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallPush {
    pub msg_id: u64,
    pub chat: ChatType,
    pub from: String,
    pub to: String,
}

/// How long after sending a message may be recalled, as the app set it;
/// `None`: no limit (REST `force`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecallWindow(pub Option<i64>);

impl RecallWindow {
    /// Refuses a message sent at `ts` when `now` is past the window.
    pub fn check(self, ts: i64, now: i64) -> Result<(), crate::DomainError> {
        match self.0 {
            Some(window) if now.saturating_sub(ts) > window => Err(crate::DomainError::Recall(
                crate::error::RecallRefusal::WindowPassed,
            )),
            _ => Ok(()),
        }
    }
}

/// What a recall answers: the recalled message's attachment URL, if its
/// body names one (the gateway deletes the upload it points at).
pub type Recalled = Option<String>;

/// The attachment URL of a body (`img`, `audio`, `video`, `file`).
pub fn attachment_url(m: &StoredMessage) -> Recalled {
    match m.body.get("type").and_then(|t| t.as_str()) {
        Some("img" | "audio" | "video" | "file") => m
            .body
            .get("url")
            .and_then(|u| u.as_str())
            .map(str::to_string),
        _ => None,
    }
}

/// Most edits of one message.
pub const MAX_EDITS: u32 = 10;

/// A new body (and `ext`) for a message: only `txt` and `custom` messages
/// are edited, each into a body of its own type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    pub body: crate::message::Body,
    /// `None`: keep the old `ext`.
    pub ext: Option<serde_json::Value>,
    /// Merge `ext` into the old one (REST `is_combine_ext`) instead of
    /// replacing it.
    pub merge_ext: bool,
}

impl Edit {
    /// `m` edited, or why not. The sender check is the caller's.
    pub fn apply(&self, m: &StoredMessage) -> Result<StoredMessage, crate::DomainError> {
        let kind =
            |b: &serde_json::Value| b.get("type").and_then(|t| t.as_str()).map(str::to_string);
        let old = kind(&m.body);
        if !matches!(old.as_deref(), Some("txt" | "custom")) || kind(&self.body) != old {
            return Err(crate::DomainError::InvalidArgument(
                "only txt and custom messages are edited, each into a body of its own type".into(),
            ));
        }
        if m.edits >= MAX_EDITS {
            return Err(crate::DomainError::TooManyEdits);
        }
        let ext = match (&self.ext, self.merge_ext, &m.ext) {
            (None, _, old) => old.clone(),
            (Some(new), true, Some(old)) => {
                let mut merged = old.as_ref().clone();
                if let (Some(o), Some(n)) = (merged.as_object_mut(), new.as_object()) {
                    for (k, v) in n {
                        o.insert(k.clone(), v.clone());
                    }
                }
                Some(Arc::new(merged))
            }
            (Some(new), _, _) => Some(Arc::new(new.clone())),
        };
        Ok(StoredMessage {
            body: Arc::new(self.body.clone()),
            ext,
            edits: m.edits + 1,
            ..m.clone()
        })
    }
}
