//! Messages: the stored message, a group or room message on its way, the ack a sender gets, and
//! a page of a timeline.

use crate::chatroom::Priority;
use crate::command::Origin;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Which kind of conversation a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatType {
    Single,
    Group,
    Chatroom,
}

/// A message body: a JSON object with `type` and that type's fields,
/// checked by [`validate_body`].
pub type Body = Value;

pub use crate::body::validate_body;

/// A message as stored in a timeline and delivered to devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub msg_id: u64,
    pub chat: ChatType,
    pub from: String,
    pub to: String,
    /// Position in the timeline it is stored in (recipient's or sender's).
    pub seq: u64,
    pub ts: i64,
    /// Shared: the sender's and the recipient's copies (and a message's
    /// pushes) hold one body, not one each.
    pub body: Arc<Body>,
    #[serde(default)]
    pub ext: Option<Arc<Value>>,
    /// How many times it was edited (0: never).
    #[serde(default)]
    pub edits: u32,
}

/// What a sender is told once its message is durably stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendAck {
    pub msg_id: u64,
    /// Position in the sender's timeline (0 for REST sends without a
    /// sender copy).
    pub seq: u64,
    pub ts: i64,
    /// Groups: the group's count of countable messages up to this one
    /// (the sender's read mark); 0 elsewhere. Not shown to clients.
    #[serde(default)]
    pub counted: u64,
}

/// A group or chatroom message as it leaves its sender: `from` is set,
/// the group or room sets the id, seq and time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Post {
    pub message: StoredMessage,
    /// The sender's idempotency key, if any.
    pub client_msg_id: Option<String>,
    pub origin: Origin,
    /// How much it matters when a room's fan-out is overloaded (groups
    /// ignore it).
    pub priority: Priority,
    /// Groups: the sender wants read receipts and a read count.
    #[serde(default)]
    pub need_group_ack: bool,
    /// The sensitive words the gateway replaced in it: its
    /// `keyword_alert`, queued in the step that stores it.
    #[serde(default)]
    pub replaced_words: Vec<String>,
}

/// One page of a timeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncPage {
    pub messages: Vec<Arc<StoredMessage>>,
    /// The seq the device holds after this page.
    pub cursor: u64,
    pub more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stored_message_round_trips_through_the_store_codec() {
        let m = StoredMessage {
            msg_id: 42,
            chat: ChatType::Single,
            from: "a".into(),
            to: "b".into(),
            seq: 7,
            ts: 1,
            body: Arc::new(json!({"type":"img","url":"u","size":{"width":3,"height":4}})),
            ext: Some(Arc::new(json!({"k":[1,2,{"x":null}]}))),
            edits: 2,
        };
        let bytes = imcloud_shards::codec::encode(&m).unwrap();
        let back: StoredMessage = imcloud_shards::codec::decode(&bytes).unwrap();
        assert_eq!(back, m);
    }
}
