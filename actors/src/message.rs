//! Messages: the body types of the protocol (validated per type), the stored
//! message, a group or room message on its way, the ack a sender gets, and
//! a page of a timeline.

use crate::chatroom::Priority;
use crate::command::Origin;
use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// Which kind of conversation a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatType {
    Single,
    Group,
    Chatroom,
}

/// A message body: a JSON object with `type` and that type's fields. Kept as
/// JSON so fields the server does not interpret (image sizes, custom params)
/// reach the recipient unchanged; checked by [`validate_body`].
pub type Body = Value;

fn need_str(body: &Value, field: &str, kind: &str) -> Result<(), DomainError> {
    match body.get(field) {
        Some(Value::String(_)) => Ok(()),
        _ => Err(DomainError::MessageInvalid(format!(
            "{kind} body needs a string `{field}`"
        ))),
    }
}

fn need_num(body: &Value, field: &str, kind: &str) -> Result<(), DomainError> {
    match body.get(field) {
        Some(Value::Number(_)) => Ok(()),
        _ => Err(DomainError::MessageInvalid(format!(
            "{kind} body needs a number `{field}`"
        ))),
    }
}

/// Checks `body` against the protocol's body types and `ext` is an object,
/// and that both together fit in `max_bytes` as JSON.
pub fn validate_body(
    body: &Value,
    ext: Option<&Value>,
    max_bytes: usize,
) -> Result<(), DomainError> {
    let kind = match body.get("type") {
        Some(Value::String(t)) => t.as_str(),
        _ => {
            return Err(DomainError::MessageInvalid(
                "body needs a string `type`".into(),
            ))
        }
    };
    match kind {
        "txt" => need_str(body, "msg", kind)?,
        "img" | "audio" | "video" | "file" => need_str(body, "url", kind)?,
        "loc" => {
            need_num(body, "lat", kind)?;
            need_num(body, "lng", kind)?;
        }
        "cmd" => need_str(body, "action", kind)?,
        "custom" => {
            if !matches!(body.get("event"), Some(Value::String(_)))
                && !matches!(body.get("customEvent"), Some(Value::String(_)))
            {
                return Err(DomainError::MessageInvalid(
                    "custom body needs a string `event`".into(),
                ));
            }
        }
        other => {
            return Err(DomainError::MessageInvalid(format!(
                "unknown body type `{other}`"
            )))
        }
    }
    if let Some(ext) = ext {
        if !ext.is_object() {
            return Err(DomainError::MessageInvalid("ext must be an object".into()));
        }
    }
    let size = json_len(body).saturating_add(ext.map_or(0, json_len));
    if size > max_bytes {
        return Err(DomainError::MessageTooLarge);
    }
    Ok(())
}

/// The length of `value` as JSON, counted without building the text.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

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
    fn bodies_are_checked_per_type() {
        let ok = [
            json!({"type":"txt","msg":"hi"}),
            json!({"type":"img","url":"http://x/1","size":{"width":1}}),
            json!({"type":"loc","lat":1.5,"lng":2,"addr":"x"}),
            json!({"type":"cmd","action":"typing"}),
            json!({"type":"custom","event":"gift","params":{}}),
        ];
        for b in ok {
            validate_body(&b, None, 5120).unwrap();
        }
        let bad = [
            json!({"type":"txt"}),
            json!({"type":"nope"}),
            json!({"msg":"x"}),
            json!("txt"),
            json!({"type":"loc","lat":"1","lng":2}),
        ];
        for b in bad {
            assert!(
                matches!(
                    validate_body(&b, None, 5120),
                    Err(DomainError::MessageInvalid(_))
                ),
                "{b}"
            );
        }
        assert!(validate_body(&json!({"type":"txt","msg":"x"}), Some(&json!([1])), 5120).is_err());
        let long = json!({"type":"txt","msg":"x".repeat(6000)});
        assert_eq!(
            validate_body(&long, None, 5120),
            Err(DomainError::MessageTooLarge)
        );
    }

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
        };
        let bytes = imcloud_shards::codec::encode(&m).unwrap();
        let back: StoredMessage = imcloud_shards::codec::decode(&bytes).unwrap();
        assert_eq!(back, m);
    }
}
