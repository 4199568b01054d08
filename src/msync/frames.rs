//! The frames the server writes, each one `MSync` with its command and
//! encoded payload: Provision results, send acks, notices, queue pages
//! (with metas, or the empty last page), UNREAD answers and the kick
//! page. Every page sets `status` and `queue` (the SDK dereferences both)
//! and never marks a page with metas `isLast`.

use super::body::{content_from_body, json_to_ext, message_body};
use super::proto::code::{body as btype, command, edit_scope, ns, roster};
use super::proto::{
    CommNotice, CommSyncDl, CommUnreadDl, Content, Jid, MSync, MessageBody, Meta, MetaQueue,
    Provision, RosterBody, StatisticsBody,
};
use super::status;
use bytes::Bytes;
use imcloud_actors::contact::{ContactKind, ContactPush};
use imcloud_actors::conversation::{RecallPush, ReceiptKind, ReceiptPush};
use imcloud_actors::message::{ChatType, StoredMessage};
use prost::Message;

/// The domain of users' JIDs.
pub const USER_DOMAIN: &str = "easemob.com";
/// The domain of groups' and chatrooms' JIDs.
pub const CONFERENCE_DOMAIN: &str = "conference.easemob.com";

fn envelope(cmd: i32, payload: Vec<u8>) -> Bytes {
    Bytes::from(
        MSync {
            command: Some(cmd),
            payload: Some(payload),
            ..Default::default()
        }
        .encode_to_vec(),
    )
}

pub fn jid(appkey: &str, name: &str, domain: &str) -> Jid {
    Jid {
        app_key: Some(appkey.to_string()),
        name: Some(name.to_string()),
        domain: Some(domain.to_string()),
        client_resource: None,
    }
}

/// The answer to a Provision: its status and, on success, the resource.
pub fn provision(st: super::proto::Status, resource: Option<String>) -> Bytes {
    let p = Provision {
        status: Some(st),
        resource,
        ..Default::default()
    };
    envelope(command::PROVISION, p.encode_to_vec())
}

/// A send's ack: the client's meta id, and the server's id and time, or
/// why it was refused.
pub fn ack(meta_id: u64, result: Result<(u64, i64), super::proto::Status>, now: i64) -> Bytes {
    let dl = match result {
        Ok((server_id, ts)) => CommSyncDl {
            status: Some(status::ok()),
            meta_id: Some(meta_id),
            server_id: Some(server_id),
            timestamp: Some(ts.max(0) as u64),
            ..Default::default()
        },
        Err(st) => CommSyncDl {
            status: Some(st),
            meta_id: Some(meta_id),
            timestamp: Some(now.max(0) as u64),
            ..Default::default()
        },
    };
    envelope(command::SYNC, dl.encode_to_vec())
}

/// The answer to a meta that is not a message: its id and status, and
/// the id of the message it was about (a recall's, an edit's).
pub fn answer(meta_id: u64, st: super::proto::Status, server_id: Option<u64>, now: i64) -> Bytes {
    let dl = CommSyncDl {
        status: Some(st),
        meta_id: Some(meta_id),
        server_id,
        timestamp: Some(now.max(0) as u64),
        ..Default::default()
    };
    envelope(command::SYNC, dl.encode_to_vec())
}

pub fn notice(queue: Jid) -> Bytes {
    let n = CommNotice { queue: Some(queue) };
    envelope(command::NOTICE, n.encode_to_vec())
}

/// The domain of a conversation's JID.
fn domain_of(chat: ChatType) -> &'static str {
    match chat {
        ChatType::Single => USER_DOMAIN,
        ChatType::Group | ChatType::Chatroom => CONFERENCE_DOMAIN,
    }
}

/// A JID the SDK reads a name from (`MessageBody.from` and `to`).
fn name(n: &str) -> Jid {
    Jid {
        name: Some(n.to_string()),
        ..Default::default()
    }
}

