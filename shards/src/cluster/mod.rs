//! Cluster mode's pieces on NATS JetStream (`docs/cluster.md`):
//! - [`membership`]: the live set of nodes and the ring every node derives
//!   from it;
//! - [`ownership`]: which shards this node serves, and where a command goes;
//! - [`transport`]: commands, answers and pushes between nodes (NATS core);
//! - [`shard_log`]: each shard's replicated log, and the claim that hands a
//!   shard over and fences its previous owner (`model/handoff.pml`);
//! - [`replication`]: every shard write appended to the shard's log before
//!   its acks go out;
//! - [`snapshot`]: shard snapshots, so a take reads a bounded log;
//! - [`handoff`]: taking and releasing shards as the view changes;
//! - [`core`]: the pieces joined into a running cluster node.

pub mod core;
pub mod handoff;
pub mod membership;
pub mod ownership;
pub mod replication;
pub mod shard_log;
pub mod snapshot;
pub mod transport;

pub use self::core::{Cluster, ClusterSettings, TakeRecord};
pub use membership::{ClusterView, JoinError, Membership, MembershipConfig, NodeInfo};
pub use ownership::{Ownership, Route};
pub use shard_log::{LogConfig, LogEntry, LogError, LogRecord, ShardLogs, ShardWriter};
pub use transport::{Inbound, Transport, WireMail};
