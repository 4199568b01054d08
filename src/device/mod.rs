//! The device layer: what a connected device can do, whatever protocol it
//! speaks. It logs a device in (token or password, the same check as
//! `POST /token`), sends, syncs, joins and leaves chatrooms, runs group and
//! room management as the device's user, and cleans up when the socket
//! closes. A protocol adapter (`/ws` today; Easemob's msync next) decodes
//! its frames into these calls and encodes their results and the pushes;
//! it keeps no chat state of its own.
//!
//! - [`login`]: credentials → app, user and what a token says.
//! - [`send`]: a send request, checked and routed.
//! - [`sync`]: the merge of a user's own timeline and its groups.
//! - [`rooms`]: joining and leaving chatrooms, and the socket's list.
//! - [`contacts`]: friend requests, friends and the block list.
//! - [`conversations`]: history, the conversation list, read marks and
//!   delivery receipts, merged by [`receipts`].
//! - [`presence`]: the device's status, its user's subscriptions and
//!   attributes, others' presence and attributes.

pub mod contacts;
pub mod conversations;
pub mod login;
pub mod presence;
pub mod receipts;
pub mod rooms;
pub mod send;
pub mod sync;

pub use login::{Credentials, LoggedIn};
pub use send::SendRequest;
pub use sync::{SyncRequest, Synced};

use crate::error::ApiError;
use crate::node::Node;
use imcloud_actors::chatroom::RoomReply;
use imcloud_actors::group::{GroupOp, GroupReply};
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::roster::{Actor, ManageOp};
use imcloud_actors::session::SessionAddr;
use imcloud_actors::user::Detach;
use imcloud_shards::EntityKey;
use std::future::Future;
use std::sync::atomic::Ordering;

/// A device once logged in.
pub struct Session {
    pub app: AppKey,
    pub user: UserId,
    pub key: EntityKey,
    pub addr: SessionAddr,
    /// Chatrooms this device joined; it leaves them when it closes.
    rooms: Vec<String>,
}

/// One connected device (one socket).
pub struct Device {
    node: Node,
    session: Option<Session>,
    receipts: receipts::Receipts,
}

impl Device {
    pub fn new(node: Node) -> Device {
        Device {
            session: None,
            receipts: receipts::Receipts::with_linger(std::time::Duration::from_millis(
                node.config.ws.receipt_linger_ms,
            )),
            node,
        }
    }

    pub fn node(&self) -> &Node {
        &self.node
    }

    /// The session, or `NotLoggedIn`.
    pub fn session(&self) -> Result<&Session, ApiError> {
        self.session.as_ref().ok_or(ApiError::NotLoggedIn)
    }

    pub fn is_logged_in(&self) -> bool {
        self.session.is_some()
    }

    /// Runs a group operation as this device's user.
    pub fn group(
        &self,
        id: &str,
        op: GroupOp,
    ) -> Result<impl Future<Output = Result<GroupReply, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let (node, app, actor) = (self.node.clone(), s.app.clone(), self.actor()?);
        let id = crate::groups::group_id(id)?;
        Ok(async move { Ok(node.group(&app, &id, actor, op).await?) })
    }

    /// Runs a chatroom operation as this device's user.
    pub fn room(
        &self,
        id: &str,
        op: ManageOp,
    ) -> Result<impl Future<Output = Result<RoomReply, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let (node, app, actor) = (self.node.clone(), s.app.clone(), self.actor()?);
        let id = crate::chatrooms::room_id(id)?;
        Ok(async move { Ok(node.room(&app, &id, actor, op).await?) })
    }

    /// Creates a chatroom owned by this device's user, who must be one of
    /// the app's chatroom super admins.
    pub fn create_room(
        &self,
        name: String,
        description: String,
        maxusers: Option<u32>,
    ) -> Result<impl Future<Output = Result<String, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let (node, app, me) = (self.node.clone(), s.app.clone(), s.user.to_string());
        Ok(async move {
            if !node.is_super_admin(&app, &me).await? {
                return Err(imcloud_actors::DomainError::Forbidden(
                    imcloud_actors::roster::Scope::Chatroom,
                    "only chatroom super admins may create chatrooms".into(),
                )
                .into());
            }
            let new = crate::chatrooms::NewRoom {
                name,
                description,
                maxusers,
                owner: me,
                members: Vec::new(),
                custom: String::new(),
            };
            Ok(node.create_room(&app, new).await?)
        })
    }

    fn actor(&self) -> Result<Actor, ApiError> {
        Ok(Actor::User(self.session()?.user.to_string()))
    }

    /// The socket closed: leaves its rooms, detaches from the user's
    /// entity, forgets the session. Best effort: a room also forgets closed
    /// sockets when it needs their places, a user entity prunes them.
    pub fn close(self) {
        let Some(s) = self.session else { return };
        self.node.gateway.sessions.fetch_sub(1, Ordering::Relaxed);
        rooms::leave_all(&self.node, &s);
        // Best effort, as said above.
        let _ = self.node.tell(s.key.clone(), Detach { session: s.addr.id });
        self.node.env.devices.close(s.addr.id);
    }
}

/// A username named in a request, as the canonical id.
pub fn user_id(name: &str) -> Result<String, ApiError> {
    Ok(UserId::parse(name)?.to_string())
}

/// Usernames named in a request (the entity checks how many).
pub fn user_ids(names: &[String]) -> Result<Vec<String>, ApiError> {
    names.iter().map(|n| user_id(n)).collect()
}
