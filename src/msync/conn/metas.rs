//! Metas that are not new messages: joining or leaving a chatroom, and
//! what the SDK says about a message already sent (read and delivery
//! receipts, a conversation read, a recall, an edit).

use super::{later, Conn, Done, Later, Step};
use crate::error::ApiError;
use crate::msync::body::{body_from_content, ext_to_json};
use crate::msync::proto::code::{body as btype, edit_scope, muc, status as st};
use crate::msync::proto::{MessageBody, Meta, MucBody};
use crate::msync::status;
use imcloud_actors::message::ChatType;
use imcloud_actors::DomainError;
use prost::Message;

impl Conn {
    /// Joining or leaving a chatroom (the SDK's `joinChatRoom`,
    /// `leaveChatRoom`); other group and room operations go over REST.
    pub(super) fn muc(&mut self, id: u64, meta: Meta) -> Step {
        let Ok(muc) = MucBody::decode(meta.payload.as_deref().unwrap_or_default()) else {
            return self.ack_now(id, status::fail(st::FAIL, "not a MUCBody"));
        };
        let room = muc.muc_id.and_then(|j| j.name).unwrap_or_default();
        let answered = move |result: Result<(), ApiError>| Done::Answered {
            meta_id: id,
            server_id: None,
            result,
        };
        let busy = answered(Err(DomainError::Busy.into()));
        let fut: Later = match (muc.is_chatroom.unwrap_or(false), muc.operation) {
            (true, Some(muc::JOIN)) => match self.device.join(&room) {
                Ok(joined) => Box::pin(async move { answered(joined.await.map(|_| ())) }),
                Err(e) => return self.ack_now(id, status::send(&e)),
            },
            (true, Some(muc::LEAVE)) => match self.device.leave(&room) {
                Ok(left) => Box::pin(async move { answered(left.await) }),
                Err(e) => return self.ack_now(id, status::send(&e)),
            },
            _ => {
                return self.ack_now(
                    id,
                    status::fail(st::FAIL, "not supported over msync; use REST"),
                )
            }
        };
        Step::Wait(fut, busy)
    }

    /// A meta about a message already sent: a read or delivery receipt,
    /// a conversation read (`CHANNEL_ACK`: everything up to now), a recall
    /// or an edit (the SDK's `send` of a `read`, `delivery` or `channel`
    /// message, `recallMessage`, `modifyMessage`). The conversation is
    /// `Meta.to`: a user, or on the conference domain a group (a room this
    /// connection joined: that room).
    pub(super) fn about_message(&mut self, id: u64, meta: Meta, body: MessageBody) -> Step {
        let to_jid = meta.to.unwrap_or_default();
        let to = to_jid
            .name
            .clone()
            .or(body.to.and_then(|j| j.name))
            .unwrap_or_default();
        let conference = to_jid
            .domain
            .as_deref()
            .is_some_and(|d| d.contains("conference"));
        let chat = match conference {
            false => ChatType::Single,
            true if self.is_room(&to) => ChatType::Chatroom,
            true => ChatType::Group,
        };
        let target = |field: Option<u64>| field.map(|m| m.to_string()).unwrap_or_default();
        let dev = &self.device;
        let (server_id, fut): (Option<u64>, Result<Later, ApiError>) = match body.r#type {
            Some(btype::READ_ACK) => {
                let msg = target(body.ack_message_id);
                let f = dev.read(chat, &to, Some(&msg));
                (None, f.map(|f| later(id, None, f)))
            }
            Some(btype::CHANNEL_ACK) => {
                (None, dev.read(chat, &to, None).map(|f| later(id, None, f)))
            }
            Some(btype::DELIVER_ACK) => {
                let msg = target(body.ack_message_id);
                (
                    None,
                    dev.delivered(chat, &to, &msg).map(|f| later(id, None, f)),
                )
            }
            Some(btype::RECALL) => {
                let msg = target(body.ack_message_id);
                let f = dev.recall(chat, &to, &msg);
                (
                    body.ack_message_id,
                    f.map(|f| later(id, body.ack_message_id, f)),
                )
            }
            _ => {
                let Some(content) = body.contents.first() else {
                    return self.ack_now(id, status::fail(st::FAIL, "empty edit"));
                };
                let new_body = match body_from_content(content) {
                    Ok(c) => c,
                    Err(u) => return self.ack_now(id, status::fail(st::FAIL, u.0)),
                };
                let ext = (body.edit_scope == Some(edit_scope::BODY_AND_EXT))
                    .then(|| serde_json::Value::Object(ext_to_json(&body.ext)));
                let edit = imcloud_actors::conversation::Edit {
                    body: new_body,
                    ext,
                    merge_ext: false,
                };
                let msg = target(body.edit_message_id);
                let f = dev.edit(chat, &to, &msg, edit);
                (
                    body.edit_message_id,
                    f.map(|f| later(id, body.edit_message_id, f)),
                )
            }
        };
        match fut {
            Err(e) => self.ack_now(id, status::send(&e)),
            Ok(fut) => Step::Wait(
                fut,
                Done::Answered {
                    meta_id: id,
                    server_id,
                    result: Err(DomainError::Busy.into()),
                },
            ),
        }
    }
}
