//! A device's send: checked here (recipient, body, idempotency key),
//! routed at once (a 1:1 send to the sender's entity, a group or chatroom
//! send through it to the group or room) so a device's sends keep their
//! order, and answered when the ack arrives: for 1:1 and groups once the
//! message is on disk, for chatrooms once it is accepted for fan-out.

use super::Device;
use crate::error::ApiError;
use crate::hooks::presend::Verdict;
use crate::send::Draft;
use imcloud_actors::chatroom::Priority;
use imcloud_actors::command::{Origin, RatePolicy};
use imcloud_actors::ids::UserId;
use imcloud_actors::message::{validate_body, ChatType, SendAck};
use imcloud_actors::DomainError;
use serde_json::Value;
use std::future::Future;
use std::sync::atomic::Ordering;

const MAX_CLIENT_MSG_ID: usize = 64;

/// What a device sends.
pub struct SendRequest {
    pub chat: ChatType,
    /// The user, group id or chatroom id.
    pub to: String,
    pub body: Value,
    pub ext: Option<Value>,
    pub client_msg_id: Option<String>,
    /// Chatrooms only (default normal).
    pub priority: Option<Priority>,
    /// Groups only: read receipts and a read count for the sender.
    pub need_group_ack: bool,
}

fn check_client_msg_id(cid: Option<&str>) -> Result<(), DomainError> {
    if cid.is_some_and(|c| c.is_empty() || c.len() > MAX_CLIENT_MSG_ID) {
        return Err(DomainError::InvalidArgument(format!(
            "client_msg_id must be 1-{MAX_CLIENT_MSG_ID} bytes"
        )));
    }
    Ok(())
}

impl Device {
    /// Checks and routes `req` (before the device's next request is read:
    /// only a cold cache of the app's settings makes it wait); the future
    /// is its ack.
    pub async fn send(
        &self,
        mut req: SendRequest,
    ) -> Result<impl Future<Output = Result<SendAck, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let node = self.node.clone();
        let to_key = match req.chat {
            ChatType::Single => None,
            ChatType::Group => Some(crate::groups::group_key(
                &s.app,
                &crate::groups::group_id(&req.to)?,
            )),
            ChatType::Chatroom => Some(crate::chatrooms::room_key(
                &s.app,
                &crate::chatrooms::room_id(&req.to)?,
            )),
        };
        let to = match req.chat {
            ChatType::Single => UserId::parse(&req.to)?.to_string(),
            _ => req.to,
        };
        check_client_msg_id(req.client_msg_id.as_deref())?;
        let record = node.app(&s.app).await?;
        let settings = &record.settings;
        let from = s.user.to_string();
        let sending = crate::words::Sending {
            app: &s.app,
            chat: req.chat,
            from: &from,
            to: std::slice::from_ref(&to),
        };
        let replaced_words = node
            .screen(&record, &mut req.body, req.ext.as_mut(), Some(sending))
            .await?;
        validate_body(
            &req.body,
            req.ext.as_ref(),
            settings.max_message_bytes as usize,
        )?;
        let origin = Origin::Device {
            session: s.addr.id,
            friend_check: settings.friend_check,
            rate: RatePolicy {
                per_second: settings.user_send_rate,
                burst: settings.user_send_burst,
            },
        };
        let msg_id = match presend(
            &node,
            &record,
            (&s.app, req.chat, &from, &to),
            &mut req.body,
            &mut req.ext,
        )
        .await?
        {
            Presend::Go(id) => id,
            // Refused, the sender not told: it sees its message sent.
            Presend::Silent(ack) => {
                return Ok(futures_util::future::Either::Right(std::future::ready(Ok(
                    ack,
                ))))
            }
        };
        let draft = Draft {
            msg_id,
            from,
            to,
            body: req.body,
            ext: req.ext,
            replaced_words,
        };
        let acked = match to_key {
            None => futures_util::future::Either::Left(node.send_direct(
                &s.app,
                draft,
                req.client_msg_id,
                origin,
            )),
            Some(key) => futures_util::future::Either::Right(node.post(
                &s.app,
                key,
                draft,
                req.client_msg_id,
                origin,
                crate::send::PostOptions {
                    priority: req.priority.unwrap_or(Priority::Normal),
                    need_group_ack: req.need_group_ack,
                },
            )),
        };
        let gateway = node.gateway.clone();
        Ok(futures_util::future::Either::Left(async move {
            let result = acked.await;
            match &result {
                Ok(_) => gateway.messages_in.fetch_add(1, Ordering::Relaxed),
                Err(DomainError::RateLimited) => {
                    gateway.rate_limited.fetch_add(1, Ordering::Relaxed)
                }
                Err(_) => 0,
            };
            Ok(result?)
        }))
    }
}

/// What the app's pre-send rules made of a device's message.
enum Presend {
    /// Send it, with this id (0: no rule was called; the entity gives one).
    Go(u64),
    /// Refused without telling the sender: this ack is all it gets.
    Silent(SendAck),
}

/// Calls the app's pre-send rules for a message (§8.2), if any selects
/// it: `body` and `ext` may be replaced; a refusal the sender is told of is an error
/// (508). The device's next request waits, so its sends keep their
/// order; nothing else does.
async fn presend(
    node: &crate::node::Node,
    record: &imcloud_actors::app::AppRecord,
    (app, chat, from, to): (&imcloud_actors::ids::AppKey, ChatType, &str, &str),
    body: &mut Value,
    ext: &mut Option<Value>,
) -> Result<Presend, ApiError> {
    let rules = crate::hooks::presend::rules_for(&record.callbacks, chat, body);
    if rules.is_empty() {
        return Ok(Presend::Go(0));
    }
    let msg_id = node.env.msg_ids.next();
    let received = node.clock.now_ms();
    let draft = crate::hooks::presend::Draft {
        app: app.as_str(),
        chat,
        from,
        to,
        msg_id,
        received,
        body: body.clone(),
        ext: ext.clone(),
    };
    match crate::hooks::presend::run(node, &rules, draft).await {
        Verdict::Pass => Ok(Presend::Go(msg_id)),
        Verdict::Replace {
            body: new_body,
            ext: new_ext,
        } => {
            let max = record.settings.max_message_bytes as usize;
            validate_body(&new_body, new_ext.as_ref(), max)?;
            *body = new_body;
            *ext = new_ext;
            Ok(Presend::Go(msg_id))
        }
        Verdict::Refuse { code, tell: true } => Err(DomainError::BlockedByCallback(code).into()),
        Verdict::Refuse { tell: false, .. } => Ok(Presend::Silent(SendAck {
            msg_id,
            seq: 0,
            ts: received,
            counted: 0,
        })),
    }
}
