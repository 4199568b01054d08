//! The frame codec of `/ws`: a text frame is one JSON object, a binary
//! frame the same object in MessagePack. A request decodes into
//! [`Inbound`]: its id and a typed [`Op`] (the one list of op names); a
//! reply ([`Reply`]) and a push (`push_frames`) encode in the
//! connection's encoding. No other part of the adapter reads or builds a
//! JSON tree. The shapes of presence replies and pushes are in
//! [`presence`].

mod presence;

pub(crate) use presence::PresenceFrame;
pub use presence::{WireStatus, WireSubscription};

use super::frames::Op;
pub use super::push_frames::push_frame;
use crate::device::conversations::Conversation;
use crate::error::ApiError;
use bytes::Bytes;
use bytestring::ByteString;
use imcloud_actors::attributes::Attributes;
use imcloud_actors::message::{ChatType, StoredMessage};
use imcloud_actors::DomainError;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    MsgPack,
}

/// A request's id, echoed back as the client sent it (any value).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(Value);

/// One request frame: `{"id", "op", ...args}`.
#[derive(Debug)]
pub struct Inbound {
    pub id: RequestId,
    /// The op's name as the client spelled it (for logs).
    pub name: String,
    pub op: Op,
}

/// A `send` request, read without building a JSON tree first: the `op`
/// must be the string "send" (anything else falls back to the general
/// path, which also answers the errors).
#[derive(Deserialize)]
struct SendFrame {
    #[serde(default)]
    id: RequestId,
    #[allow(dead_code)] // checked while decoding
    op: SendTag,
    chat: imcloud_actors::message::ChatType,
    to: String,
    body: Value,
    #[serde(default)]
    ext: Option<Value>,
    #[serde(default)]
    client_msg_id: Option<String>,
    #[serde(default)]
    priority: Option<imcloud_actors::chatroom::Priority>,
    #[serde(default)]
    need_group_ack: bool,
}

impl SendFrame {
    fn into_inbound(self) -> Inbound {
        Inbound {
            id: self.id,
            name: "send".into(),
            op: Op::Send(super::frames::SendArgs {
                chat: self.chat,
                to: self.to,
                body: self.body,
                ext: self.ext,
                client_msg_id: self.client_msg_id,
                priority: self.priority,
                need_group_ack: self.need_group_ack,
            }),
        }
    }
}

/// The op name "send", and nothing else.
struct SendTag;

impl<'de> Deserialize<'de> for SendTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = SendTag;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("the string \"send\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SendTag, E> {
                if v == "send" {
                    Ok(SendTag)
                } else {
                    Err(E::custom("not a send"))
                }
            }
        }
        d.deserialize_str(Visit)
    }
}

/// A `read` or `delivered` request (a device acking each message sends
/// both), read straight into its arguments like a `send`.
#[derive(Deserialize)]
struct ReceiptRequest {
    #[serde(default)]
    id: RequestId,
    op: ReceiptTag,
    chat: imcloud_actors::message::ChatType,
    to: String,
    #[serde(default)]
    msg_id: Option<String>,
}

impl ReceiptRequest {
    /// The request, or `None` for a `delivered` without its `msg_id`
    /// (the general path answers that error).
    fn into_inbound(self) -> Option<Inbound> {
        use super::frames::{DeliveredArgs, ReadArgs};
        let (name, op) = match self.op {
            ReceiptTag::Read => (
                "read",
                Op::Read(ReadArgs {
                    chat: self.chat,
                    to: self.to,
                    msg_id: self.msg_id,
                }),
            ),
            ReceiptTag::Delivered => (
                "delivered",
                Op::Delivered(DeliveredArgs {
                    chat: self.chat,
                    to: self.to,
                    msg_id: self.msg_id?,
                }),
            ),
        };
        Some(Inbound {
            id: self.id,
            name: name.into(),
            op,
        })
    }
}

/// The op names "read" and "delivered", and nothing else.
enum ReceiptTag {
    Read,
    Delivered,
}

