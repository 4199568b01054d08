//! The commands of a User entity.

use super::moderation::GlobalMutes;
pub use super::presence_commands::*;
pub use super::push_commands::*;
use super::{Credentials, NewUser, UserView};
use crate::attributes::Attributes;
use crate::command::Origin;
use crate::contact::ContactList;
use crate::conversation::{
    ConversationEntry, Edit, GroupMark, HistoryPage, RecallWindow, ReceiptKind,
};
use crate::error::DomainError;
use crate::message::{ChatType, Post, SendAck, StoredMessage, SyncPage};
use crate::session::SessionAddr;
use imcloud_shards::EntityKey;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

crate::commands! {
    /// What a User entity is asked or told.
    pub enum UserCmd as User {
        CreateUser => UserView,
        GetUser => UserView,
        GetCredentials => Credentials,
        DeleteUser => UserView,
        SetPassword => (),
        GetStatus => bool,
        GetOfflineCount => u64,
        Attach => (),
        Detach,
        SyncUser => SyncPage,
        MsyncCursor => MsyncPosition,
        MsyncCursors => (u64, Vec<(String, u64)>),
        SendDirect => SendAck,
        Deliver => SendAck,
        Delivered,
        Relay => SendAck,
        GroupJoined,
        GroupLeft,
        HoldGroupSlot => (),
        ReleaseGroupSlot,
        UserGroups => Vec<(String, u64)>,
        History => HistoryPage,
        ListConversations => Vec<ConversationEntry>,
        MarkRead => (),
        MarkGroupRead => (),
        PeerReceipt => (),
        RecallDirect => crate::conversation::Recalled,
        GetMessages => Vec<Arc<StoredMessage>>,
        ListDevices => Vec<String>,
        EditDirect => (),
        ApplyEdit => (),
        FindSent => Option<String>,
        PushToDevices,
        DeleteConversation => (),
        DeleteMessages => (),
        ClearUpTo => (),
        ClearedMark => u64,
        HideGroupMessages => (),
        HiddenOf => Vec<u64>,
        PurgeCleared,
        Disconnect => usize,
        DropRecalled => crate::conversation::Recalled,
        RequestContact => (),
        MakeFriends => (),
        Befriend => (),
        DeclineContact => (),
        RemoveContact => (),
        Unfriend => (),
        ListContacts => ContactList,
        SetRemark => (),
        BlockUsers => Vec<String>,
        UnblockUser => (),
        ListBlocks => Vec<(String, i64)>,
        FriendGone,
        FriendsMade,
        SetActivated => UserView,
        SetGlobalMutes => GlobalMutes,
        GetGlobalMutes => GlobalMutes,
        GetAttributes => Attributes,
        SetAttributes => Attributes,
        DeleteAttributes => (),
        SetPresence => (),
        GetPresence => crate::presence::PresenceStatus,
        Subscribe => Vec<Option<i64>>,
        RestoreSubscriptions => (),
        Unsubscribe => (),
        ListSubscriptions => crate::presence::SubscriptionPage,
        SubscriptionsTo => Vec<Option<i64>>,
        AddSubscriber => SubscribedTo,
        RestoreSubscriber => (),
        RemoveSubscriber => (),
        SetPushBinding => Bindings,
        ListPushBindings => Bindings,
        DropPushToken => (),
        SetPushProfile => PushView,
        GetPushProfile => PushView,
        SetConversationPush => ConversationPushView,
        GetConversationPush => ConversationPushView,
        QueueHookEvent => (),
        GroupPush,
    }
}

/// The user's attributes named by `keys` (all of them when empty).
#[derive(Debug, Serialize, Deserialize)]
pub struct GetAttributes {
    pub keys: Vec<String>,
}

/// Sets the attributes in `patch` (an empty value removes its key);
/// answers every attribute the user has after the change. Refused whole
/// (nothing changes) past 2 KB or on a bad key or value.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetAttributes {
    pub patch: Attributes,
}

/// Deletes every attribute of the user.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeleteAttributes;

/// Registers the user (refused if it exists).
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateUser {
    pub user: NewUser,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct GetUser;

/// Password hash and token epoch, for the gateway to check a login.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetCredentials;

/// Deletes the user and its timeline; kicks its devices; dissolves the
/// groups it owns.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeleteUser;

/// Sets a new password hash, revokes tokens, kicks devices.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetPassword {
    pub password_hash: String,
}

/// Whether any device is online.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetStatus;

/// Messages stored while offline and not yet synced.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetOfflineCount;

