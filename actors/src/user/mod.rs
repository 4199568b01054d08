//! The User entity: one per user of an app. Owns the account (password hash,
//! token epoch, activation), the user's timeline (messages received and
//! copies of messages sent, each with the user's seq), the attached devices,
//! the send rate bucket, in-flight idempotency keys, and its index of the
//! groups it belongs to.

mod account;
mod delivery;
mod devices;
mod groups;
pub mod list;

use crate::command::{Command, Reply};
use crate::env::{DomainEnv, Limits};
use crate::message::SendAck;
use crate::rate::TokenBucket;
use crate::session::SessionRef;
use crate::trees::timeline;
use crate::ChatEntity;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{EntityKey, StepCtx, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Instant;

/// The persisted account of a user (its entity snapshot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub uuid: String,
    pub username: String,
    pub password_hash: String,
    pub created: i64,
    pub modified: i64,
    pub activated: bool,
    #[serde(default)]
    pub nickname: Option<String>,
    /// Tokens carry the epoch they were issued in; bumping it revokes them.
    pub token_epoch: u64,
}

/// A registration request (the gateway hashed the password).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub nickname: Option<String>,
}

/// The public view of a user (REST user entity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserView {
    pub uuid: String,
    pub username: String,
    pub created: i64,
    pub modified: i64,
    pub activated: bool,
    pub nickname: Option<String>,
}

/// What the gateway needs to check a login.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub password_hash: String,
    pub token_epoch: u64,
    pub activated: bool,
    /// Tokens name the user by uuid, so a deleted and re-registered name
    /// does not inherit the old user's tokens.
    pub uuid: String,
}

impl From<&UserRecord> for UserView {
    fn from(r: &UserRecord) -> Self {
        UserView {
            uuid: r.uuid.clone(),
            username: r.username.clone(),
            created: r.created,
            modified: r.modified,
            activated: r.activated,
            nickname: r.nickname.clone(),
        }
    }
}

/// Sends in flight with a `client_msg_id`: resends wait for the first one.
struct Pending {
    since: Instant,
    waiters: Vec<Reply<SendAck>>,
}

pub struct UserState {
    key: EntityKey,
    record: Option<UserRecord>,
    /// Last seq of the user's timeline.
    head: u64,
    /// Messages stored while no device was online, not yet synced.
    offline: u64,
    sessions: Vec<SessionRef>,
    bucket: TokenBucket,
    pending: HashMap<String, Pending>,
    /// Group slots held for adds in flight (group id → since), so two adds
    /// racing for the last of `groups_per_user` cannot both pass.
    group_holds: HashMap<String, std::time::Instant>,
    limits: Limits,
}

impl UserState {
    pub fn activate(
        key: &EntityKey,
        store: &ShardStore,
        env: &DomainEnv,
    ) -> Result<Self, StoreError> {
        Ok(UserState {
            key: key.clone(),
            record: store.load_snapshot(key)?,
            head: timeline::load_head(store, key)?,
            offline: timeline::load_offline(store, key)?,
            sessions: Vec::new(),
            bucket: TokenBucket::new(),
            pending: HashMap::new(),
            group_holds: HashMap::new(),
            limits: env.limits,
        })
    }

    /// No account, no devices, nothing in flight.
    pub fn is_vacant(&self) -> bool {
        self.record.is_none() && self.sessions.is_empty() && self.pending.is_empty()
    }

    pub fn has_sessions(&self) -> bool {
        !self.sessions.is_empty()
    }

    pub fn handle(&mut self, cmd: Command, ctx: &mut StepCtx<'_, ChatEntity>) {
        match cmd {
            Command::CreateUser { user, reply } => self.create(user, reply, ctx),
            Command::GetUser { reply } => self.get(reply),
            Command::GetCredentials { reply } => self.credentials(reply),
            Command::DeleteUser { reply } => self.delete(reply, ctx),
            Command::SetPassword {
                password_hash,
                reply,
            } => self.set_password(password_hash, reply, ctx),
            Command::GetStatus { reply } => self.status(reply),
            Command::GetOfflineCount { reply } => self.offline_count(reply),
            Command::Attach {
                session,
                token,
                reply,
            } => self.attach(session, token, reply),
            Command::Detach { session_id } => self.detach(session_id),
            Command::Sync {
                after,
                limit,
                reply,
            } => self.sync(after, limit, reply, ctx),
            Command::Send(out) => self.send(out, ctx),
            Command::Deliver(out) => self.deliver(out, ctx),
            Command::Delivered(out, result) => self.delivered(out, result, ctx),
            Command::GroupJoined { group, seq } => self.group_joined(group, seq, ctx),
            Command::GroupLeft { group } => self.group_left(group, ctx),
            Command::UserGroups { limit, reply } => self.user_groups(limit, reply, ctx),
            Command::HoldGroupSlot {
                group,
                limit,
                reply,
            } => self.hold_group_slot(group, limit, reply, ctx),
            Command::ReleaseGroupSlot { group } => {
                self.group_holds.remove(&group);
            }
            Command::SendAs { to, cmd, rate } => self.send_as(to, cmd, rate, ctx),
            other => other.reject(crate::DomainError::Internal),
        }
    }
}
