//! The send pipeline shared by the device layer and REST: builds the
//! message and hands it to the entity that takes it first. Every function
//! sends at once and returns the future of the ack, so sends made one after
//! another reach the entities in that order.

use crate::node::Node;
use imcloud_actors::chatroom::{PostToRoom, Priority};
use imcloud_actors::command::Origin;
use imcloud_actors::group::PostToGroup;
use imcloud_actors::ids::AppKey;
use imcloud_actors::message::{ChatType, Post, SendAck, StoredMessage};
use imcloud_actors::user::{Deliver, Relay, SendDirect};
use imcloud_actors::DomainError;
use imcloud_shards::{EntityKey, EntityKind};
use serde_json::Value;
use std::future::Future;

/// The implicit sender of the app server's messages (`from` absent); it
/// need not be a user.
pub const ADMIN_SENDER: &str = "admin";

/// What is sent, before the entities give it an id, seq and time.
pub struct Draft {
    /// 0: the entity gives it; a device's message that waited for
    /// pre-send rules has the id they were shown.
    pub msg_id: u64,
    pub from: String,
    pub to: String,
    pub body: Value,
    pub ext: Option<Value>,
    /// The sensitive words screening replaced in it (its
    /// `keyword_alert`).
    pub replaced_words: Vec<String>,
}

impl Draft {
    /// The message, and the words screening replaced in it.
    fn message(self, chat: ChatType) -> (StoredMessage, Vec<String>) {
        let m = StoredMessage {
            msg_id: self.msg_id,
            chat,
            from: self.from,
            to: self.to,
            seq: 0,
            ts: 0,
            body: std::sync::Arc::new(self.body),
            ext: self.ext.map(std::sync::Arc::new),
            edits: 0,
        };
        (m, self.replaced_words)
    }
}

fn user_key(app: &AppKey, name: &str) -> EntityKey {
    EntityKey::new(app.to_string(), EntityKind::User, name)
}

/// How a group or chatroom message is to be handled.
#[derive(Debug, Clone, Copy)]
pub struct PostOptions {
    /// Chatrooms: what is shed first under overload.
    pub priority: Priority,
    /// Groups: read receipts and a read count for the sender.
    pub need_group_ack: bool,
}

impl Node {
    /// A 1:1 message through the sender's entity (rate limit for a device,
    /// idempotency, the sender's copy).
    pub fn send_direct(
        &self,
        app: &AppKey,
        draft: Draft,
        client_msg_id: Option<String>,
        origin: Origin,
    ) -> impl Future<Output = Result<SendAck, DomainError>> + Send + 'static {
        let sender = user_key(app, &draft.from);
        let (message, replaced_words) = draft.message(ChatType::Single);
        let send = SendDirect {
            message,
            client_msg_id,
            origin,
            replaced_words,
        };
        self.counted(app, self.ask(sender, send))
    }

    /// Counts an acked send under its app (`/metrics`).
    fn counted<F>(
        &self,
        app: &AppKey,
        send: F,
    ) -> impl Future<Output = Result<SendAck, DomainError>> + Send + 'static
    where
        F: Future<Output = Result<SendAck, DomainError>> + Send + 'static,
    {
        let (gateway, app) = (self.gateway.clone(), app.to_string());
        async move {
            let acked = send.await;
            if acked.is_ok() {
                gateway.dist.message_acked(&app);
            }
            acked
        }
    }

    /// A 1:1 message of the implicit system sender: straight to the
    /// recipient, acked once it is on disk there.
    pub fn deliver_direct(
        &self,
        app: &AppKey,
        draft: Draft,
    ) -> impl Future<Output = Result<SendAck, DomainError>> + Send + 'static {
        let recipient = user_key(app, &draft.to);
        let (mut message, replaced_words) = draft.message(ChatType::Single);
        message.msg_id = self.env.msg_ids.next();
        message.ts = self.clock.now_ms();
        let deliver = Deliver {
            message,
            sender_seq: 0,
            redelivery: false,
            rest: true,
            sender_name: None,
            replaced_words,
        };
        self.counted(app, self.ask(recipient, deliver))
    }

    /// A group or chatroom message (`to` is the group's or room's key). A
    /// device's goes through its user's entity first, for the send rate.
    pub fn post(
        &self,
        app: &AppKey,
        to: EntityKey,
        draft: Draft,
        client_msg_id: Option<String>,
        origin: Origin,
        opts: PostOptions,
    ) -> impl Future<Output = Result<SendAck, DomainError>> + Send + 'static {
        let chat = match to.kind {
            EntityKind::Chatroom => ChatType::Chatroom,
            _ => ChatType::Group,
        };
        let sender = user_key(app, &draft.from);
        let (message, replaced_words) = draft.message(chat);
        let post = Post {
            message,
            client_msg_id,
            origin,
            priority: opts.priority,
            need_group_ack: opts.need_group_ack,
            replaced_words,
        };
        // A user's message passes its entity (send rate, app-wide mute);
        // the implicit system sender has none.
        let system = origin.is_rest() && post.message.from == ADMIN_SENDER;
        let answer = match (system, chat) {
            (false, _) => self.router.ask(sender, Relay { to, post }.into()),
            (true, ChatType::Chatroom) => self.router.ask(to, PostToRoom(post).into()),
            (true, _) => self.router.ask(to, PostToGroup(post).into()),
        };
        self.counted(app, self.within_timeout(answer))
    }
}
