//! `DomainError`: every way a chat operation can fail. Errors of groups and
//! chatrooms are one set, parameterized by [`Scope`]. The gateway maps each
//! variant (and scope) to its protocol code, HTTP status and Easemob error
//! string in one table. Plain data: errors travel back inside replies.

use crate::attributes::AttributesRefusal;
use crate::chatroom::Priority;
use crate::presence::PresenceRefusal;
use crate::roster::Scope;
use imcloud_shards::ShardError;
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DomainError {
    #[error("application not found")]
    AppNotFound,
    #[error("application already exists")]
    AppExists,
    #[error("user not found")]
    UserNotFound,
    #[error("user already exists")]
    UserExists,
    #[error("{0}")]
    InvalidArgument(String),
    #[error("authentication failed")]
    AuthFailed,
    #[error("user is deactivated")]
    UserDeactivated,
    #[error("token was revoked")]
    TokenRevoked,
    #[error("permission denied")]
    PermissionDenied,
    #[error("invalid message: {0}")]
    MessageInvalid(String),
    #[error("message is too large")]
    MessageTooLarge,
    /// A message named by id that the stream does not hold (never sent
    /// there, recalled, or past retention).
    #[error("message not found")]
    MessageNotFound,
    #[error("{0}")]
    Recall(RecallRefusal),
    /// A message edited [`crate::conversation::MAX_EDITS`] times already.
    #[error("the message was edited too many times")]
    TooManyEdits,
    #[error("send rate limit reached")]
    RateLimited,
    /// A 1:1 message between users who are not friends, with the app's
    /// friend check on.
    #[error("the users are not friends")]
    NotFriend,
    /// The recipient blocked the sender (its messages and friend
    /// requests).
    #[error("the user blocked you")]
    BlockedByUser,
    #[error("{}", .0.describe())]
    ContactLimit(crate::contact::ContactLimit),
    /// The message holds a word of the app's sensitive-word list, and the
    /// app refuses such messages.
    #[error("the message holds a sensitive word")]
    IllegalContent,
    /// The user is muted app-wide for this kind of chat (REST U18).
    #[error("the user is muted")]
    UserMuted,
    #[error("server busy, retry later")]
    Busy,
    /// The request got no answer in time. It may still complete: a send
    /// should be retried with the same `client_msg_id`.
    #[error(
        "no reply in time; the request may still complete (resend with the same client_msg_id)"
    )]
    Timeout,
    #[error("internal error")]
    Internal,
    // ---- groups and chatrooms ----
    #[error("{0} not found")]
    NotFound(Scope),
    #[error("{0} already exists")]
    Exists(Scope),
    #[error("user is not a member of the {0}")]
    NotMember(Scope),
    #[error("user is already a member of the {0}")]
    AlreadyMember(Scope),
    /// A management call by someone who may not make it, or on someone it
    /// may not touch (the owner, an admin for a non-owner).
    #[error("{1}")]
    Forbidden(Scope, String),
    #[error("{0} is full")]
    Full(Scope),
    #[error("user is blocked from this {0}")]
    Blocked(Scope),
    #[error("user is muted in this {0}")]
    Muted(Scope),
    #[error("the {0} is muted for all members")]
    MutedAll(Scope),
    #[error("user has joined too many groups")]
    TooManyGroups,
    /// The node's chatroom fan-out is backed up; a message of this
    /// priority was shed.
    #[error("chatroom delivery is overloaded: {}-priority message dropped", .0.as_str())]
    RoomOverloaded(Priority),
    // ---- callbacks and push ----
    /// An app already has `hooks::rules::MAX_RULES` callback rules.
    #[error("an app has at most 4 callback rules")]
    CallbackLimit,
    #[error("callback rule {0} does not exist")]
    RuleNotFound(String),
    #[error("a callback rule named {0} exists")]
    RuleExists(String),
    #[error("push credential {0} does not exist")]
    CredentialNotFound(String),
    /// A pre-send rule refused the message (client code 508); the text
    /// is what the app server answered in `code`, or the rule's default.
    #[error("{0}")]
    BlockedByCallback(String),
    // ---- user attributes and presence ----
    #[error("{0}")]
    Attributes(AttributesRefusal),
    #[error("{0}")]
    Presence(PresenceRefusal),
}

/// Why a recall was refused.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecallRefusal {
    #[error("exceed recall time limit")]
    WindowPassed,
    #[error("not_found msg")]
    NotFound,
    #[error("message recall service is unopened")]
    Disabled,
    /// Not the sender, nor (in a group) its owner or an admin; or a `cmd`
    /// message.
    #[error("this message may not be recalled by this user")]
    NotAllowed,
}

impl DomainError {
    /// Whether the command may have been carried out although it failed
    /// (its answer was lost, its node went away, it timed out): the caller
    /// cannot tell, and must not undo what it did on the assumption that
    /// the other side did nothing.
    pub fn is_indeterminate(&self) -> bool {
        matches!(self, DomainError::Internal | DomainError::Timeout)
    }
}

impl From<ShardError> for DomainError {
    fn from(e: ShardError) -> Self {
        match e {
            ShardError::Busy => DomainError::Busy,
            ShardError::Unavailable
            | ShardError::EntityFailed
            | ShardError::Storage
            | ShardError::NoReply
            | ShardError::Codec => DomainError::Internal,
        }
    }
}