/// Attaches the device at `session`. `token` is checked when the device
/// logged in with a token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Attach {
    pub session: SessionAddr,
    pub token: Option<TokenCheck>,
    /// The app's devices online at once; past it the oldest is kicked.
    pub max_devices: usize,
}

/// Detaches a closed socket.
#[derive(Debug, Serialize, Deserialize)]
pub struct Detach {
    pub session: u64,
}

/// Messages of the user's timeline after `after`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SyncUser {
    pub after: u64,
    pub limit: usize,
}

/// An msync device's cursor in one stream (`u`, or `g` + group id),
/// moved forward to `ack` first if given (on the user's stream, never past
/// its last seq).
#[derive(Debug, Serialize, Deserialize)]
pub struct MsyncCursor {
    pub resource: String,
    pub stream: String,
    pub ack: Option<u64>,
}

/// Where an msync device is in a stream: its cursor (`None`: it never
/// acknowledged anything there) and the user's last seq.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsyncPosition {
    pub cursor: Option<u64>,
    pub head: u64,
}

/// Every cursor of an msync device with the user's last seq:
/// `(head, [(stream, seq)])`.
#[derive(Debug, Serialize, Deserialize)]
pub struct MsyncCursors {
    pub resource: String,
}

/// A 1:1 message from this user (at the sender's entity): `from` and `to`
/// are set, the sender gives it its id and time.
#[derive(Debug, Serialize, Deserialize)]
pub struct SendDirect {
    pub message: StoredMessage,
    pub client_msg_id: Option<String>,
    pub origin: Origin,
    /// The sensitive words the gateway replaced in it (its
    /// `keyword_alert`, queued where it is stored).
    #[serde(default)]
    pub replaced_words: Vec<String>,
}

/// Store a 1:1 message in this (the recipient's) timeline, push it to its
/// devices after the flush, and answer (after the flush) with the ack the
/// sender gets: `sender_seq` is the seq of the sender's copy (0 for none).
/// A `redelivery` (a resend whose first try's end the sender never heard)
/// is stored only if this timeline does not hold the message yet.
#[derive(Debug, Serialize, Deserialize)]
pub struct Deliver {
    pub message: StoredMessage,
    pub sender_seq: u64,
    #[serde(default)]
    pub redelivery: bool,
    /// Sent over REST by the app server (post-send rules may leave such
    /// messages out).
    #[serde(default)]
    pub rest: bool,
    /// The sender's push nickname (its name when it has none).
    #[serde(default)]
    pub sender_name: Option<String>,
    /// The sensitive words the gateway replaced (see [`SendDirect`]).
    #[serde(default)]
    pub replaced_words: Vec<String>,
}

/// How a 1:1 send ended, told back to the sender's entity when it has
/// something to do about it: roll back its copy of a refused message, or
/// record the idempotency key, push its copy to its other devices and
/// answer resends that waited.
#[derive(Debug, Serialize, Deserialize)]
pub struct Delivered {
    pub msg_id: u64,
    pub sender_seq: u64,
    pub result: Result<SendAck, DomainError>,
}

/// A user's group or chatroom message, first at the sender's entity
/// (app-wide mute; for a device account state and send rate), which
/// passes it on to `to`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Relay {
    pub to: EntityKey,
    pub post: Post,
}

/// The user joined `group` at its `seq`.
#[derive(Debug, Serialize, Deserialize)]
pub struct GroupJoined {
    pub group: String,
    pub seq: u64,
    /// The group's count of countable messages then (the first read mark).
    #[serde(default)]
    pub counted: u64,
}

/// The user left `group`.
#[derive(Debug, Serialize, Deserialize)]
pub struct GroupLeft {
    pub group: String,
}

/// Holds one of the user's `limit` group slots for an add to `group` in
/// flight (refused with `TooManyGroups` when none is free); the group's
/// [`GroupJoined`] or a [`ReleaseGroupSlot`] ends the hold.
#[derive(Debug, Serialize, Deserialize)]
pub struct HoldGroupSlot {
    pub group: String,
    pub limit: usize,
}

/// The add to `group` did not happen.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReleaseGroupSlot {
    pub group: String,
}

/// The groups the user belongs to, with join seqs (at most `limit`).
#[derive(Debug, Serialize, Deserialize)]
pub struct UserGroups {
    pub limit: usize,
}

/// What a device's token says about the user it was issued to: a token
/// outlives neither the user (a re-registered name has a new uuid) nor a
/// password change (which bumps the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCheck {
    pub user_uuid: String,
    pub epoch: u64,
}

