//! Every command an entity takes. Each carries its reply channel, so whoever
//! fails to deliver or handle it (a full mailbox, a panicking step) can still
//! answer the caller; see [`Command::reject`].

use crate::app::{AppRecord, AppSettings};
use crate::chatroom::{Joined, Priority, RoomOp, RoomReply};
use crate::error::DomainError;
use crate::group::{Actor, GroupLimits, GroupOp, GroupReply};
use crate::message::{SendAck, StoredMessage};
use crate::session::{SessionRef, WeakSessionRef};
use crate::trees::created_index::Listed;
use crate::user::{Credentials, NewUser, UserView};
use crate::Router;
use imcloud_shards::EntityKey;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, DomainError>>;

/// Answers `reply`; a caller that gave up waiting is not an error.
pub fn answer<T>(reply: Reply<T>, result: Result<T, DomainError>) {
    // The receiver is gone only when the caller timed out or disconnected.
    let _ = reply.send(result);
}

pub enum Command {
    // ---- App entity ----
    /// Creates the app (refused if it exists).
    CreateApp {
        record: AppRecord,
        reply: Reply<AppRecord>,
    },
    /// Reads the app's record.
    GetApp {
        reply: Reply<AppRecord>,
    },
    /// Replaces the app's settings.
    SetAppSettings {
        settings: AppSettings,
        reply: Reply<AppRecord>,
    },
    /// Grants (`on`) or revokes a user's right to create chatrooms.
    SetSuperAdmin {
        user: String,
        on: bool,
        reply: Reply<AppRecord>,
    },

    // ---- User entity: account ----
    /// Registers the user (refused if it exists).
    CreateUser {
        user: NewUser,
        reply: Reply<UserView>,
    },
    GetUser {
        reply: Reply<UserView>,
    },
    /// Password hash and token epoch, for the gateway to check a login.
    GetCredentials {
        reply: Reply<Credentials>,
    },
    /// Deletes the user and its timeline; kicks its devices.
    DeleteUser {
        reply: Reply<UserView>,
    },
    /// Sets a new password hash, revokes tokens, kicks devices.
    SetPassword {
        password_hash: String,
        reply: Reply<()>,
    },
    /// Whether any device is online.
    GetStatus {
        reply: Reply<bool>,
    },
    /// Messages stored while offline and not yet synced.
    GetOfflineCount {
        reply: Reply<u64>,
    },

    // ---- User entity: devices ----
    /// Attaches a device's socket. `token` is checked when the device
    /// logged in with a token.
    Attach {
        session: SessionRef,
        token: Option<TokenCheck>,
        reply: Reply<()>,
    },
    /// Detaches a closed socket.
    Detach {
        session_id: u64,
    },
    /// Messages of the user's timeline after `after`.
    Sync {
        after: u64,
        limit: usize,
        reply: Reply<SyncPage>,
    },

    // ---- 1:1 delivery ----
    /// A user sends a 1:1 message (at the sender's entity).
    Send(Box<Outgoing>),
    /// Store and push a message at the recipient's entity.
    Deliver(Box<Outgoing>),
    /// The recipient stored it (or refused); back at the sender's entity.
    Delivered(Box<Outgoing>, Result<(), DomainError>),

    // ---- Groups ----
    /// A management operation or read at the Group entity.
    GroupManage {
        actor: Actor,
        op: GroupOp,
        limits: GroupLimits,
        reply: Reply<GroupReply>,
    },
    /// A message to the group (at the Group entity).
    GroupSend(Box<GroupOutgoing>),
    /// A device's group or chatroom message, first at the sender's User
    /// entity (rate limit, account state), which passes `cmd` on to `to`.
    SendAs {
        to: EntityKey,
        cmd: Box<Command>,
        rate: RatePolicy,
    },
    /// A member's page of the group timeline, after `after` or, when
    /// `None`, after the member's join seq.
    GroupSync {
        user: String,
        after: Option<u64>,
        limit: usize,
        reply: Reply<SyncPage>,
    },
    /// At the User entity: the user joined `group` at its `seq`.
    GroupJoined {
        group: String,
        seq: u64,
    },
    /// At the User entity: the user left `group`.
    GroupLeft {
        group: String,
    },
    /// At the User entity: holds one of its `limit` group slots for an add
    /// to `group` in flight (refused with `TooManyGroups` when none is
    /// free); the group's `GroupJoined` or `ReleaseGroupSlot` ends the hold.
    HoldGroupSlot {
        group: String,
        limit: usize,
        reply: Reply<()>,
    },
    /// At the User entity: the add to `group` did not happen.
    ReleaseGroupSlot {
        group: String,
    },
    /// At the User entity: the groups it belongs to, with join seqs (at
    /// most `limit`).
    UserGroups {
        limit: usize,
        reply: Reply<Vec<(String, u64)>>,
    },

    // ---- Chatrooms ----
    /// A management operation or read at the Chatroom entity.
    RoomManage {
        actor: Actor,
        op: RoomOp,
        reply: Reply<RoomReply>,
    },
    /// A device joins the room; answered with the recent messages.
    RoomJoin {
        user: String,
        session: WeakSessionRef,
        reply: Reply<Joined>,
    },
    /// A device leaves the room (asked, or its socket closed: no reply).
    RoomLeave {
        user: String,
        session_id: u64,
        reply: Option<Reply<()>>,
    },
    /// A message to the room (at the Chatroom entity).
    RoomSend(Box<RoomOutgoing>),

