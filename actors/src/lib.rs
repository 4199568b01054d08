//! The chat domain of imcloud: the entities (App, User, Group, Chatroom),
//! their commands, the domain types and policies.
//! It knows nothing of HTTP, WebSocket or JSON envelopes; the gateway turns
//! those into [`Command`]s (plain data) and sends them through the shard
//! [`Router`], which keeps their answers' channels.
//!
//! Layout:
//! - [`ids`]: validated names (`AppKey`, `UserId`) and the msg id generator.
//! - [`body`]: the body types of the protocol, each checked for its
//!   fields, and the size limit.
//! - [`message`]: stored messages, group/room posts, acks, timeline pages.
//! - [`conversation`]: conversation records, history pages, receipts.
//! - [`contact`]: friends, friend requests, block lists and their limits.
//! - [`attributes`]: user attributes, their limits and their check.
//! - [`presence`]: presence statuses, subscriptions, their limits.
//! - [`error`]: `DomainError`, the one error type of the domain.
//! - [`command`]: `Command`, the [`Request`] trait, [`Origin`](command::Origin)
//!   and the `commands!` macro every entity declares its commands with.
//! - [`entity`]: `ChatEntity`, the shard runtime's entity, dispatching to
//!   [`app`], [`user`], [`group`] and [`chatroom`].
//! - [`roster`]: roles, mutes, blocks and their checks and events, shared
//!   by groups and chatrooms.
//! - [`queries`]: questions to one shard about its part of an app-wide
//!   index.
//! - [`app_index`]: the list of apps, read from their records.
//! - [`purge`]: deleting an app's data from a shard, a step at a time.
//! - [`session`]: pushes and `SessionRef`, how an entity reaches a device.
//! - [`notices`]: fan-out to users, one notice per shard (group messages
//!   and events, presence).
//! - [`devices`]: the node's directory of connected devices.
//! - [`trees`]: the registry of key families and their layouts.
//! - [`events`]: the shard-log events the domain appends.
//! - [`hooks`]: callback rules, the events entities queue for them, and
//!   the outbox they wait in.
//! - [`push`]: push credentials, device bindings, notification settings
//!   and the offline notifications entities queue.
//! - [`rate`]: the per-user send token bucket.
//! - [`words`]: the sensitive-word filter.
//! - [`env`]: `DomainEnv`, what every entity shares (clock, limits, ids).

pub mod app;
pub mod app_index;
pub mod attributes;
pub mod body;
pub mod chatroom;
pub mod command;
pub mod contact;
pub mod conversation;
pub mod devices;
pub mod entity;
pub mod env;
pub mod error;
pub mod events;
pub mod group;
pub mod hooks;
pub mod ids;
pub mod message;
pub mod notices;
pub mod presence;
pub mod purge;
pub mod push;
pub mod queries;
pub mod rate;
pub mod retention;
pub mod roster;
pub mod session;
pub mod trees;
pub mod user;
pub mod words;

pub use command::{Command, Request};
pub use entity::ChatEntity;
pub use env::{DomainEnv, Limits};
pub use error::DomainError;

/// The router of the chat domain.
pub type Router = imcloud_shards::Router<ChatEntity>;