impl<'de> Deserialize<'de> for ReceiptTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = ReceiptTag;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"read\" or \"delivered\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ReceiptTag, E> {
                match v {
                    "read" => Ok(ReceiptTag::Read),
                    "delivered" => Ok(ReceiptTag::Delivered),
                    _ => Err(E::custom("not a receipt")),
                }
            }
        }
        d.deserialize_str(Visit)
    }
}

/// An encoded frame ready for the socket.
pub enum Outbound {
    /// UTF-8 by construction; cheap to clone (one frame, many sockets).
    Text(ByteString),
    Binary(Bytes),
}

fn from_frame<T: serde::de::DeserializeOwned>(frame: &[u8], enc: Encoding) -> Result<T, String> {
    match enc {
        Encoding::Json => serde_json::from_slice(frame).map_err(|e| e.to_string()),
        Encoding::MsgPack => rmp_serde::from_slice(frame).map_err(|e| e.to_string()),
    }
}

/// The ops read straight into their arguments.
enum HotOp {
    Send,
    Receipt,
}

/// A frame's op name, borrowed; every other field is skipped unread.
#[derive(Deserialize)]
struct OpName<'a> {
    #[serde(borrow)]
    op: std::borrow::Cow<'a, str>,
}

/// The frame's op, if it is one of the hot ones.
fn hot_op(frame: &[u8], enc: Encoding) -> Option<HotOp> {
    let name: OpName = match enc {
        Encoding::Json => serde_json::from_slice(frame).ok()?,
        Encoding::MsgPack => rmp_serde::from_slice(frame).ok()?,
    };
    match name.op.as_ref() {
        "send" => Some(HotOp::Send),
        "read" | "delivered" => Some(HotOp::Receipt),
        _ => None,
    }
}

/// A hot op's frame read into `T`, or `None` (the general path then
/// reads it again to say what is wrong).
fn from_frame_hot<T: serde::de::DeserializeOwned>(frame: &[u8], enc: Encoding) -> Option<T> {
    match enc {
        Encoding::Json => serde_json::from_slice(frame).ok(),
        Encoding::MsgPack => rmp_serde::from_slice(frame).ok(),
    }
}

/// Decodes one frame. On failure returns the request's id if it could be
/// read, so the error reply can carry it: a frame that is no object or has
/// no string `op` is a bad frame (1001), an unknown op is 1002, and bad
/// arguments of a known op are 205. (The frame is read as an object first:
/// the op must be a string, which serde's tagged enums do not insist on.)
pub fn decode(frame: &[u8], enc: Encoding) -> Result<Inbound, (RequestId, ApiError)> {
    // The hot paths: a well-formed send or receipt, read straight into its
    // arguments once its op is known (a device acking each message sends
    // two receipts per message it gets). Anything else, or anything
    // wrong with these, takes the general path, which answers the errors.
    let hot = match hot_op(frame, enc) {
        Some(HotOp::Send) => from_frame_hot::<SendFrame>(frame, enc).map(SendFrame::into_inbound),
        Some(HotOp::Receipt) => {
            from_frame_hot::<ReceiptRequest>(frame, enc).and_then(ReceiptRequest::into_inbound)
        }
        None => None,
    };
    if let Some(inbound) = hot {
        return Ok(inbound);
    }
    let mut object = match from_frame::<Value>(frame, enc) {
        Ok(Value::Object(object)) => object,
        Ok(_) => {
            let e = ApiError::BadFrame("not an object".into());
            return Err((RequestId::default(), e));
        }
        Err(e) => return Err((RequestId::default(), ApiError::BadFrame(e))),
    };
    let id = RequestId(object.remove("id").unwrap_or(Value::Null));
    let name = match object.get("op") {
        Some(Value::String(name)) => name.chars().take(64).collect::<String>(),
        _ => return Err((id, ApiError::BadFrame("missing string `op`".into()))),
    };
    match Op::deserialize(Value::Object(object)) {
        Ok(Op::Unknown) => Err((id, ApiError::UnknownOp(name))),
        Ok(op) => Ok(Inbound { id, name, op }),
        Err(e) => Err((id, DomainError::InvalidArgument(e.to_string()).into())),
    }
}

