//! The User entity: one per user of an app. Owns the account (password hash,
//! token epoch, activation), the user's timeline (messages received and
//! copies of messages sent, each with the user's seq), the attached devices,
//! the send rate bucket, the 1:1 sends in flight and their idempotency
//! keys, its index of the groups it belongs to, its attributes and its
//! presence (with both sides of its presence subscriptions).
//!
//! - [`commands`]: what the entity is asked or told.
//! - [`account`]: create, read, delete, password.
//! - [`devices`]: attach and detach sockets; sync of the timeline.
//! - [`delivery`]: the 1:1 path (sender, recipient, and back).
//! - [`groups`]: the user's side of groups and of group/room sends.
//! - [`conversations`]: conversation records, read marks and receipts.
//! - [`history`]: pages of a 1:1 conversation.
//! - [`recall`]: recalling a 1:1 message on both sides.
//! - [`edit`]: editing a 1:1 message on both sides.
//! - [`deletion`]: one-sided deletion of conversations and messages.
//! - [`contacts`]: friends, friend requests, the block list.
//! - [`moderation`]: deactivation and app-wide mutes.
//! - [`attributes`]: the user's attributes (key/value pairs).
//! - [`presence`]: the user's presence: device statuses, its text, and
//!   the pushes to its subscribers.
//! - [`subscriptions`]: both sides of presence subscriptions.
//! - [`msync`]: the cursors of msync devices (`/websocket`).
//! - [`push`]: device push bindings, notification settings, and the
//!   notification queued for a message that finds the user offline.

mod account;
mod attributes;
pub mod commands;
mod contacts;
mod conversations;
mod deletion;
mod delivery;
mod devices;
mod edit;
mod group_push;
mod groups;
mod history;
pub mod moderation;
mod msync;
mod presence;
mod presence_commands;
mod push;
mod push_commands;
mod recall;
mod subscriptions;

pub use commands::*;
pub use deletion::MAX_DELETE_IDS;
pub use group_push::group_push_for;

use crate::command::Origin;
use crate::env::{DomainEnv, Limits};
use crate::message::StoredMessage;
use crate::rate::TokenBucket;
use crate::session::SessionRef;
use crate::trees::timeline;
use crate::ChatEntity;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{EntityKey, ReplyTo, StepCtx, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

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
    /// App-wide mutes (REST U18).
    #[serde(default)]
    pub mutes: moderation::GlobalMutes,
    /// Display style, app-wide notification type and quiet time,
    /// language (§10.4).
    #[serde(default)]
    pub push: crate::push::PushProfile,
}

/// A registration request (the gateway hashed the password).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub nickname: Option<String>,
}

/// The public view of a user (REST user entity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub uuid: String,
    pub username: String,
    pub created: i64,
    pub modified: i64,
    pub activated: bool,
    pub nickname: Option<String>,
}

