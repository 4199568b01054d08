//! One msync connection's state and what each frame does to it: the
//! Provision (login through the device layer), sends and their acks,
//! pulls and their pages, UNREAD. Joining rooms and the metas about sent
//! messages (read, delivery and conversation acks, recalls, edits) are in
//! [`metas`]; what pushes do is in [`pushes`]. Requests that wait for
//! entities become [`Done`] futures the socket loop polls.
//!
//! Notices: a queue gets a notice when something arrives for it and no
//! pull of it is being read; a pull that ends (the empty last page) while
//! something arrived after its read began is followed by a notice, so
//! nothing waits for the next heartbeat. One notice per queue until the
//! device pulls it.

use super::body::{body_from_content, chat_type, ext_to_json};
use super::frames;
use super::proto::code::{body as btype, ns, status as st};
use super::proto::{CommSyncUl, MSync, MessageBody, Meta, Provision};
use super::queue::{Pulled, Puller, Queue};
use super::status;
use crate::device::{Credentials, Device, SendRequest};
use crate::error::ApiError;
use crate::node::Node;
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;
use imcloud_actors::message::{ChatType, SendAck};
use imcloud_actors::session::SessionInbox;
use imcloud_actors::DomainError;
use prost::Message;
use sha2::Digest;
use std::collections::HashMap;

/// Queues one connection keeps state for (its user, groups, rooms); a
/// pull of yet another is answered as empty.
mod metas;
mod pushes;

const MAX_QUEUES: usize = 4096;
/// Metas per page.
pub const PAGE: usize = 50;

/// A request answered later.
pub enum Done {
    Ack {
        meta_id: u64,
        result: Result<SendAck, ApiError>,
    },
    Pulled {
        queue: Queue,
        generation: u64,
        result: Result<Pulled, DomainError>,
    },
    Unread(Result<Vec<(Queue, u32)>, DomainError>),
    /// A meta that is not a message (joining or leaving a chatroom, a
    /// receipt, a recall, an edit); `server_id`: the message it is about.
    Answered {
        meta_id: u64,
        server_id: Option<u64>,
        result: Result<(), ApiError>,
    },
}

pub type Later = LocalBoxFuture<'static, Done>;

/// What a frame asks the socket loop to do.
pub enum Step {
    /// Write these frames (maybe none).
    Write(Vec<Bytes>),
    /// Wait for this, then handle its [`Done`]; or, with no slot to
    /// wait in, answer the second (the request refused as busy).
    Wait(Later, Done),
    /// Write these, then close the socket with this code and reason.
    Close(Vec<Bytes>, u16, &'static str),
    /// Logged in: write the reply and start reading the device's pushes.
    LoggedIn(Bytes, SessionInbox),
}

#[derive(Default)]
struct QueueState {
    /// Pull reads in flight.
    reading: u32,
    /// Pushes seen for the queue (the generation a read started at).
    generation: u64,
    /// A notice was sent and no pull came since.
    noticed: bool,
    /// Highest key handed out on this connection (acks are capped by it).
    issued: Option<u64>,
}

struct Me {
    puller: Puller,
    appkey: String,
}

pub struct Conn {
    node: Node,
    pub device: Device,
    me: Option<Me>,
    queues: HashMap<Queue, QueueState>,
}

/// Close codes of `/websocket` beyond the WebSocket ones.
pub const CLOSE_LOGIN_FAILED: u16 = 4002;
pub const CLOSE_KICKED: u16 = 4003;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_PROTOCOL: u16 = 1002;

impl Conn {
    pub fn new(node: Node) -> Conn {
        Conn {
            device: Device::new(node.clone()),
            node,
            me: None,
            queues: HashMap::new(),
        }
    }

    pub fn is_provisioned(&self) -> bool {
        self.me.is_some()
    }

    fn now(&self) -> i64 {
        self.node.clock.now_ms()
    }

    /// One binary frame from the device.
    pub async fn frame(&mut self, bytes: &[u8]) -> Step {
        let Ok(m) = MSync::decode(bytes) else {
            return Step::Close(Vec::new(), CLOSE_PROTOCOL, "not an msync frame");
        };
        let payload = m.payload.as_deref().unwrap_or_default();
        let cmd = m.command.unwrap_or(super::proto::code::command::SYNC);
        use super::proto::code::command as c;
        if cmd == c::PROVISION {
            return self.provision(&m, payload).await;
        }
        if self.me.is_none() {
            return Step::Close(Vec::new(), CLOSE_POLICY, "provision first");
        }
        match cmd {
            c::UNREAD => self.unread(),
            c::SYNC => match CommSyncUl::decode(payload) {
                Err(_) => Step::Close(Vec::new(), CLOSE_PROTOCOL, "not a CommSyncUL"),
                Ok(ul) => match (ul.meta, ul.queue) {
                    (Some(meta), _) => self.meta(meta).await,
                    (None, Some(q)) => self.pull(q, ul.key),
                    (None, None) => Step::Write(Vec::new()),
                },
            },
            c::LOGOUT => Step::Close(Vec::new(), 1000, ""),
            // Nothing else goes up; ignored like the SDK's own extras.
            _ => Step::Write(Vec::new()),
        }
    }