/// A page of the 1:1 conversation with `peer`, older than the message
/// `before` (or from the newest), oldest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct History {
    pub peer: String,
    pub before: Option<u64>,
    pub limit: usize,
}

/// Every conversation record of the user (1:1 and group; the gateway
/// asks the groups for their part, sorts and pages).
#[derive(Debug, Serialize, Deserialize)]
pub struct ListConversations;

/// The user read the 1:1 conversation with `peer` up to `msg_id` (or all
/// of it): the read mark moves, the unread count falls, the user's other
/// devices and the peer's are told.
#[derive(Debug, Serialize, Deserialize)]
pub struct MarkRead {
    pub peer: String,
    pub msg_id: Option<u64>,
    /// The device that read (not told again); `None` tells every device.
    pub session: Option<u64>,
}

/// The user read `group` up to `mark` (the group placed it).
#[derive(Debug, Serialize, Deserialize)]
pub struct MarkGroupRead {
    pub group: String,
    pub mark: GroupMark,
    /// The device that read; `None` for the mark a user's own message
    /// sets (nobody is told).
    pub session: Option<u64>,
}

/// At the entity of a message's sender: `from`, its recipient, received
/// or read it (and everything before it). A receipt for a message this
/// user did not send to `from` is ignored.
#[derive(Debug, Serialize, Deserialize)]
pub struct PeerReceipt {
    pub kind: ReceiptKind,
    pub from: String,
    pub msg_id: u64,
}

/// At the sender's entity: recall the 1:1 message `msg_id` it sent to
/// `peer`, within `window`. `from_rest`: the app server asks (the sender
/// may have kept no copy).
#[derive(Debug, Serialize, Deserialize)]
pub struct RecallDirect {
    pub msg_id: u64,
    pub peer: String,
    pub window: RecallWindow,
    pub from_rest: bool,
}

/// At the recipient's entity: drop the message `msg_id` that `from` sent
/// (recalled), within `window`.
#[derive(Debug, Serialize, Deserialize)]
pub struct DropRecalled {
    pub msg_id: u64,
    pub from: String,
    pub window: RecallWindow,
    /// The message's time, when the sender's copy was checked: the
    /// recipient drops the app's archived copy even if it deleted its own.
    #[serde(default)]
    pub sent_at: Option<i64>,
}

/// The messages of this user's timeline at `seqs` (those it holds): the
/// last messages of a page of conversations.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetMessages {
    pub seqs: Vec<u64>,
}

/// The device ids of the user's sockets that are open.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListDevices;

/// Logs out the device `device`, or every device when `None`: each gets a
/// `kick` push and its socket closes. Answers how many were logged out.
#[derive(Debug, Serialize, Deserialize)]
pub struct Disconnect {
    pub device: Option<String>,
}

/// At the sender's entity: edit the 1:1 message `msg_id` it sent to
/// `peer`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EditDirect {
    pub msg_id: u64,
    pub peer: String,
    pub edit: Edit,
}

/// At the recipient's entity: `from` edited its message; `message` is it
/// as it is now (with the sender's seq, which the recipient replaces).
#[derive(Debug, Serialize, Deserialize)]
pub struct ApplyEdit {
    pub from: String,
    pub message: StoredMessage,
}

/// The peer of the 1:1 conversation holding this user's message `msg_id`,
/// if any (REST W1 names only the message).
#[derive(Debug, Serialize, Deserialize)]
pub struct FindSent {
    pub msg_id: u64,
}

/// Pushes `push` to every device of the user (a receipt of a group
/// message, from the group).
#[derive(Debug, Serialize, Deserialize)]
pub struct PushToDevices {
    pub push: crate::session::Push,
}

/// Deletes the conversation `(chat, with)` from this user's list (H1);
/// with `delete_roam` (1:1) also its history, for this user only.
/// `group_last`: a group's newest msg id (the group knows it).
#[derive(Debug, Serialize, Deserialize)]
pub struct DeleteConversation {
    pub chat: ChatType,
    pub with: String,
    pub delete_roam: bool,
    pub group_last: u64,
}

/// Deletes these 1:1 messages with `peer` from this user's history (H2).
#[derive(Debug, Serialize, Deserialize)]
pub struct DeleteMessages {
    pub peer: String,
    pub msg_ids: Vec<u64>,
}

/// Hides these group messages from this member's history (H3): the
/// group's timeline is shared and keeps them.
#[derive(Debug, Serialize, Deserialize)]
pub struct HideGroupMessages {
    pub group: String,
    pub msg_ids: Vec<u64>,
}