/// Encodes any serializable frame (with named fields in MessagePack).
pub fn encode<T: Serialize>(frame: &T, enc: Encoding) -> Option<Outbound> {
    match enc {
        Encoding::Json => serde_json::to_string(frame)
            .ok()
            .map(|t| Outbound::Text(t.into())),
        Encoding::MsgPack => rmp_serde::to_vec_named(frame)
            .ok()
            .map(|v| Outbound::Binary(Bytes::from(v))),
    }
}

/// `{"code", "message"}` of an error.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: u16,
    pub message: String,
}

impl From<&ApiError> for ErrorBody {
    fn from(e: &ApiError) -> Self {
        ErrorBody {
            code: e.info().code,
            message: e.public_message(),
        }
    }
}

/// A reply: `{"id", "ok": true, ...fields}` or
/// `{"id", "ok": false, "error": {"code", "message"}}`.
pub struct Reply {
    pub id: RequestId,
    pub result: Result<OkBody, ApiError>,
}

impl Serialize for Reply {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Ok<'a> {
            id: &'a RequestId,
            ok: bool,
            #[serde(flatten)]
            body: &'a OkBody,
        }
        #[derive(Serialize)]
        struct Err<'a> {
            id: &'a RequestId,
            ok: bool,
            error: ErrorBody,
        }
        match &self.result {
            Result::Ok(body) => Ok {
                id: &self.id,
                ok: true,
                body,
            }
            .serialize(s),
            Result::Err(e) => Err {
                id: &self.id,
                ok: false,
                error: e.into(),
            }
            .serialize(s),
        }
    }
}

/// The fields of an ok reply, by op.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum OkBody {
    Empty {},
    Auth {
        user: String,
        device: String,
        server_time: i64,
    },
    Time {
        server_time: i64,
    },
    Ack {
        msg_id: String,
        seq: u64,
        ts: i64,
    },
    Synced {
        messages: Messages,
        cursors: BTreeMap<String, u64>,
        more: bool,
    },
    Joined {
        chatroom: String,
        messages: Messages,
    },
    Group {
        group: GroupInfo,
    },
    Room {
        chatroom: RoomInfo,
    },
    Created {
        chatroom: String,
    },
    Pending {
        pending: bool,
    },
    Results {
        results: Vec<UserResult>,
    },
    History {
        messages: Messages,
        more: bool,
    },
    Count {
        count: u64,
    },
    Conversations {
        conversations: Vec<WireConversation>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cursor: Option<String>,
    },
    Contacts {
        users: Vec<String>,
        requests: Vec<ContactRequestInfo>,
    },
    Users {
        users: Vec<String>,
    },
    Statuses {
        statuses: Vec<WireStatus>,
    },
    Subscriptions {
        total: usize,
        subscriptions: Vec<WireSubscription>,
    },
    /// The device's own user's attributes.
    Attributes {
        attributes: Attributes,
    },
    /// Attributes by user.
    UsersAttributes {
        attributes: BTreeMap<String, Attributes>,
    },
}

/// A friend request waiting for the user, as `contacts` lists it.
#[derive(Debug, Serialize)]
pub struct ContactRequestInfo {
    pub user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    pub ts: i64,
}

/// A conversation as `conversations` lists it: `{chat, with, last,
/// unread, read_up_to, peer_delivered?, peer_read?}`.
#[derive(Debug)]
pub struct WireConversation(pub Conversation);

impl Serialize for WireConversation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = &self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("chat", chat_str(c.chat))?;
        m.serialize_entry("with", &c.with)?;
        m.serialize_entry("last", &c.last.as_deref().map(WireMessage::from))?;
        m.serialize_entry("unread", &c.unread)?;
        m.serialize_entry("read_up_to", &c.read_up_to.to_string())?;
        m.serialize_entry("ts", &c.ts)?;
        if c.chat == ChatType::Single {
            m.serialize_entry("peer_delivered", &c.peer_delivered.to_string())?;
            m.serialize_entry("peer_read", &c.peer_read.to_string())?;
        }
        m.end()
    }
}

