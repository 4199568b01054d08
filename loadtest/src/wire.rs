//! The few frames the harness speaks, kept cheap because the harness shares
//! the CPU with the server: send frames are formatted from a per-sender
//! template, and replies and pushes are decoded into borrowed structs that
//! skip every field the harness does not read (no `serde_json::Value`).
//!
//! Each message carries a [`Stamp`] in `ext.lt`: the run id, the pair, the
//! sender's sequence number and the intended send time.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt::Write as _;
use tokio_tungstenite::tungstenite::Message;

/// Text frames (JSON) or binary frames (MessagePack).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Encoding {
    Json,
    MsgPack,
}

/// What the harness writes into `ext.lt` of every message.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Stamp {
    /// Run id: pushes of an earlier run are ignored.
    pub r: u64,
    /// Pair index.
    pub p: u32,
    /// The sender's sequence number (also the request id).
    pub k: u64,
    /// Intended send time, ns since the run's start.
    pub t: u64,
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    msg: &'a str,
}

#[derive(Serialize)]
struct Ext {
    lt: Stamp,
}

#[derive(Serialize)]
struct SendFrame<'a> {
    id: &'a str,
    op: &'static str,
    chat: &'static str,
    to: &'a str,
    body: Body<'a>,
    ext: Ext,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<&'static str>,
}

#[derive(Serialize)]
struct AuthFrame<'a> {
    id: &'static str,
    op: &'static str,
    appkey: &'a str,
    user: &'a str,
    password: &'a str,
    device: &'a str,
    v: u8,
}

/// The id of the `auth` request.
pub const AUTH_ID: &str = "auth";

fn encode<T: Serialize>(frame: &T, enc: Encoding) -> Result<Message, String> {
    match enc {
        Encoding::Json => serde_json::to_string(frame)
            .map(Message::Text)
            .map_err(|e| e.to_string()),
        Encoding::MsgPack => rmp_serde::to_vec_named(frame)
            .map(Message::Binary)
            .map_err(|e| e.to_string()),
    }
}

/// The `auth` frame (appkey + user + password).
pub fn auth_frame(
    appkey: &str,
    user: &str,
    password: &str,
    device: &str,
    enc: Encoding,
) -> Result<Message, String> {
    encode(
        &AuthFrame {
            id: AUTH_ID,
            op: "auth",
            appkey,
            user,
            password,
            device,
            v: 1,
        },
        enc,
    )
}

/// Builds one sender's `send` frames: everything but the stamp and id is
/// fixed per sender, so a JSON frame is two `write!`s into a string.
#[derive(Debug, Clone)]
pub struct SendTemplate {
    enc: Encoding,
    chat: &'static str,
    to: String,
    /// Chatroom sends: `high`, `normal` or `low`.
    priority: Option<&'static str>,
    payload: String,
    /// JSON up to and including `"lt":{`, already escaped.
    json_head: String,
}

impl SendTemplate {
    /// A 1:1 send to user `to`.
    pub fn new(to: &str, payload_bytes: usize, enc: Encoding) -> SendTemplate {
        SendTemplate::for_chat("single", to, payload_bytes, enc)
    }

    /// A group send to group id `to`.
    pub fn group(to: &str, payload_bytes: usize, enc: Encoding) -> SendTemplate {
        SendTemplate::for_chat("group", to, payload_bytes, enc)
    }