    async fn provision(&mut self, m: &MSync, payload: &[u8]) -> Step {
        if self.me.is_some() {
            let st = status::fail(st::WRONG_PARAMETER, "already provisioned");
            return Step::Write(vec![frames::provision(st, None)]);
        }
        let refuse = |st| {
            Step::Close(
                vec![frames::provision(st, None)],
                CLOSE_LOGIN_FAILED,
                "login refused",
            )
        };
        let Ok(p) = Provision::decode(payload) else {
            return refuse(status::fail(st::WRONG_PARAMETER, "not a Provision"));
        };
        let token = m
            .auth
            .as_deref()
            .or(p.auth.as_deref())
            .map(|t| t.strip_prefix("$t$").unwrap_or(t).to_string());
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return refuse(status::fail(st::UNAUTHORIZED, status::BAD_LOGIN));
        };
        let guid = m.guid.clone().unwrap_or_default();
        let resource = p
            .resource
            .clone()
            .or(guid.client_resource.clone())
            .unwrap_or_default();
        // What the token names must be who the frame says it is.
        let claims = match crate::auth::token::peek(&token) {
            Ok(c) => c,
            Err(_) => return refuse(status::fail(st::FAIL, status::BAD_LOGIN)),
        };
        if claims.exp != 0 && claims.exp <= self.node.clock.now_secs() {
            return refuse(status::provision(&ApiError::TokenExpired));
        }
        let named = |n: Option<&str>| {
            n.and_then(|n| imcloud_actors::ids::UserId::parse(n).ok())
                .map(|u| u.to_string())
        };
        let token_user = match &claims.sub {
            crate::auth::token::Subject::User { name, .. } => named(Some(name)),
            crate::auth::token::Subject::App => None,
        };
        if guid.app_key.as_deref() != Some(claims.app.as_str())
            || token_user.is_none()
            || named(guid.name.as_deref()) != token_user
        {
            return refuse(status::fail(st::FAIL, status::BAD_LOGIN));
        }
        let logged = self
            .device
            .login(Credentials::Token(token), Some(resource.clone()))
            .await;
        match logged {
            Err(e) => refuse(status::provision(&e)),
            Ok(li) => {
                let s = match self.device.session() {
                    Ok(s) => s,
                    Err(e) => return refuse(status::provision(&e)),
                };
                self.me = Some(Me {
                    puller: Puller {
                        node: self.node.clone(),
                        app: s.app.clone(),
                        user: s.user.clone(),
                        resource: li.device.clone(),
                    },
                    appkey: s.app.to_string(),
                });
                let reply = frames::provision(status::ok(), Some(li.device));
                Step::LoggedIn(reply, li.inbox)
            }
        }
    }

    fn unread(&self) -> Step {
        let Some(me) = &self.me else {
            return Step::Write(Vec::new());
        };
        let puller = me.puller.clone();
        Step::Wait(
            Box::pin(async move { Done::Unread(puller.unread().await) }),
            Done::Unread(Err(DomainError::Busy)),
        )
    }

    fn ack_now(&self, meta_id: u64, st: super::proto::Status) -> Step {
        Step::Write(vec![frames::ack(meta_id, Err(st), self.now())])
    }

