//! The frame codec: a text frame is one JSON object, a binary frame the same
//! object in MessagePack. Requests decode into [`Request`]; replies and pushes
//! encode in the encoding the peer used.

use crate::error::ApiError;
use bytes::Bytes;
use bytestring::ByteString;
use imcloud_actors::message::{ChatType, StoredMessage};
use imcloud_actors::session::SharedMessage;
use serde::Serialize;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    MsgPack,
}

/// One request frame: `{"id", "op", ...args}`.
#[derive(Debug)]
pub struct Request {
    pub id: Value,
    pub op: String,
    pub args: Value,
}

/// An encoded frame ready for the socket.
pub enum Outbound {
    /// UTF-8 by construction; cheap to clone (one frame, many sockets).
    Text(ByteString),
    Binary(Bytes),
}

/// Decodes one frame. On failure returns the request id if it could be read,
/// so the error reply can carry it.
pub fn decode(frame: &[u8], enc: Encoding) -> Result<Request, (Value, ApiError)> {
    let value: Value = match enc {
        Encoding::Json => serde_json::from_slice(frame)
            .map_err(|e| (Value::Null, ApiError::BadFrame(e.to_string())))?,
        Encoding::MsgPack => rmp_serde::from_slice(frame)
            .map_err(|e| (Value::Null, ApiError::BadFrame(e.to_string())))?,
    };
    let Value::Object(mut obj) = value else {
        return Err((Value::Null, ApiError::BadFrame("not an object".into())));
    };
    let id = obj.remove("id").unwrap_or(Value::Null);
    let op = match obj.remove("op") {
        Some(Value::String(op)) => op,
        _ => return Err((id, ApiError::BadFrame("missing string `op`".into()))),
    };
    Ok(Request {
        id,
        op,
        args: Value::Object(obj),
    })
}

/// Encodes any serializable frame.
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

/// `{"id", "ok": true, ...result}`.
pub fn ok_reply(id: Value, result: Map<String, Value>) -> Value {
    let mut m = result;
    m.insert("id".into(), id);
    m.insert("ok".into(), Value::Bool(true));
    Value::Object(m)
}

/// `{"id", "ok": false, "error": {"code", "message"}}`.
pub fn error_reply(id: Value, err: &ApiError) -> Value {
    json!({"id": id, "ok": false, "error": {"code": err.info().code, "message": err.public_message()}})
}

fn chat_str(c: ChatType) -> &'static str {
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
            ext: m.ext.as_ref(),
        }
    }
}

/// `{"push": "message", "msg": {...}}`.
#[derive(Serialize)]
pub struct MessagePush<'a> {
    pub push: &'static str,
    pub msg: WireMessage<'a>,
}

/// The `message` push of `m` in `enc`, encoded once per encoding however
/// many devices it goes to.
pub fn message_push(m: &SharedMessage, enc: Encoding) -> Option<Outbound> {
    let slot = match enc {
        Encoding::Json => 0,
        Encoding::MsgPack => 1,
    };
    let bytes = m.frame(slot, |msg| {
        let frame = MessagePush {
            push: "message",
            msg: WireMessage::from(msg),
        };
        match encode(&frame, enc)? {
            Outbound::Text(t) => Some(t.into_bytes()),
            Outbound::Binary(b) => Some(b),
        }
    })?;
    match enc {
        // Always valid: the bytes were a `String` when cached.
        Encoding::Json => ByteString::try_from(bytes).ok().map(Outbound::Text),
        Encoding::MsgPack => Some(Outbound::Binary(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_msgpack_decode_alike() {
        let j = decode(br#"{"id":"1","op":"ping","x":2}"#, Encoding::Json).unwrap();
        let mp = rmp_serde::to_vec_named(&json!({"id":"1","op":"ping","x":2})).unwrap();
        let m = decode(&mp, Encoding::MsgPack).unwrap();
        assert_eq!((j.id, j.op, j.args), (m.id, m.op, m.args));
    }

    #[test]
    fn garbage_is_a_bad_frame_with_the_id_when_known() {
        assert!(matches!(
            decode(b"{nope", Encoding::Json),
            Err((Value::Null, ApiError::BadFrame(_)))
        ));
        assert!(matches!(
            decode(b"[1]", Encoding::Json),
            Err((Value::Null, ApiError::BadFrame(_)))
        ));
        assert!(matches!(
            decode(&[0xc1, 0xff], Encoding::MsgPack),
            Err((_, ApiError::BadFrame(_)))
        ));
        let (id, _) = decode(br#"{"id":"7","op":3}"#, Encoding::Json).unwrap_err();
        assert_eq!(id, json!("7"));
    }
}
