//! Commands: what an entity is asked to do. Each entity kind has its own
//! command enum ([`AppCmd`](crate::app::AppCmd),
//! [`UserCmd`](crate::user::UserCmd), [`GroupCmd`](crate::group::GroupCmd),
//! [`RoomCmd`](crate::chatroom::RoomCmd)) of small intent-named request
//! structs, declared with [`commands!`](crate::commands). All of it is plain
//! data (serde): no channel, router or socket rides inside a command, so the
//! router can encode every one of them (the encode-everything mode, and a
//! cluster's network). A request's typed answer is named by
//! [`Request::Reply`]; the router keeps the answer's channel.

use crate::error::DomainError;
use crate::ChatEntity;
use imcloud_shards::StepCtx;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// A command that is answered, and the type of its answer.
pub trait Request: Into<Command> {
    type Reply: Serialize + DeserializeOwned + Send + 'static;
}

/// Every command of the chat domain, by the kind of entity it is for.
#[derive(Debug, Serialize, Deserialize)]
pub enum Command {
    App(crate::app::AppCmd),
    User(crate::user::UserCmd),
    Group(crate::group::GroupCmd),
    Room(crate::chatroom::RoomCmd),
    /// A query over one shard's keyspace (app-wide indexes split across
    /// shards), sent with `Router::query_shard`.
    Shard(crate::queries::ShardQuery),
    /// Test hook: the entity panics while handling this.
    #[cfg(feature = "fault-injection")]
    Panic,
}

impl Command {
    /// The request's name, for logs and spans.
    pub fn name(&self) -> &'static str {
        match self {
            Command::App(c) => c.name(),
            Command::User(c) => c.name(),
            Command::Group(c) => c.name(),
            Command::Room(c) => c.name(),
            Command::Shard(c) => c.name(),
            #[cfg(feature = "fault-injection")]
            Command::Panic => "Panic",
        }
    }
}

/// Declares one entity kind's command enum from its request structs: the
/// enum (plain data), `From` each request into it and into [`Command`],
/// the request's [`Request::Reply`] where it has one (a request without
/// `=> Reply` is a notice: told, never answered), and `name()`.
#[macro_export]
macro_rules! commands {
    ($(#[$meta:meta])* $vis:vis enum $enum:ident as $wrap:ident {
        $( $(#[$vmeta:meta])* $variant:ident $(=> $reply:ty)? ),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize, serde::Deserialize)]
        $vis enum $enum {
            $( $(#[$vmeta])* $variant($variant), )*
        }

        impl $enum {
            pub fn name(&self) -> &'static str {
                match self {
                    $( $enum::$variant(_) => stringify!($variant), )*
                }
            }
        }

        impl From<$enum> for $crate::command::Command {
            fn from(c: $enum) -> Self {
                $crate::command::Command::$wrap(c)
            }
        }

        $(
            impl From<$variant> for $enum {
                fn from(r: $variant) -> Self {
                    $enum::$variant(r)
                }
            }
            impl From<$variant> for $crate::command::Command {
                fn from(r: $variant) -> Self {
                    $crate::command::Command::$wrap($enum::$variant(r))
                }
            }
            $( impl $crate::command::Request for $variant {
                type Reply = $reply;
            } )?
        )*
    };
}

/// Answering a request with the type its caller expects.
pub trait Answer {
    /// Answers once this step's writes are on disk.
    fn answer<R: Request>(&mut self, result: Result<R::Reply, DomainError>);
    /// Answers at once (see `StepCtx::reply_now`).
    fn answer_now<R: Request>(&mut self, result: Result<R::Reply, DomainError>);
}

impl Answer for StepCtx<'_, ChatEntity> {
    fn answer<R: Request>(&mut self, result: Result<R::Reply, DomainError>) {
        self.reply(result);
    }
    fn answer_now<R: Request>(&mut self, result: Result<R::Reply, DomainError>) {
        self.reply_now(result);
    }
}

/// Where a message comes from. One value instead of separate flags: it
/// decides whether the sender's rate applies, whether the sender keeps a
/// copy, and which device is not pushed its own message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// A device of the sender (session id): under the app's per-user send
    /// rate, the sender keeps a copy, and that device is not pushed it.
    /// `friend_check`: the app refuses 1:1 messages between users who are
    /// not friends.
    Device {
        session: u64,
        rate: RatePolicy,
        friend_check: bool,
    },
    /// The app server over REST: no rate limit and no membership check of
    /// the sender; with `sync_device` the sender (if it is a user) keeps a
    /// copy in its timeline.
    Rest { sync_device: bool },
}

impl Origin {
    /// The session that sent it, if a device did.
    pub fn session(&self) -> Option<u64> {
        match self {
            Origin::Device { session, .. } => Some(*session),
            Origin::Rest { .. } => None,
        }
    }

    pub fn is_rest(&self) -> bool {
        matches!(self, Origin::Rest { .. })
    }
}

/// The app's per-user send rate, carried with a device's send so the
/// sender's entity needs no lookup of its app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatePolicy {
    pub per_second: u32,
    pub burst: u32,
}