/// A stored message as the meta its recipients' SDKs read.
pub fn meta(appkey: &str, m: &StoredMessage) -> Meta {
    Meta {
        id: Some(m.msg_id),
        from: Some(jid(appkey, &m.from, USER_DOMAIN)),
        to: Some(jid(appkey, &m.to, domain_of(m.chat))),
        timestamp: Some(m.ts.max(0) as u64),
        ns: Some(ns::CHAT),
        payload: Some(message_body(m).encode_to_vec()),
        ..Default::default()
    }
}

/// A CHAT meta of `body` from `from` in the conversation `chat` with `to`
/// (an event, not a message: `id` is only the SDK's dedupe key).
fn chat_meta(
    appkey: &str,
    (from, chat, to): (&str, ChatType, &str),
    body: MessageBody,
    id: u64,
    now: i64,
) -> Meta {
    Meta {
        id: Some(id),
        from: Some(jid(appkey, from, USER_DOMAIN)),
        to: Some(jid(appkey, to, domain_of(chat))),
        timestamp: Some(now.max(0) as u64),
        ns: Some(ns::CHAT),
        payload: Some(body.encode_to_vec()),
        ..Default::default()
    }
}

/// A read or delivery receipt: `from` read (or received) `to`'s messages
/// up to `msg_id` (the SDK's `onReadMessage` / `onDeliveredMessage`). A
/// content-less body, as the SDK writes its own acks.
pub fn receipt(appkey: &str, r: &ReceiptPush, id: u64, now: i64) -> Meta {
    let kind = match r.kind {
        ReceiptKind::Read => btype::READ_ACK,
        ReceiptKind::Delivered => btype::DELIVER_ACK,
    };
    let body = MessageBody {
        r#type: Some(kind),
        from: Some(name(&r.from)),
        to: Some(name(&r.to)),
        contents: vec![Content::default()],
        ack_message_id: Some(r.msg_id),
        ..Default::default()
    };
    chat_meta(appkey, (&r.from, r.chat, &r.to), body, id, now)
}

/// A recall: `from`'s message `msg_id` to `to` is gone (the SDK's
/// `onRecallMessage`).
pub fn recall(appkey: &str, r: &RecallPush, id: u64, now: i64) -> Meta {
    let body = MessageBody {
        r#type: Some(btype::RECALL),
        from: Some(name(&r.from)),
        to: Some(name(&r.to)),
        contents: vec![Content::default()],
        ack_message_id: Some(r.msg_id),
        ..Default::default()
    };
    chat_meta(appkey, (&r.from, r.chat, &r.to), body, id, now)
}

/// An edit: the message `m` as it is now (the SDK's `onModifiedMessage`,
/// with who edited it, when it was sent and how many times it was
/// edited in `meta`).
pub fn edit(appkey: &str, m: &StoredMessage, id: u64, now: i64) -> Meta {
    let chat_type = match m.chat {
        ChatType::Single => "chat:user",
        ChatType::Group => "chat:group",
        ChatType::Chatroom => "chat:room",
    };
    let info = serde_json::json!({"edit_msg": {
        "sender": m.from, "send_time": m.ts, "chat_type": chat_type,
        "operator": m.from, "count": m.edits, "edit_time": now,
    }});
    let ext = m.ext.as_deref().and_then(serde_json::Value::as_object);
    let body = MessageBody {
        r#type: Some(btype::EDIT),
        from: Some(name(&m.from)),
        to: Some(name(&m.to)),
        contents: vec![content_from_body(&m.body)],
        ext: ext.map(json_to_ext).unwrap_or_default(),
        edit_message_id: Some(m.msg_id),
        edit_scope: Some(edit_scope::BODY_AND_EXT),
        meta: Some(info.to_string()),
        ..Default::default()
    };
    chat_meta(appkey, (&m.from, m.chat, &m.to), body, id, now)
}