    // ---- Shard-wide queries ----
    /// Up to `limit` groups or rooms of `app` on one shard created before
    /// `before`, newest first.
    ListCreated {
        listed: Listed,
        app: String,
        before: Option<(i64, String)>,
        limit: usize,
        reply: Reply<Vec<(i64, String)>>,
    },
    /// Up to `limit` rooms of `app` on one shard owned by `owner`.
    ListOwnedRooms {
        app: String,
        owner: String,
        limit: usize,
        reply: Reply<Vec<String>>,
    },
    /// Up to `limit` users of `app` on one shard created after `after`.
    ListUsers {
        app: String,
        after: Option<(i64, String)>,
        limit: usize,
        reply: Reply<Vec<(i64, String)>>,
    },

    /// Test hook: the entity panics while handling this.
    #[cfg(feature = "fault-injection")]
    Panic,
}

/// What a device's token says about the user it was issued to: a token
/// outlives neither the user (a re-registered name has a new uuid) nor a
/// password change (which bumps the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCheck {
    pub user_uuid: String,
    pub epoch: u64,
}

/// A 1:1 message on its way from sender to recipient and back.
pub struct Outgoing {
    pub message: StoredMessage,
    pub sender: EntityKey,
    pub recipient: EntityKey,
    /// The sender's idempotency key, if any.
    pub client_msg_id: Option<String>,
    /// The device that sent it: it is not pushed its own copy.
    pub origin_session: Option<u64>,
    /// Store a copy in the sender's timeline (client sends; REST only with
    /// `sync_device`). Without it the recipient answers `reply` directly.
    pub sender_copy: bool,
    /// REST sends skip the sender's rate limit and existence check.
    pub from_rest: bool,
    pub rate: RatePolicy,
    pub reply: Reply<SendAck>,
    /// The way back to the sender's entity.
    pub router: Router,
}

/// A group message on its way to the group.
pub struct GroupOutgoing {
    /// `from` is the sender; `to`, `msg_id`, `seq`, `ts` are set by the
    /// group.
    pub message: StoredMessage,
    pub client_msg_id: Option<String>,
    /// The device that sent it: it is not pushed its own copy.
    pub origin_session: Option<u64>,
    /// REST sends may name a sender that is not a member.
    pub from_rest: bool,
    pub reply: Reply<SendAck>,
}

/// A chatroom message on its way to the room.
pub struct RoomOutgoing {
    /// `from` is the sender; `to`, `msg_id`, `seq`, `ts` are set by the
    /// room.
    pub message: StoredMessage,
    pub priority: Priority,
    /// The sender's idempotency key, if any (remembered by the room for
    /// its last few thousand messages).
    pub client_msg_id: Option<String>,
    /// The device that sent it: it is not pushed its own copy.
    pub origin_session: Option<u64>,
    /// REST sends may name a sender that is not a member.
    pub from_rest: bool,
    pub reply: Reply<SendAck>,
}

/// The app's per-user send rate, carried with each send so the sender's
/// entity needs no lookup of its app.
#[derive(Debug, Clone, Copy)]
pub struct RatePolicy {
    pub per_second: u32,
    pub burst: u32,
}

/// One page of a timeline.
#[derive(Debug, Clone)]
pub struct SyncPage {
    pub messages: Vec<Arc<StoredMessage>>,
    /// The seq the device holds after this page.
    pub cursor: u64,
    pub more: bool,
}

impl Command {
    /// Answers the command's caller with `err`.
    pub fn reject(self, err: DomainError) {
        match self {
            Command::CreateApp { reply, .. }
            | Command::GetApp { reply }
            | Command::SetAppSettings { reply, .. }
            | Command::SetSuperAdmin { reply, .. } => answer(reply, Err(err)),
            Command::CreateUser { reply, .. }
            | Command::GetUser { reply }
            | Command::DeleteUser { reply } => answer(reply, Err(err)),
            Command::GetCredentials { reply } => answer(reply, Err(err)),
            Command::SetPassword { reply, .. } | Command::Attach { reply, .. } => {
                answer(reply, Err(err))
            }
            Command::GetStatus { reply } => answer(reply, Err(err)),
            Command::GetOfflineCount { reply } => answer(reply, Err(err)),
            Command::Sync { reply, .. } => answer(reply, Err(err)),
            Command::Detach { .. } => {}
            Command::Send(out) | Command::Delivered(out, _) => answer(out.reply, Err(err)),
            Command::Deliver(out) => {
                if out.sender_copy {
                    // Tell the sender's entity, so it forgets the pending
                    // client_msg_id; if even that fails, answer directly.
                    let router = out.router.clone();
                    let sender = out.sender.clone();
                    let _ = router.send(sender, Command::Delivered(out, Err(err)));
                } else {
                    answer(out.reply, Err(err));
                }
            }
            Command::ListUsers { reply, .. } | Command::ListCreated { reply, .. } => {
                answer(reply, Err(err))
            }
            Command::ListOwnedRooms { reply, .. } => answer(reply, Err(err)),
            Command::GroupManage { reply, .. } => answer(reply, Err(err)),
            Command::GroupSend(out) => answer(out.reply, Err(err)),
            Command::SendAs { cmd, .. } => cmd.reject(err),
            Command::RoomManage { reply, .. } => answer(reply, Err(err)),
            Command::RoomJoin { reply, .. } => answer(reply, Err(err)),
            Command::RoomLeave { reply, .. } => {
                if let Some(reply) = reply {
                    answer(reply, Err(err))
                }
            }
            Command::RoomSend(out) => answer(out.reply, Err(err)),
            Command::GroupSync { reply, .. } => answer(reply, Err(err)),
            Command::UserGroups { reply, .. } => answer(reply, Err(err)),
            Command::HoldGroupSlot { reply, .. } => answer(reply, Err(err)),
            Command::ReleaseGroupSlot { .. } => {}
            Command::GroupJoined { .. } | Command::GroupLeft { .. } => {}
            #[cfg(feature = "fault-injection")]
            Command::Panic => {}
        }
    }
}
