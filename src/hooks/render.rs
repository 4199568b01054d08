//! The JSON a post-send rule receives (§8.3, §8.4), made when the event is
//! delivered, with `security = md5(callId + secret + timestamp)` (§8.1)
//! under the rule's current secret. `callId` is the same at every
//! delivery of an event (a receiver dedupes by it): `{appkey}_{uuid}` for
//! messages (the uuid names the outbox entry), `{appkey}_{event id}` for
//! the other events.

use imcloud_actors::hooks::{AlertReason, HookEvent, QueuedEvent, StatusReason};
use imcloud_actors::message::{ChatType, StoredMessage};
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};

/// The high half of the uuids that name outbox entries in `callId`s.
const ENTRY_UUID_HIGH: u64 = 0x696d_636c_6f75_6400;

/// `md5_hex(call_id + secret + timestamp)`, lowercase.
pub fn signature(call_id: &str, secret: &str, timestamp: i64) -> String {
    let mut h = Md5::new();
    h.update(call_id.as_bytes());
    h.update(secret.as_bytes());
    h.update(timestamp.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// A message's payload, as export and callbacks show it: `from`, `to`,
/// `bodies` (one), `ext`.
pub fn message_payload(m: &StoredMessage) -> Value {
    json!({
        "from": m.from,
        "to": m.to,
        "bodies": [m.body.as_ref()],
        "ext": m.ext.as_deref().cloned().unwrap_or_else(|| json!({})),
    })
}

fn chat_type(chat: ChatType) -> &'static str {
    match chat {
        ChatType::Single => "chat",
        // §8.3: groups and chatrooms alike.
        ChatType::Group | ChatType::Chatroom => "groupchat",
    }
}

fn jid(app: &str, user: &str) -> String {
    format!("{app}_{user}@easemob.com")
}

/// The callback body of `queued` (outbox entry `entry_id`) of `app`.
pub fn event_json(
    app: &str,
    host: &str,
    secret: &str,
    entry_id: u64,
    queued: &QueuedEvent,
) -> Value {
    let at = queued.at;
    let mut o = Map::new();
    let call_id = match &queued.event {
        HookEvent::Message { .. } => format!(
            "{app}_{}",
            uuid::Uuid::from_u64_pair(ENTRY_UUID_HIGH, entry_id)
        ),
        HookEvent::Recall { event_id, .. }
        | HookEvent::ReadAck { event_id, .. }
        | HookEvent::Muc { event_id, .. }
        | HookEvent::Roster { event_id, .. }
        | HookEvent::UserStatus { event_id, .. } => format!("{app}_{event_id}"),
        HookEvent::KeywordAlert { msg_id, .. } => format!("{app}_{msg_id}"),
    };
    let mut put = |k: &str, v: Value| {
        o.insert(k.to_string(), v);
    };
    match &queued.event {
        HookEvent::Message {
            offline, message, ..
        } => {
            put(
                "eventType",
                json!(if *offline { "chat_offline" } else { "chat" }),
            );
            put("chat_type", json!(chat_type(message.chat)));
            if message.chat != ChatType::Single {
                put("group_id", json!(message.to));
            }
            put("from", json!(message.from));
            put("to", json!(message.to));
            put("msg_id", json!(message.msg_id.to_string()));
            put("payload", message_payload(message));
        }
        HookEvent::Recall {
            chat,
            from,
            to,
            recalled,
            event_id,
        } => {
            put("eventType", json!("chat"));
            put("chat_type", json!("recall"));
            if *chat != ChatType::Single {
                put("group_id", json!(to));
            }
            put("from", json!(from));
            put("to", json!(to));
            put("recall_id", json!(recalled.to_string()));
            put("msg_id", json!(event_id.to_string()));
            put(
                "payload",
                json!({"ext": {}, "ack_message_id": recalled.to_string(), "bodies": []}),
            );
        }
        HookEvent::ReadAck {
            from,
            to,
            msg_id,
            event_id,
        } => {
            put("eventType", json!("chat"));
            put("chat_type", json!("read_ack"));
            put("from", json!(from));
            put("to", json!(to));
            put("msg_id", json!(event_id.to_string()));
            put(
                "payload",
                json!({"ext": {}, "ack_message_id": msg_id.to_string(), "bodies": []}),
            );
        }
        HookEvent::Muc {
            chat,
            group,
            operation,
            user,
            event_id,
        } => {
            put("eventType", json!("chat"));
            put("chat_type", json!("muc"));
            put("group_id", json!(group));
            put("from", json!(jid(app, user)));
            put("to", json!(group));
            put("msg_id", json!(event_id.to_string()));
            put(
                "payload",
                json!({
                    "muc_id": format!("{app}_{group}@conference.easemob.com"),
                    "reason": "",
                    "is_chatroom": *chat == ChatType::Chatroom,
                    "operation": operation,
                    "status": {"description": "", "error_code": "ok"},
                }),
            );
        }
        HookEvent::Roster {
            from,
            to,
            operation,
            event_id,
        } => {
            put("eventType", json!("chat"));
            put("chat_type", json!("roster"));
            put("from", json!(from));
            put("to", json!(to));
            put("msg_id", json!(event_id.to_string()));
            put("payload", json!({"operation": operation}));
        }
        HookEvent::UserStatus {
            user,
            device,
            online,
            reason,
            ..
        } => {
            put("eventType", json!("userStatus"));
            put("user", json!(format!("{}/{device}", jid(app, user))));
            put("os", json!(device.split('_').next().unwrap_or(device)));
            put("ip", json!(""));
            put("version", json!(""));
            put("status", json!(if *online { "online" } else { "offline" }));
            put(
                "reason",
                json!(match reason {
                    StatusReason::Login => "login",
                    StatusReason::Logout => "logout",
                    StatusReason::Replaced => "replaced",
                }),
            );
        }
        HookEvent::KeywordAlert {
            chat,
            from,
            to,
            msg_id,
            type_name,
            reason,
            words,
        } => {
            let scope = if *chat == ChatType::Single {
                "user"
            } else {
                "group"
            };
            let content = if type_name == "txt" {
                "text"
            } else {
                type_name
            };
            put("eventType", json!("keyword_alert"));
            put(
                "alertReason",
                json!(match reason {
                    AlertReason::Intercepted => "intercepted",
                    AlertReason::Replaced => "replaced",
                }),
            );
            put("sensitiveWords", json!(words));
            put("contentOwner", json!(from));
            put("contentReceiver", json!(to));
            put("contentUri", json!(format!("msync:{msg_id}")));
            put("contentType", json!("message"));
            put(
                "chatType",
                json!(format!("{}:{scope}:{content}", chat_type(*chat))),
            );
            put("status", json!("ok"));
        }
    }
    put("callId", json!(call_id));
    put("timestamp", json!(at));
    put("appkey", json!(app));
    put("host", json!(host));
    put("securityVersion", json!("1.0.0"));
    put("security", json!(signature(&call_id, secret, at)));
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_md5_of_call_id_secret_and_timestamp() {
        // md5("a#b_1" + "s" + "1700000000000")
        let s = signature("a#b_1", "s", 1_700_000_000_000);
        let mut h = Md5::new();
        h.update(b"a#b_1s1700000000000");
        assert_eq!(s, hex::encode(h.finalize()));
        assert_eq!(s.len(), 32);
        assert!(s
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