/// Which of `msg_ids` of the group this member hid (H3).
#[derive(Debug, Serialize, Deserialize)]
pub struct HiddenOf {
    pub group: String,
    pub msg_ids: Vec<u64>,
}

/// Deletes the messages of the conversation with `peer` (a user, or a
/// group for `chat: group`) up to and including `msg_id` from this user's
/// history (H5, H6). A group's timeline is shared: its messages stay,
/// this user's history of it starts after the mark.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClearUpTo {
    pub chat: ChatType,
    pub peer: String,
    pub msg_id: u64,
}

/// How far this user's history of a conversation was cleared (a msg id,
/// 0 for none).
#[derive(Debug, Serialize, Deserialize)]
pub struct ClearedMark {
    pub chat: ChatType,
    pub with: String,
}

/// The next step of purging the entries a clear hid.
#[derive(Debug, Serialize, Deserialize)]
pub struct PurgeCleared {
    pub peer: String,
}

/// At the user asked: `from` asks to be its friend. Stored until the user
/// answers; its devices get a `request` push. Refused when the user
/// blocked `from`, they are friends already, or too many requests wait.
#[derive(Debug, Serialize, Deserialize)]
pub struct RequestContact {
    pub from: String,
    pub reason: String,
}

/// How two users become friends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FriendVia {
    /// The user accepts a request `with` made.
    Accept,
    /// The app server makes them friends (REST C1).
    App,
}

/// At the user who acts: make it and `with` friends (each side within
/// `limit` friends, the app's `friends_per_user`): its side first, then
/// `with`'s ([`Befriend`]); answered once both are on disk. Both users'
/// devices (but `session`) get an `accepted` push.
#[derive(Debug, Serialize, Deserialize)]
pub struct MakeFriends {
    pub with: String,
    pub via: FriendVia,
    pub limit: u32,
    pub session: Option<u64>,
}

/// At the other side of [`MakeFriends`]: add `friend` (within `limit`),
/// drop a request from it, push `accepted` to the devices.
#[derive(Debug, Serialize, Deserialize)]
pub struct Befriend {
    pub friend: String,
    pub limit: u32,
}

/// At the user asked: decline the request of `from`, whose devices get a
/// `declined` push.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeclineContact {
    pub from: String,
    pub session: Option<u64>,
}

/// At the user who acts: `friend` is no longer its friend, on both sides
/// ([`Unfriend`] at the other); answered once both are on disk. Both
/// users' devices (but `session`) get a `removed` push.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemoveContact {
    pub friend: String,
    pub session: Option<u64>,
}

/// At the other side of [`RemoveContact`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Unfriend {
    pub friend: String,
}

/// The user's friends, with remarks, and the requests waiting for it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListContacts;

/// Sets the remark of friend `friend` (refused if not a friend).
#[derive(Debug, Serialize, Deserialize)]
pub struct SetRemark {
    pub friend: String,
    pub remark: String,
}

/// Adds `users` to the user's block list (all or none, within
/// [`crate::contact::MAX_BLOCKS`]); answers the users named.
#[derive(Debug, Serialize, Deserialize)]
pub struct BlockUsers {
    pub users: Vec<String>,
}

/// Takes `user` off the block list.
#[derive(Debug, Serialize, Deserialize)]
pub struct UnblockUser {
    pub user: String,
}

/// The block list: users and when each was blocked (ms), newest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListBlocks;

/// Told to each friend of a deleted user: forget it (friend, request,
/// block).
#[derive(Debug, Serialize, Deserialize)]
pub struct FriendGone {
    pub user: String,
}

/// Activates (`on`) or deactivates the user: deactivated, it cannot log
/// in, its tokens are revoked and its devices are kicked (`deactivated`).
#[derive(Debug, Serialize, Deserialize)]
pub struct SetActivated {
    pub on: bool,
}

/// Sets app-wide mutes: for each kind of chat named, when it ends (ms; 0
/// lifts it, `i64::MAX` is for good). Answers the mutes in force.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetGlobalMutes {
    pub chat: Option<i64>,
    pub groupchat: Option<i64>,
    pub chatroom: Option<i64>,
}

/// The user's app-wide mutes.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetGlobalMutes;

/// At the user that made friends with `with`: how `with`'s side ended.
/// Refused there, this side goes back; the callers waiting are answered
/// either way, once this side is settled on disk.
#[derive(Debug, Serialize, Deserialize)]
pub struct FriendsMade {
    pub with: String,
    pub result: Result<(), crate::error::DomainError>,
}
