//! The requests of `/ws`: one [`Op`] variant per operation (the one list
//! of op names), each with its typed arguments, as `docs/protocol.md`
//! describes them.

use imcloud_actors::chatroom::Priority;
use imcloud_actors::message::ChatType;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Auth(AuthArgs),
    Ping(NoArgs),
    Send(SendArgs),
    Sync(SyncArgs),
    Join(RoomRef),
    Leave(RoomRef),
    GroupApply(GroupRef),
    GroupDecide(GroupDecide),
    GroupInvite(GroupUsers),
    GroupAnswer(GroupAnswer),
    GroupLeave(GroupRef),
    GroupAdd(GroupUsers),
    GroupRemove(GroupUsers),
    GroupMute(GroupMute),
    GroupUnmute(GroupUsers),
    GroupBlock(GroupUsers),
    GroupAdmin(GroupAdmin),
    GroupDismiss(GroupRef),
    GroupInfo(GroupRef),
    ChatroomCreate(RoomCreate),
    ChatroomInfo(RoomRef),
    ChatroomDestroy(RoomRef),
    ChatroomRemove(RoomUsers),
    ChatroomMute(RoomMute),
    ChatroomUnmute(RoomUsers),
    ChatroomMuteAll(RoomMuteAll),
    ChatroomBlock(RoomUsers),
    ChatroomUnblock(RoomUsers),
    ChatroomAdmin(RoomAdmin),
    ChatroomAnnounce(RoomAnnounce),
    History(HistoryArgs),
    Conversations(ConversationsArgs),
    Read(ReadArgs),
    Delivered(DeliveredArgs),
    Recall(RecallArgs),
    Edit(EditArgs),
    GroupReadCount(GroupMsgRef),
    ContactAdd(ContactArgs),
    ContactAccept(UserRef),
    ContactDecline(UserRef),
    ContactRemove(UserRef),
    Contacts(NoArgs),
    Block(UserRef),
    Unblock(UserRef),
    Blocks(NoArgs),
    PresenceSet(PresenceSetArgs),
    PresenceSubscribe(PresenceSubscribeArgs),
    PresenceUnsubscribe(PresenceUsers),
    PresenceGet(PresenceUsers),
    PresenceSubscriptions(SubscriptionsArgs),
    AttributesSet(AttributesSetArgs),
    AttributesGet(AttributesGetArgs),
    #[serde(other)]
    Unknown,
}

impl Op {
    /// Whether the op may come before `auth`.
    pub fn before_auth(&self) -> bool {
        matches!(self, Op::Auth(_) | Op::Ping(_))
    }
}

/// An op without arguments (any other field is ignored).
#[derive(Debug, Deserialize)]
pub struct NoArgs {}

#[derive(Debug, Deserialize)]
pub struct AuthArgs {
    pub token: Option<String>,
    pub appkey: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub device: Option<String>,
    pub v: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct SendArgs {
    pub chat: ChatType,
    pub to: String,
    pub body: Value,
    #[serde(default)]
    pub ext: Option<Value>,
    #[serde(default)]
    pub client_msg_id: Option<String>,
    /// Chatrooms only.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Groups only: read receipts and a read count for the sender.
    #[serde(default)]
    pub need_group_ack: bool,
}

#[derive(Debug, Deserialize)]
pub struct SyncArgs {
    #[serde(default)]
    pub cursors: BTreeMap<String, u64>,
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct GroupRef {
    pub group: String,
}

#[derive(Debug, Deserialize)]
pub struct GroupUsers {
    pub group: String,
    #[serde(default)]
    pub users: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct GroupDecide {
    pub group: String,
    pub user: String,
    pub accept: bool,
}

#[derive(Debug, Deserialize)]
pub struct GroupAnswer {
    pub group: String,
    pub accept: bool,
}

#[derive(Debug, Deserialize)]
pub struct GroupMute {
    pub group: String,
    #[serde(default)]
    pub users: Vec<String>,
    /// ms; -1 or absent = for good.
    #[serde(default)]
    pub duration: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct GroupAdmin {
    pub group: String,
    pub user: String,
    #[serde(default)]
    pub admin: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct RoomRef {
    pub chatroom: String,
}

#[derive(Debug, Deserialize)]
pub struct RoomUsers {
    pub chatroom: String,
    #[serde(default)]
    pub users: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct RoomCreate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub maxusers: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub struct RoomMute {
    pub chatroom: String,
    #[serde(default)]
    pub users: Vec<String>,
    /// ms; -1 or absent = for good.
    #[serde(default)]
    pub duration: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct RoomMuteAll {
    pub chatroom: String,
    #[serde(default)]
    pub on: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct RoomAdmin {
    pub chatroom: String,
    pub user: String,
    #[serde(default)]
    pub admin: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct RoomAnnounce {
    pub chatroom: String,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HistoryArgs {
    pub chat: ChatType,
    pub with: String,
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub limit: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct ConversationsArgs {
    #[serde(default)]
    pub limit: Option<usize>,
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ReadArgs {
    pub chat: ChatType,
    pub to: String,
    #[serde(default)]
    pub msg_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DeliveredArgs {
    pub chat: ChatType,
    pub to: String,
    pub msg_id: String,
}

#[derive(Debug, Deserialize)]
pub struct RecallArgs {
    pub chat: ChatType,
    pub to: String,
    pub msg_id: String,
}

#[derive(Debug, Deserialize)]
pub struct EditArgs {
    pub chat: ChatType,
    pub to: String,
    pub msg_id: String,
    pub body: Value,
    #[serde(default)]
    pub ext: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct GroupMsgRef {
    pub group: String,
    pub msg_id: String,
}

/// `contact_add`: the user asked, and why (optional).
#[derive(Debug, Deserialize)]
pub struct ContactArgs {
    pub user: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// An op about one other user.
#[derive(Debug, Deserialize)]
pub struct UserRef {
    pub user: String,
}

#[derive(Debug, Deserialize)]
pub struct PresenceSetArgs {
    /// 1–16 digits: `1` online, `0` offline, others custom.
    pub status: String,
    /// The user's presence text (at most 1024 bytes); absent: kept.
    #[serde(default)]
    pub ext: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PresenceSubscribeArgs {
    #[serde(default)]
    pub users: Vec<String>,
    /// Seconds, 1–2,592,000.
    pub expiry: u64,
}

#[derive(Debug, Deserialize)]
pub struct PresenceUsers {
    #[serde(default)]
    pub users: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct SubscriptionsArgs {
    #[serde(default)]
    pub page: Option<usize>,
    #[serde(default)]
    pub size: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct AttributesSetArgs {
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct AttributesGetArgs {
    #[serde(default)]
    pub users: Vec<String>,
    /// The attributes wanted; absent or empty: all.
    #[serde(default)]
    pub keys: Vec<String>,
}
