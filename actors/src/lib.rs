//! The chat domain of imcloud: the entities (App, User, Group, Chatroom),
//! their commands, the domain types and policies.
//! It knows nothing of HTTP, WebSocket or JSON envelopes; the gateway turns
//! those into [`Command`]s and sends them through the shard [`Router`].
//!
//! Layout:
//! - [`ids`]: validated names (`AppKey`, `UserId`) and the msg id generator.
//! - [`message`]: message bodies (validated per type), stored messages, acks.
//! - [`error`]: `DomainError`, the one error type of the domain.
//! - [`command`]: every command an entity takes, with its typed reply.
//! - [`entity`]: `ChatEntity`, the shard runtime's entity, dispatching to
//!   [`app`], [`user`], [`group`] and [`chatroom`].
//! - [`session`]: `SessionRef`, how an entity reaches a connected device.
//! - [`trees`]: key layouts of the domain's tree families in a shard.
//! - [`events`]: the shard-log events the domain appends.
//! - [`rate`]: the per-user send token bucket.
//! - [`env`]: `DomainEnv`, what every entity shares (limits, id generator).

pub mod app;
pub mod chatroom;
pub mod command;
pub mod entity;
pub mod env;
pub mod error;
pub mod events;
pub mod group;
pub mod ids;
pub mod message;
pub mod rate;
pub mod session;
pub mod trees;
pub mod user;

pub use command::{Command, Reply};
pub use entity::ChatEntity;
pub use env::{DomainEnv, Limits};
pub use error::DomainError;

/// The router of the chat domain.
pub type Router = imcloud_shards::Router<ChatEntity>;
