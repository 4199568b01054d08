//! The push frames of `/ws` (`{"push": kind, ...}`): one frame type per
//! kind of [`Push`], encoded in the connection's encoding. A message
//! pushed to many devices is encoded once per encoding.

use super::codec::{chat_str, encode, Encoding, Outbound, PresenceFrame, WireMessage};
use bytestring::ByteString;
use imcloud_actors::contact::{ContactKind, ContactPush};
use imcloud_actors::conversation::{RecallPush, ReceiptPush};
use imcloud_actors::roster::Scope;
use imcloud_actors::session::{EventPush, KickReason, Push, SharedMessage};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// `{"push": "message", "msg": {...}}`.
#[derive(Serialize)]
pub(super) struct MessagePush<'a> {
    push: &'static str,
    msg: WireMessage<'a>,
}

/// `{"push": "event", "kind", "group" | "chatroom": id, "user"}`.
pub(super) struct EventFrame<'a>(pub(super) &'a EventPush);

impl Serialize for EventFrame<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ev = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("push", "event")?;
        m.serialize_entry("kind", ev.kind.as_str())?;
        let scope = match ev.scope {
            Scope::Group => "group",
            Scope::Chatroom => "chatroom",
        };
        m.serialize_entry(scope, &ev.id)?;
        m.serialize_entry("user", &ev.user)?;
        m.end()
    }
}

/// `{"push": "receipt", "kind", "msg_id", "from", "chat", "to"}`.
#[derive(Serialize)]
struct ReceiptFrame<'a> {
    push: &'static str,
    kind: &'static str,
    msg_id: String,
    from: &'a str,
    chat: &'static str,
    to: &'a str,
}

impl<'a> From<&'a ReceiptPush> for ReceiptFrame<'a> {
    fn from(r: &'a ReceiptPush) -> Self {
        ReceiptFrame {
            push: "receipt",
            kind: r.kind.as_str(),
            msg_id: r.msg_id.to_string(),
            from: &r.from,
            chat: chat_str(r.chat),
            to: &r.to,
        }
    }
}

/// `{"push": "recall", "msg_id", "chat", "from", "to"}`.
#[derive(Serialize)]
struct RecallFrame<'a> {
    push: &'static str,
    msg_id: String,
    chat: &'static str,
    from: &'a str,
    to: &'a str,
}

impl<'a> From<&'a RecallPush> for RecallFrame<'a> {
    fn from(r: &'a RecallPush) -> Self {
        RecallFrame {
            push: "recall",
            msg_id: r.msg_id.to_string(),
            chat: chat_str(r.chat),
            from: &r.from,
            to: &r.to,
        }
    }
}

/// `{"push": "contact", "kind", "user", "reason"?}`.
#[derive(Serialize)]
struct ContactFrame<'a> {
    push: &'static str,
    kind: &'static str,
    user: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> From<&'a ContactPush> for ContactFrame<'a> {
    fn from(c: &'a ContactPush) -> Self {
        ContactFrame {
            push: "contact",
            kind: match c.kind {
                ContactKind::Request => "request",
                ContactKind::Accepted => "accepted",
                ContactKind::Declined => "declined",
                ContactKind::Removed => "removed",
            },
            user: &c.user,
            reason: c.reason.as_deref(),
        }
    }
}

/// `{"push": "kick", "reason"}`.
#[derive(Serialize)]
struct KickFrame {
    push: &'static str,
    reason: &'static str,
}

/// The frame of `push` in `enc`; a message pushed to many devices is
/// encoded once per encoding however many devices it goes to.
pub fn push_frame(push: &Push, enc: Encoding) -> Option<Outbound> {
    match push {
        Push::Message(m) => message_push(m, enc),
        Push::Event(ev) => encode(&EventFrame(ev), enc),
        Push::Receipt(r) => encode(&ReceiptFrame::from(r.as_ref()), enc),
        Push::Recall(r) => encode(&RecallFrame::from(r.as_ref()), enc),
        Push::Edit(m) => encode(
            &MessagePush {
                push: "edit",
                msg: WireMessage::from(m.as_ref()),
            },
            enc,
        ),
        Push::Contact(c) => encode(&ContactFrame::from(c.as_ref()), enc),
        Push::Presence(p) => encode(&PresenceFrame::from(p.as_ref()), enc),
        Push::Kick { reason } => encode(&kick(*reason), enc),
    }
}

fn kick(reason: KickReason) -> KickFrame {
    KickFrame {
        push: "kick",
        reason: reason.as_str(),
    }
}

fn message_push(m: &SharedMessage, enc: Encoding) -> Option<Outbound> {
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
