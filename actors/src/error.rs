//! `DomainError`: every way a chat operation can fail. The gateway maps each
//! variant to its protocol code, HTTP status and Easemob error string in one
//! table.

use imcloud_shards::ShardError;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
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
    #[error("send rate limit reached")]
    RateLimited,
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
    // ---- groups ----
    #[error("group not found")]
    GroupNotFound,
    #[error("group already exists")]
    GroupExists,
    #[error("user is not a member of the group")]
    NotGroupMember,
    #[error("user is already a member of the group")]
    AlreadyGroupMember,
    /// A management call by someone who is not owner/admin, or on the owner.
    #[error("{0}")]
    GroupPermission(String),
    #[error("group is full")]
    GroupFull,
    #[error("user has joined too many groups")]
    TooManyGroups,
    #[error("user is muted in this group")]
    GroupMuted,
    #[error("the group is muted for all members")]
    GroupMutedAll,
    #[error("user is blocked from this group")]
    GroupBlocked,
    // ---- chatrooms ----
    #[error("chatroom not found")]
    RoomNotFound,
    #[error("chatroom already exists")]
    RoomExists,
    #[error("user is not a member of the chatroom")]
    NotInRoom,
    #[error("user is already a member of the chatroom")]
    AlreadyInRoom,
    /// A management call by someone who may not make it.
    #[error("{0}")]
    RoomPermission(String),
    #[error("chatroom is full")]
    RoomFull,
    #[error("user is blocked from this chatroom")]
    RoomBlocked,
    #[error("user is muted in this chatroom")]
    RoomMuted,
    #[error("the chatroom is muted for all members")]
    RoomMutedAll,
    /// The node's chatroom fan-out is backed up; a message of this
    /// priority was shed.
    #[error("chatroom delivery is overloaded: {0}-priority message dropped")]
    RoomOverloaded(&'static str),
}

impl From<ShardError> for DomainError {
    fn from(e: ShardError) -> Self {
        match e {
            ShardError::Busy => DomainError::Busy,
            ShardError::Unavailable | ShardError::EntityFailed | ShardError::Storage => {
                DomainError::Internal
            }
        }
    }
}