    async fn meta(&mut self, meta: Meta) -> Step {
        let id = meta.id.unwrap_or(0);
        match meta.ns.unwrap_or(ns::STATISTIC) {
            // Device information after each UNREAD: nothing to answer.
            ns::STATISTIC => Step::Write(Vec::new()),
            ns::CHAT => {
                let Ok(body) = MessageBody::decode(meta.payload.as_deref().unwrap_or_default())
                else {
                    return self.ack_now(id, status::fail(st::FAIL, "not a MessageBody"));
                };
                match (chat_type(body.r#type), body.r#type) {
                    (Some(chat), _) => self.send(id, chat, meta, body).await,
                    (
                        None,
                        Some(
                            btype::READ_ACK
                            | btype::DELIVER_ACK
                            | btype::CHANNEL_ACK
                            | btype::RECALL
                            | btype::EDIT,
                        ),
                    ) => self.about_message(id, meta, body),
                    (None, _) => self.ack_now(id, status::fail(st::FAIL, "unknown message type")),
                }
            }
            ns::MUC => self.muc(id, meta),
            _ => self.ack_now(id, status::fail(st::FAIL, "not supported")),
        }
    }

    async fn send(&mut self, id: u64, chat: ChatType, meta: Meta, body: MessageBody) -> Step {
        let to = meta
            .to
            .and_then(|j| j.name)
            .or(body.to.and_then(|j| j.name))
            .unwrap_or_default();
        let Some(content) = body.contents.first() else {
            return self.ack_now(id, status::fail(st::FAIL, "empty message"));
        };
        let content = match body_from_content(content) {
            Ok(c) => c,
            Err(u) => return self.ack_now(id, status::fail(st::FAIL, u.0)),
        };
        let ext = ext_to_json(&body.ext);
        let resource = self
            .me
            .as_ref()
            .map(|m| m.puller.resource.as_str())
            .unwrap_or_default();
        let req = SendRequest {
            chat,
            to,
            body: content,
            ext: (!ext.is_empty()).then_some(serde_json::Value::Object(ext)),
            client_msg_id: Some(client_msg_id(resource, id)),
            priority: None,
            need_group_ack: chat == ChatType::Group
                && body
                    .msg_config
                    .as_ref()
                    .and_then(|c| c.allow_group_ack)
                    .unwrap_or(false),
        };
        match self.device.send(req).await {
            Err(e) => self.ack_now(id, status::send(&e)),
            Ok(acked) => Step::Wait(
                Box::pin(async move {
                    Done::Ack {
                        meta_id: id,
                        result: acked.await,
                    }
                }),
                Done::Ack {
                    meta_id: id,
                    result: Err(DomainError::Busy.into()),
                },
            ),
        }
    }

    fn is_room(&self, name: &str) -> bool {
        self.queues.contains_key(&Queue::Room(name.to_string()))
    }

    fn pull(&mut self, q: super::proto::Jid, key: Option<u64>) -> Step {
        let Some(me) = &self.me else {
            return Step::Write(Vec::new());
        };
        let user = me.puller.user.to_string();
        let queue = Queue::of(&q, &user, |n| self.is_room(n));
        let appkey = me.appkey.clone();
        let now = self.now();
        if matches!(queue, Queue::Room(_) | Queue::Peer(_) | Queue::Other)
            || (self.queues.len() >= MAX_QUEUES && !self.queues.contains_key(&queue))
        {
            // Rooms and peer queues are pushed, never pulled: a pull only
            // acknowledges.
            return Step::Write(vec![frames::last(queue.jid(&appkey, &user), now)]);
        }
        let puller = me.puller.clone();
        let state = self.queues.entry(queue.clone()).or_default();
        state.noticed = false;
        state.reading += 1;
        let generation = state.generation;
        // A key is believed only up to what this connection handed out.
        let ack = match (key, state.issued) {
            (Some(k), Some(i)) => Some(k.min(i)),
            _ => None,
        };
        let refused = Done::Pulled {
            queue: queue.clone(),
            generation,
            result: Err(DomainError::Busy),
        };
        Step::Wait(
            Box::pin(async move {
                let result = puller.pull(&queue, ack, PAGE).await;
                Done::Pulled {
                    queue,
                    generation,
                    result,
                }
            }),
            refused,
        )
    }

    /// The frames a finished request writes.
    pub fn done(&mut self, done: Done) -> Vec<Bytes> {
        let now = self.now();
        let Some(me) = &self.me else {
            return Vec::new();
        };
        let (appkey, user) = (me.appkey.clone(), me.puller.user.to_string());
        match done {
            Done::Ack { meta_id, result } => {
                let r = result
                    .map(|a| (a.msg_id, a.ts))
                    .map_err(|e| status::send(&e));
                vec![frames::ack(meta_id, r, now)]
            }
            Done::Answered {
                meta_id,
                server_id,
                result,
            } => match result {
                Ok(()) => vec![frames::answer(meta_id, status::ok(), server_id, now)],
                Err(e) => vec![frames::answer(meta_id, status::send(&e), None, now)],
            },
            Done::Unread(result) => {
                let queues = result.unwrap_or_else(|e| {
                    tracing::debug!(error = %e, "msync unread failed");
                    Vec::new()
                });
                let list = queues
                    .into_iter()
                    .map(|(q, n)| (q.jid(&appkey, &user), n))
                    .collect();
                vec![frames::unread(list, now)]
            }
            Done::Pulled {
                queue,
                generation,
                result,
            } => {
                let jid = queue.jid(&appkey, &user);
                let state = self.queues.entry(queue).or_default();
                state.reading = state.reading.saturating_sub(1);
                match result {
                    Ok(p) if !p.messages.is_empty() => {
                        state.issued = state.issued.max(Some(p.next_key));
                        let metas = p
                            .messages
                            .iter()
                            .map(|m| frames::meta(&appkey, m))
                            .collect();
                        vec![frames::page(jid, metas, p.next_key, now)]
                    }
                    other => {
                        if let Err(e) = other {
                            tracing::debug!(error = %e, "msync pull failed");
                        }
                        let mut out = vec![frames::last(jid.clone(), now)];
                        if state.generation > generation && !state.noticed {
                            state.noticed = true;
                            out.push(frames::notice(jid));
                        }
                        out
                    }
                }
            }
        }
    }
}

/// A device call that answers the meta `meta_id` once done.
fn later(
    meta_id: u64,
    server_id: Option<u64>,
    f: impl std::future::Future<Output = Result<(), ApiError>> + 'static,
) -> Later {
    Box::pin(async move {
        Done::Answered {
            meta_id,
            server_id,
            result: f.await,
        }
    })
}

/// The idempotency key of an SDK message: its local id is unique only per
/// client, so it goes with (a digest of) the device's resource.
fn client_msg_id(resource: &str, meta_id: u64) -> String {
    let digest = sha2::Sha256::digest(resource.as_bytes());
    format!("ms:{}:{meta_id}", hex::encode(&digest[..8]))
}