/// What the gateway needs to check a login.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// A 1:1 send whose end this entity waits for (to record its idempotency
/// key, push its copy to the other devices, answer resends).
struct InFlight {
    /// The sender's copy, if it keeps one.
    copy: Option<Arc<StoredMessage>>,
    client_msg_id: Option<String>,
    origin: Origin,
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
    /// 1:1 sends whose end this entity waits for, by msg id. Every one
    /// ends: the router answers an ask even when its entity fails.
    in_flight: HashMap<u64, InFlight>,
    /// Resends of a `client_msg_id` still in flight, waiting for the first
    /// send's answer.
    waiting: HashMap<String, Vec<ReplyTo>>,
    /// Group slots held for adds in flight (group id → since, ms), so two
    /// adds racing for the last of `groups_per_user` cannot both pass.
    group_holds: HashMap<String, i64>,
    /// 1:1 conversation records by peer, as last written (a bounded cache:
    /// every message reads and writes its conversation's record).
    conversations: HashMap<String, crate::conversation::ConversationRecord>,
    /// Friends, requests and blocks, as far as read.
    contacts: contacts::ContactState,
    /// The devices' presence statuses and the user's presence text.
    presence: presence::Presence,
    /// The devices' push tokens, once read (`p`).
    push_bindings: Option<Vec<crate::push::PushBinding>>,
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
            in_flight: HashMap::new(),
            waiting: HashMap::new(),
            group_holds: HashMap::new(),
            conversations: HashMap::new(),
            contacts: contacts::ContactState::default(),
            presence: presence::Presence::default(),
            push_bindings: None,
            limits: env.limits,
        })
    }

    /// No account, no devices, nothing in flight.
    pub fn is_vacant(&self) -> bool {
        self.record.is_none() && self.sessions.is_empty() && self.in_flight.is_empty()
    }

    /// Whether a device of the user is online.
    pub fn is_online(&self) -> bool {
        self.sessions.iter().any(|s| !s.is_closed())
    }

    /// Whether the entity may leave memory: no device attached and no send
    /// waiting for its recipient.
    pub fn can_passivate(&self) -> bool {
        self.sessions.is_empty() && self.in_flight.is_empty() && self.contacts.is_idle()
    }

    pub fn handle(&mut self, cmd: UserCmd, ctx: &mut StepCtx<'_, ChatEntity>) {
        match cmd {
            UserCmd::CreateUser(c) => self.create(c.user, ctx),
            UserCmd::GetUser(_) => self.get(ctx),
            UserCmd::GetCredentials(_) => self.credentials(ctx),
            UserCmd::DeleteUser(_) => self.delete(ctx),
            UserCmd::SetPassword(c) => self.set_password(c.password_hash, ctx),
            UserCmd::GetStatus(_) => self.status(ctx),
            UserCmd::GetOfflineCount(_) => self.offline_count(ctx),
            UserCmd::Attach(c) => self.attach(c, ctx),
            UserCmd::Detach(c) => self.detach(c.session, ctx),
            UserCmd::SyncUser(c) => self.sync(c, ctx),
            UserCmd::MsyncCursor(c) => self.msync_cursor(c, ctx),
            UserCmd::MsyncCursors(c) => self.msync_cursors(c, ctx),
            UserCmd::SendDirect(c) => self.send(c, ctx),
            UserCmd::Deliver(c) => self.deliver(c, ctx),
            UserCmd::Delivered(c) => self.delivered(c, ctx),
            UserCmd::Relay(c) => self.relay(c, ctx),
            UserCmd::GroupJoined(c) => self.group_joined(c, ctx),
            UserCmd::GroupLeft(c) => self.group_left(c.group, ctx),
            UserCmd::UserGroups(c) => self.user_groups(c.limit, ctx),
            UserCmd::HoldGroupSlot(c) => self.hold_group_slot(c.group, c.limit, ctx),
            UserCmd::ReleaseGroupSlot(c) => {
                self.group_holds.remove(&c.group);
            }
            UserCmd::History(c) => self.history(c, ctx),
            UserCmd::ListConversations(_) => self.list_conversations(ctx),
            UserCmd::MarkRead(c) => self.mark_read(c, ctx),
            UserCmd::MarkGroupRead(c) => self.mark_group_read(c, ctx),
            UserCmd::PeerReceipt(c) => self.peer_receipt(c, ctx),
            UserCmd::RecallDirect(c) => self.recall_direct(c, ctx),
            UserCmd::GetMessages(c) => self.get_messages(c, ctx),
            UserCmd::ListDevices(_) => self.list_devices(ctx),
            UserCmd::EditDirect(c) => self.edit_direct(c, ctx),
            UserCmd::ApplyEdit(c) => self.apply_edit(c, ctx),
            UserCmd::FindSent(c) => self.find_sent(c.msg_id, ctx),
            UserCmd::DeleteConversation(c) => self.delete_conversation(c, ctx),
            UserCmd::DeleteMessages(c) => self.delete_messages(c, ctx),
            UserCmd::ClearUpTo(c) => self.clear_up_to(c, ctx),
            UserCmd::ClearedMark(c) => self.cleared_mark(c, ctx),
            UserCmd::HideGroupMessages(c) => self.hide_group_messages(c, ctx),
            UserCmd::HiddenOf(c) => self.hidden_of(c, ctx),
            UserCmd::PurgeCleared(c) => self.purge_cleared(c, ctx),
            UserCmd::GroupPush(c) => self.group_push(c, ctx),
            UserCmd::PushToDevices(c) => {
                for s in &self.sessions {
                    s.push(c.push.clone());
                }
            }
            UserCmd::Disconnect(c) => self.disconnect(c.device, ctx),
            UserCmd::DropRecalled(c) => self.drop_recalled(c, ctx),
            UserCmd::RequestContact(c) => self.request_contact(c, ctx),
            UserCmd::MakeFriends(c) => self.make_friends(c, ctx),
            UserCmd::Befriend(c) => self.befriend(c, ctx),
            UserCmd::DeclineContact(c) => self.decline_contact(c, ctx),
            UserCmd::RemoveContact(c) => self.remove_contact(c, ctx),
            UserCmd::Unfriend(c) => self.unfriend(c, ctx),
            UserCmd::ListContacts(c) => self.list_contacts(c, ctx),
            UserCmd::SetRemark(c) => self.set_remark(c, ctx),
            UserCmd::BlockUsers(c) => self.block_users(c, ctx),
            UserCmd::UnblockUser(c) => self.unblock_user(c, ctx),
            UserCmd::ListBlocks(c) => self.list_blocks(c, ctx),
            UserCmd::FriendGone(c) => self.friend_gone(c, ctx),
            UserCmd::FriendsMade(c) => self.friends_made(c, ctx),
            UserCmd::SetActivated(c) => self.set_activated(c, ctx),
            UserCmd::SetGlobalMutes(c) => self.set_global_mutes(c, ctx),
            UserCmd::GetGlobalMutes(c) => self.get_global_mutes(c, ctx),
            UserCmd::GetAttributes(c) => self.get_attributes(c, ctx),
            UserCmd::SetAttributes(c) => self.set_attributes(c, ctx),
            UserCmd::DeleteAttributes(_) => self.delete_attributes(ctx),
            UserCmd::SetPresence(c) => self.set_presence(c, ctx),
            UserCmd::GetPresence(_) => self.get_presence(ctx),
            UserCmd::Subscribe(c) => self.subscribe(c, ctx),
            UserCmd::RestoreSubscriptions(c) => self.restore_subscriptions(c, ctx),
            UserCmd::Unsubscribe(c) => self.unsubscribe(c, ctx),
            UserCmd::ListSubscriptions(c) => self.list_subscriptions(c, ctx),
            UserCmd::SubscriptionsTo(c) => self.subscriptions_to(c, ctx),
            UserCmd::AddSubscriber(c) => self.add_subscriber(c, ctx),
            UserCmd::RestoreSubscriber(c) => self.restore_subscriber(c, ctx),
            UserCmd::RemoveSubscriber(c) => self.remove_subscriber(c, ctx),
            UserCmd::SetPushBinding(c) => self.set_push_binding(c, ctx),
            UserCmd::ListPushBindings(_) => self.list_push_bindings(ctx),
            UserCmd::DropPushToken(c) => self.drop_push_token(c, ctx),
            UserCmd::SetPushProfile(c) => self.set_push_profile(c, ctx),
            UserCmd::GetPushProfile(_) => self.get_push_profile(ctx),
            UserCmd::SetConversationPush(c) => self.set_conversation_push(c, ctx),
            UserCmd::GetConversationPush(c) => self.get_conversation_push(c, ctx),
            UserCmd::QueueHookEvent(c) => {
                // A gateway's batch is small (one event per target of a
                // send, at most 600).
                for event in c.events {
                    crate::hooks::emit(ctx, &self.key.app, event);
                }
                crate::command::Answer::answer::<QueueHookEvent>(ctx, Ok(()));
            }
        }
    }
}