    /// A chatroom send to room id `to` with `priority`.
    pub fn chatroom(
        to: &str,
        priority: &'static str,
        payload_bytes: usize,
        enc: Encoding,
    ) -> SendTemplate {
        let mut t = SendTemplate::for_chat("chatroom", to, payload_bytes, enc);
        t.priority = Some(priority);
        t.json_head = t.json_head.replacen(
            r#""op":"send","#,
            &format!(r#""op":"send","priority":"{priority}","#),
            1,
        );
        t
    }

    fn for_chat(chat: &'static str, to: &str, payload_bytes: usize, enc: Encoding) -> SendTemplate {
        let payload = "x".repeat(payload_bytes.max(1));
        // Escaping through serde_json keeps odd user names valid JSON.
        let to_json = serde_json::to_string(to).unwrap_or_else(|_| "\"\"".into());
        let json_head = format!(
            r#"{{"op":"send","chat":"{chat}","to":{to_json},"body":{{"type":"txt","msg":"{payload}"}},"ext":{{"lt":{{"#
        );
        SendTemplate {
            enc,
            chat,
            to: to.to_string(),
            priority: None,
            payload,
            json_head,
        }
    }

    /// The frame for `stamp`, with request id `stamp.k`.
    pub fn frame(&self, stamp: Stamp) -> Result<Message, String> {
        match self.enc {
            Encoding::Json => {
                let mut s = String::with_capacity(self.json_head.len() + 96);
                s.push_str(&self.json_head);
                // Writing to a String cannot fail.
                let _ = write!(
                    s,
                    r#""r":{},"p":{},"k":{},"t":{}}}}},"id":"{}"}}"#,
                    stamp.r, stamp.p, stamp.k, stamp.t, stamp.k
                );
                Ok(Message::Text(s))
            }
            Encoding::MsgPack => {
                let id = stamp.k.to_string();
                let frame = SendFrame {
                    id: &id,
                    op: "send",
                    chat: self.chat,
                    to: &self.to,
                    body: Body {
                        kind: "txt",
                        msg: &self.payload,
                    },
                    ext: Ext { lt: stamp },
                    priority: self.priority,
                };
                encode(&frame, Encoding::MsgPack)
            }
        }
    }
}

#[derive(Serialize)]
struct SyncFrame<'a> {
    id: &'a str,
    op: &'static str,
    cursors: &'a std::collections::BTreeMap<String, u64>,
    limit: u32,
}

#[derive(Serialize)]
struct JoinFrame<'a> {
    id: &'static str,
    op: &'static str,
    chatroom: &'a str,
}

/// The request id of a `join`.
pub const JOIN_ID: &str = "join";

/// A `join` of chatroom `room`.
pub fn join_frame(room: &str, enc: Encoding) -> Result<Message, String> {
    encode(
        &JoinFrame {
            id: JOIN_ID,
            op: "join",
            chatroom: room,
        },
        enc,
    )
}

/// A `sync` request for `cursors` (stream → seq), at most `limit` messages.
pub fn sync_frame(
    id: &str,
    cursors: &std::collections::BTreeMap<String, u64>,
    limit: u32,
    enc: Encoding,
) -> Result<Message, String> {
    encode(
        &SyncFrame {
            id,
            op: "sync",
            cursors,
            limit,
        },
        enc,
    )
}

/// The fields of a `sync` reply the harness reads.
#[derive(Debug, Deserialize)]
pub struct SyncReply<'a> {
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(default)]
    pub ok: Option<bool>,
    #[serde(default)]
    pub error: Option<ErrorBody>,
    #[serde(borrow, default)]
    pub messages: Vec<PushedMsg<'a>>,
    #[serde(default)]
    pub cursors: std::collections::BTreeMap<String, u64>,
    #[serde(default)]
    pub more: bool,
}

/// Decodes a `sync` reply (or any reply: the fields are all optional).
pub fn decode_sync(msg: &Message) -> Option<SyncReply<'_>> {
    match msg {
        Message::Text(t) => serde_json::from_str(t).ok(),
        Message::Binary(b) => rmp_serde::from_slice(b).ok(),
        _ => None,
    }
}

/// `error` of a failed reply.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: i64,
}

#[derive(Debug, Deserialize)]
pub struct PushExt {
    #[serde(default)]
    pub lt: Option<Stamp>,
}

/// The fields of a pushed message the harness reads.
#[derive(Debug, Deserialize)]
pub struct PushedMsg<'a> {
    #[serde(borrow)]
    pub msg_id: Cow<'a, str>,
    #[serde(borrow, default)]
    pub from: Cow<'a, str>,
    #[serde(default)]
    pub ext: Option<PushExt>,
}

/// Any frame from the server: a reply (`id`, `ok`, `msg_id` or `error`) or
/// a push (`push`, `msg`). Unread fields are skipped, not stored.
#[derive(Debug, Deserialize)]
pub struct Inbound<'a> {
    #[serde(borrow, default)]
    pub id: Option<Cow<'a, str>>,
    #[serde(default)]
    pub ok: Option<bool>,
    #[serde(borrow, default)]
    pub msg_id: Option<Cow<'a, str>>,
    #[serde(default)]
    pub error: Option<ErrorBody>,
    #[serde(borrow, default)]
    pub push: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub msg: Option<PushedMsg<'a>>,
}