/// A contact event for `me` about `c.user` (the SDK's
/// `onContactInvited`, `onContactAgreed`, `onContactRefuse`,
/// `onContactDeleted`).
pub fn contact(appkey: &str, me: &str, c: &ContactPush, id: u64, now: i64) -> Meta {
    let operation = match c.kind {
        ContactKind::Request => roster::ADD,
        ContactKind::Accepted => roster::REMOTE_ACCEPT,
        ContactKind::Declined => roster::REMOTE_DECLINE,
        ContactKind::Removed => roster::REMOVE,
    };
    let body = RosterBody {
        operation: Some(operation),
        from: Some(jid(appkey, &c.user, USER_DOMAIN)),
        // The SDK reads `to[0]`: never leave it empty.
        to: vec![jid(appkey, me, USER_DOMAIN)],
        reason: c.reason.clone(),
    };
    Meta {
        id: Some(id),
        from: Some(jid(appkey, &c.user, USER_DOMAIN)),
        to: Some(jid(appkey, me, USER_DOMAIN)),
        timestamp: Some(now.max(0) as u64),
        ns: Some(ns::ROSTER),
        payload: Some(body.encode_to_vec()),
        ..Default::default()
    }
}

/// A page of `queue` holding `metas` (never empty: an empty page is
/// [`last`]), to be acknowledged with `next_key`.
pub fn page(queue: Jid, metas: Vec<Meta>, next_key: u64, now: i64) -> Bytes {
    let dl = CommSyncDl {
        status: Some(status::ok()),
        metas,
        next_key: Some(next_key),
        queue: Some(queue),
        is_last: Some(false),
        timestamp: Some(now.max(0) as u64),
        ..Default::default()
    };
    envelope(command::SYNC, dl.encode_to_vec())
}

/// The empty page that ends a queue.
pub fn last(queue: Jid, now: i64) -> Bytes {
    let dl = CommSyncDl {
        status: Some(status::ok()),
        queue: Some(queue),
        is_last: Some(true),
        timestamp: Some(now.max(0) as u64),
        ..Default::default()
    };
    envelope(command::SYNC, dl.encode_to_vec())
}

/// The answer to UNREAD: the queues holding something, with how much.
pub fn unread(queues: Vec<(Jid, u32)>, now: i64) -> Bytes {
    let dl = CommUnreadDl {
        status: Some(status::ok()),
        unread: queues
            .into_iter()
            .map(|(q, n)| MetaQueue {
                queue: Some(q),
                n: Some(n),
            })
            .collect(),
        timestamp: Some(now.max(0) as u64),
    };
    envelope(command::UNREAD, dl.encode_to_vec())
}

/// The page that logs the device out: one STATISTIC meta naming why
/// (`operation`), in the user's own queue.
pub fn kick(queue: Jid, operation: i32, meta_id: u64, now: i64) -> Bytes {
    let body = StatisticsBody {
        operation: Some(operation),
        reason: None,
    };
    let m = Meta {
        id: Some(meta_id),
        timestamp: Some(now.max(0) as u64),
        ns: Some(ns::STATISTIC),
        payload: Some(body.encode_to_vec()),
        ..Default::default()
    };
    page(queue, vec![m], meta_id, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msync::proto::CommSyncDl;

    fn decode(frame: &Bytes) -> (i32, CommSyncDl) {
        let m = MSync::decode(&frame[..]).expect("frame decodes");
        let dl = CommSyncDl::decode(m.payload.as_deref().unwrap_or_default()).expect("payload");
        (m.command.unwrap_or(-1), dl)
    }

    #[test]
    fn pages_always_carry_status_and_queue_and_only_the_empty_one_is_last() {
        let q = jid("o#a", "bob", USER_DOMAIN);
        let m = Meta::default();
        let (cmd, dl) = decode(&page(q.clone(), vec![m], 7, 1));
        assert_eq!(cmd, command::SYNC);
        assert!(dl.status.is_some() && dl.queue.is_some());
        assert_eq!((dl.is_last, dl.next_key), (Some(false), Some(7)));
        let (_, dl) = decode(&last(q, 1));
        assert!(dl.status.is_some() && dl.queue.is_some() && dl.metas.is_empty());
        assert_eq!(dl.is_last, Some(true));
    }
}
