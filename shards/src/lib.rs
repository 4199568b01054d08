//! The sharding runtime of imcloud. It knows entity keys, shards, nodes,
//! storage and actors, and nothing about chat.
//!
//! Layout:
//! - [`key`]: `EntityKey` (app + kind + id), the address of every entity.
//! - [`clock`]: the one source of wall-clock time, manual in tests.
//! - [`placement`]: entity key → shard (stable hash, fixed shard count).
//! - [`ring`]: shard → node, a consistent-hash ring with virtual nodes.
//! - [`codec`]: the on-disk value format (version byte + named MessagePack).
//! - [`store`]: the storage seam (keyspaces, atomic batches, scans, flush) and
//!   the engines behind it (fjall, sled).
//! - [`wire`]: the codec of commands, replies and notices (what would cross
//!   a network).
//! - [`commit`]: the group-commit thread: one flush for many writes, then the
//!   acks that waited for it.
//! - [`entity`]: the `Entity` trait a domain implements, and the step context
//!   an entity sees while it handles one command.
//! - [`host`]: the shard actor: activates, passivates and restarts entities.
//! - [`supervisor`]: starts the shard actors on their arbiters and restarts
//!   them if they stop.
//! - [`router`]: sends a command to the shard that owns an entity, keeping
//!   its reply; optionally encodes everything on the way (the cluster seam).
//! - [`reply`]: `ReplyTo`, where a command's answer goes.
//! - [`metrics`]: runtime counters (restarts, flushes, mailbox rejections).
//! - [`bus`]: facts published to every node's gateway (cache invalidation).
//! - [`cluster`]: cluster mode on NATS JetStream; membership so far.

pub mod bus;
pub mod clock;
pub mod cluster;
pub mod codec;
pub mod commit;
pub mod entity;
pub mod error;
pub mod host;
pub mod key;
pub mod metrics;
pub mod placement;
pub mod reply;
pub mod ring;
pub mod router;
pub mod store;
pub mod supervisor;
pub mod wire;

pub use clock::Clock;
pub use entity::{Entity, StepCtx};
pub use error::{ShardError, StoreError};
pub use key::{EntityKey, EntityKind};
pub use reply::ReplyTo;
pub use router::Router;