/// Decodes a text (JSON) or binary (MessagePack) frame; `None` for control
/// frames and for anything that does not parse.
pub fn decode(msg: &Message) -> Option<Inbound<'_>> {
    match msg {
        Message::Text(t) => serde_json::from_str(t).ok(),
        Message::Binary(b) => rmp_serde::from_slice(b).ok(),
        _ => None,
    }
}

#[derive(Serialize)]
struct ReceiptFrame<'a> {
    id: &'static str,
    op: &'static str,
    chat: &'static str,
    to: &'a str,
    msg_id: &'a str,
}

/// The id of `delivered` and `read` requests (their replies are skipped).
pub const RECEIPT_ID: &str = "rc";

/// A `delivered` or `read` (`op`) of the 1:1 message `msg_id` from `to`.
pub fn receipt_frame(
    op: &'static str,
    to: &str,
    msg_id: &str,
    enc: Encoding,
) -> Result<Message, String> {
    encode(
        &ReceiptFrame {
            id: RECEIPT_ID,
            op,
            chat: "single",
            to,
            msg_id,
        },
        enc,
    )
}

/// A msg id as the protocol sends it: a decimal string of a u64.
pub fn parse_msg_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(enc: Encoding) {
        let t = SendTemplate::new("lt1", 8, enc);
        let stamp = Stamp {
            r: 7,
            p: 3,
            k: 42,
            t: 123_456,
        };
        let frame = t.frame(stamp).expect("encodes");
        let v: serde_json::Value = match &frame {
            Message::Text(s) => serde_json::from_str(s).expect("valid json"),
            Message::Binary(b) => rmp_serde::from_slice(b).expect("valid msgpack"),
            _ => panic!("not a data frame"),
        };
        assert_eq!(v["id"], "42");
        assert_eq!(v["op"], "send");
        assert_eq!(v["to"], "lt1");
        assert_eq!(v["body"]["msg"], "xxxxxxxx");
        assert_eq!(v["ext"]["lt"]["t"], 123_456);
        assert_eq!(v["ext"]["lt"]["p"], 3);
        assert_eq!(v["chat"], "single");
        let g = SendTemplate::group("g1", 4, enc)
            .frame(stamp)
            .expect("encodes");
        let v: serde_json::Value = match &g {
            Message::Text(s) => serde_json::from_str(s).expect("valid json"),
            Message::Binary(b) => rmp_serde::from_slice(b).expect("valid msgpack"),
            _ => panic!("not a data frame"),
        };
        assert_eq!(
            (v["chat"].as_str(), v["to"].as_str()),
            (Some("group"), Some("g1"))
        );
    }

    #[test]
    fn send_frames_are_valid_in_both_encodings() {
        roundtrip(Encoding::Json);
        roundtrip(Encoding::MsgPack);
    }

    #[test]
    fn replies_and_pushes_decode_borrowed() {
        let ack = Message::Text(r#"{"id":"5","ok":true,"msg_id":"99","seq":1,"ts":2}"#.into());
        let a = decode(&ack).expect("ack");
        assert_eq!(
            (a.id.as_deref(), a.ok, a.msg_id.as_deref()),
            (Some("5"), Some(true), Some("99"))
        );
        let err = Message::Text(
            r#"{"id":"6","ok":false,"error":{"code":509,"message":"slow down"}}"#.into(),
        );
        assert_eq!(
            decode(&err).and_then(|e| e.error).map(|e| e.code),
            Some(509)
        );
        let push = serde_json::json!({"push":"message","msg":{"msg_id":"77","from":"a","to":"b","seq":3,"ts":4,
            "body":{"type":"txt","msg":"x"},"ext":{"lt":{"r":1,"p":2,"k":3,"t":4}}}});
        let bin = Message::Binary(rmp_serde::to_vec_named(&push).expect("msgpack"));
        let p = decode(&bin).expect("push");
        let m = p.msg.expect("msg");
        assert_eq!(m.msg_id, "77");
        assert_eq!(m.ext.and_then(|e| e.lt).map(|s| s.k), Some(3));
        assert!(decode(&Message::Text("{nope".into())).is_none());
    }
}
