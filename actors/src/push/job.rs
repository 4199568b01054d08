//! An offline push notification as the recipient's entity queues it
//! (outbox lane 0, in the batch that stores the message): whom it goes to
//! (each bound device with its token and credential) and what it says,
//! decided at that moment from the user's settings; the gateway only
//! renders it for each provider.

use super::settings::PushProfile;
use crate::message::{ChatType, StoredMessage};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest preview of a text message, in characters.
const PREVIEW_CHARS: usize = 100;
/// What a notification says when the user shows no details.
pub const NEW_MESSAGE: &str = "You have a new message";

/// A device's push token (§10.4 binding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushBinding {
    pub device_id: String,
    /// The app's credential this token belongs to.
    pub notifier_name: String,
    pub device_token: String,
    pub updated: i64,
}

/// One device a notification goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushTarget {
    pub device_id: String,
    pub notifier_name: String,
    pub device_token: String,
}

/// One message's notification to one user's devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushJob {
    pub user: String,
    pub targets: Vec<PushTarget>,
    pub title: String,
    pub body: String,
    /// The user's messages waiting offline, this one included.
    pub badge: u64,
    pub msg_id: u64,
    pub from: String,
    pub chat: ChatType,
    /// The peer (1:1) or the group.
    pub conversation: String,
    pub at: i64,
}

/// A short text for a body: the text of `txt`, a tag for the others.
pub fn preview(body: &Value) -> String {
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "txt" => {
            let text = body.get("msg").and_then(Value::as_str).unwrap_or("");
            let mut out: String = text.chars().take(PREVIEW_CHARS).collect();
            if text.chars().count() > PREVIEW_CHARS {
                out.push('…');
            }
            out
        }
        "img" => "[Image]".into(),
        "audio" => "[Voice]".into(),
        "video" => "[Video]".into(),
        "file" => "[File]".into(),
        "loc" => "[Location]".into(),
        _ => "[Message]".into(),
    }
}

fn apns_ext<'a>(message: &'a StoredMessage, key: &str) -> Option<&'a str> {
    message
        .ext
        .as_deref()?
        .get("em_apns_ext")?
        .get(key)?
        .as_str()
}

/// The title and body of `message`'s notification, for a user with
/// `profile`, from a sender shown as `sender`: a preview when the user
/// shows details (style 1), else "You have a new message";
/// `em_apns_ext.em_push_title` / `em_push_content` override either.
pub fn content(profile: &PushProfile, message: &StoredMessage, sender: &str) -> (String, String) {
    let (title, body) = if profile.display_style == 1 {
        (sender.to_string(), preview(&message.body))
    } else {
        (String::new(), NEW_MESSAGE.to_string())
    };
    (
        apns_ext(message, "em_push_title").map_or(title, str::to_string),
        apns_ext(message, "em_push_content").map_or(body, str::to_string),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    fn msg(body: Value, ext: Option<Value>) -> StoredMessage {
        StoredMessage {
            msg_id: 1,
            chat: ChatType::Single,
            from: "a".into(),
            to: "b".into(),
            seq: 1,
            ts: 0,
            body: Arc::new(body),
            ext: ext.map(Arc::new),
            edits: 0,
        }
    }

    #[test]
    fn the_display_style_decides_what_a_notification_shows() {
        let m = msg(json!({"type": "txt", "msg": "hello there"}), None);
        let mut p = PushProfile::default();
        assert_eq!(
            content(&p, &m, "Alice"),
            (String::new(), NEW_MESSAGE.into())
        );
        p.display_style = 1;
        assert_eq!(
            content(&p, &m, "Alice"),
            ("Alice".into(), "hello there".into())
        );
        let m = msg(
            json!({"type": "img", "url": "u"}),
            Some(json!({"em_apns_ext": {"em_push_title": "T"}})),
        );
        assert_eq!(content(&p, &m, "Alice"), ("T".into(), "[Image]".into()));
        let long = "x".repeat(150);
        assert_eq!(
            preview(&json!({"type": "txt", "msg": long}))
                .chars()
                .count(),
            101
        );
    }
}
