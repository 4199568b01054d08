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
    #[error("internal error")]
    Internal,
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
