//! Errors of the sharding runtime.

use thiserror::Error;

/// A failure of the storage engine or of the value codec.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("storage engine: {0}")]
    Engine(String),
    #[error("data directory is locked by another process: {0}")]
    Locked(String),
    #[error("value codec: {0}")]
    Codec(String),
    #[error("unsupported value format version {0}")]
    Version(u8),
    #[error("the data directory was created with {stored} shards, config asks for {configured}")]
    ShardCountMismatch { stored: u32, configured: u32 },
}

/// Why a command could not be handed to or handled by its entity.
#[derive(Debug, Error, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ShardError {
    #[error("shard mailbox is full")]
    Busy,
    #[error("shard is not running")]
    Unavailable,
    #[error("entity failed while handling the request")]
    EntityFailed,
    #[error("storage failure")]
    Storage,
    /// The command was dropped without an answer (a failed step's action,
    /// or a bug that left its caller unanswered).
    #[error("the request was dropped without an answer")]
    NoReply,
    /// A command, reply or notice did not survive its encoding, or a reply
    /// was not of the type its caller expects (a bug).
    #[error("a message did not encode or decode")]
    Codec,
}