/// A group as `group_info` shows it.
#[derive(Debug, Serialize)]
pub struct GroupInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub public: bool,
    pub membersonly: bool,
    pub allowinvites: bool,
    pub maxusers: u32,
    pub announcement: String,
    pub mute_all: bool,
    pub members: Vec<MemberInfo>,
}

#[derive(Debug, Serialize)]
pub struct MemberInfo {
    pub user: String,
    pub role: &'static str,
}

/// A chatroom as `chatroom_info` shows it.
#[derive(Debug, Serialize)]
pub struct RoomInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub maxusers: u32,
    pub announcement: String,
    pub mute_all: bool,
    pub admins: Vec<String>,
    pub members: Vec<String>,
}

/// One user's outcome of a batch op.
#[derive(Debug, Serialize)]
pub struct UserResult {
    pub user: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// Messages, each as the protocol's message object.
#[derive(Debug)]
pub struct Messages(pub Vec<Arc<StoredMessage>>);

impl Serialize for Messages {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|m| WireMessage::from(m.as_ref())))
    }
}

pub(super) fn chat_str(c: ChatType) -> &'static str {
    match c {
        ChatType::Single => "single",
        ChatType::Group => "group",
        ChatType::Chatroom => "chatroom",
    }
}

/// The protocol's message object.
#[derive(Serialize)]
pub struct WireMessage<'a> {
    pub msg_id: String,
    pub chat: &'static str,
    pub from: &'a str,
    pub to: &'a str,
    pub seq: u64,
    pub ts: i64,
    pub body: &'a Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext: Option<&'a Value>,
    /// How many times it was edited; absent when never.
    #[serde(skip_serializing_if = "is_zero")]
    pub edited: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl<'a> From<&'a StoredMessage> for WireMessage<'a> {
    fn from(m: &'a StoredMessage) -> Self {
        WireMessage {
            msg_id: m.msg_id.to_string(),
            chat: chat_str(m.chat),
            from: &m.from,
            to: &m.to,
            seq: m.seq,
            ts: m.ts,
            body: &m.body,
            ext: m.ext.as_deref(),
            edited: m.edits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::push_frames::EventFrame;
    use imcloud_actors::roster::Scope;
    use imcloud_actors::session::EventPush;
    use serde_json::json;

    fn code_of(r: Result<Inbound, (RequestId, ApiError)>) -> (Value, u16) {
        let (id, e) = r.expect_err("an error");
        (id.0, e.info().code)
    }

    #[test]
    fn a_send_takes_the_short_path_and_anything_like_it_the_long_one() {
        let frame = br#"{"id":"s1","op":"send","chat":"single","to":"bob","body":{"type":"txt","msg":"hi"},"extra":1}"#;
        let r = decode(frame, Encoding::Json).unwrap();
        assert!(matches!(r.op, Op::Send(ref a) if a.to == "bob"), "{r:?}");
        let mp = rmp_serde::to_vec_named(&json!({"id":"s1","op":"send","chat":"group","to":"g","body":{"type":"txt","msg":"hi"}})).unwrap();
        assert!(matches!(
            decode(&mp, Encoding::MsgPack).unwrap().op,
            Op::Send(_)
        ));
        // An op of another type or a bad argument still gets its code.
        assert_eq!(
            code_of(decode(
                br#"{"id":1,"op":4,"chat":"single","to":"b","body":{}}"#,
                Encoding::Json
            ))
            .1,
            1001
        );
        assert_eq!(
            code_of(decode(
                br#"{"id":1,"op":"send","chat":"nope","to":"b","body":{}}"#,
                Encoding::Json
            ))
            .1,
            205
        );
    }

    #[test]
    fn receipts_take_the_short_path_and_a_delivery_without_its_message_gets_205() {
        let r = decode(
            br#"{"id":"r","op":"read","chat":"single","to":"bob","msg_id":"7"}"#,
            Encoding::Json,
        )
        .unwrap();
        assert!(
            matches!(r.op, Op::Read(ref a) if a.to == "bob" && a.msg_id.as_deref() == Some("7")),
            "{r:?}"
        );
        let mp = rmp_serde::to_vec_named(
            &json!({"id":"d","op":"delivered","chat":"single","to":"bob","msg_id":"8"}),
        )
        .unwrap();
        let d = decode(&mp, Encoding::MsgPack).unwrap();
        assert!(
            matches!(d.op, Op::Delivered(ref a) if a.msg_id == "8"),
            "{d:?}"
        );
        assert_eq!(d.name, "delivered");
        // A read of everything names no message.
        let all = decode(
            br#"{"id":1,"op":"read","chat":"group","to":"g1"}"#,
            Encoding::Json,
        )
        .unwrap();
        assert!(matches!(all.op, Op::Read(ref a) if a.msg_id.is_none()));
        assert_eq!(
            code_of(decode(
                br#"{"id":2,"op":"delivered","chat":"single","to":"bob"}"#,
                Encoding::Json
            )),
            (json!(2), 205)
        );
    }

    #[test]
    fn json_and_msgpack_decode_alike() {
        let j = decode(br#"{"id":"1","op":"ping","x":2}"#, Encoding::Json).unwrap();
        let mp = rmp_serde::to_vec_named(&json!({"id":"1","op":"ping","x":2})).unwrap();
        let m = decode(&mp, Encoding::MsgPack).unwrap();
        assert_eq!(j.id, m.id);
        assert!(matches!((j.op, m.op), (Op::Ping(_), Op::Ping(_))));
    }

    #[test]
    fn bad_frames_unknown_ops_and_bad_arguments_get_their_codes() {
        assert_eq!(
            code_of(decode(b"{nope", Encoding::Json)),
            (Value::Null, 1001)
        );
        assert_eq!(code_of(decode(b"[1]", Encoding::Json)), (Value::Null, 1001));
        assert_eq!(code_of(decode(&[0xc1, 0xff], Encoding::MsgPack)).1, 1001);
        assert_eq!(
            code_of(decode(br#"{"id":"7","op":3}"#, Encoding::Json)),
            (json!("7"), 1001)
        );
        assert_eq!(
            code_of(decode(br#"{"id":8,"op":"dance"}"#, Encoding::Json)),
            (json!(8), 1002)
        );
        assert_eq!(
            code_of(decode(br#"{"id":9,"op":"send","to":5}"#, Encoding::Json)),
            (json!(9), 205)
        );
    }

    #[test]
    fn replies_and_pushes_have_the_protocols_shape() {
        let ok = Reply {
            id: RequestId(json!("a")),
            result: Ok(OkBody::Ack {
                msg_id: "5".into(),
                seq: 2,
                ts: 3,
            }),
        };
        let v: Value = serde_json::to_value(&ok).unwrap();
        assert_eq!(
            v,
            json!({"id": "a", "ok": true, "msg_id": "5", "seq": 2, "ts": 3})
        );
        let empty = Reply {
            id: RequestId(json!(1)),
            result: Ok(OkBody::Empty {}),
        };
        assert_eq!(
            serde_json::to_value(&empty).unwrap(),
            json!({"id": 1, "ok": true})
        );
        let err = Reply {
            id: RequestId::default(),
            result: Err(ApiError::NotLoggedIn),
        };
        let v: Value = serde_json::to_value(&err).unwrap();
        assert_eq!(
            (v["ok"].clone(), v["error"]["code"].clone()),
            (json!(false), json!(201))
        );
        let ev = EventPush {
            kind: imcloud_actors::roster::EventKind::Muted,
            scope: Scope::Chatroom,
            id: "r1".into(),
            user: "bob".into(),
        };
        let v: Value = serde_json::to_value(EventFrame(&ev)).unwrap();
        assert_eq!(
            v,
            json!({"push": "event", "kind": "muted", "chatroom": "r1", "user": "bob"})
        );
    }
}
