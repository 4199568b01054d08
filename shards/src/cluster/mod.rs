//! Cluster mode's pieces on NATS JetStream (`docs/cluster.md`):
//! - [`membership`]: the live set of nodes and the ring every node derives
//!   from it;
//! - [`shard_log`]: each shard's replicated log, and the claim that hands a
//!   shard over and fences its previous owner (`model/handoff.pml`).
//!
//! Routing, snapshots and wiring the logs into the group commit are not
//! built, so nothing in the server uses this module yet.

pub mod membership;
pub mod shard_log;

pub use membership::{ClusterView, JoinError, Membership, MembershipConfig, NodeInfo};
pub use shard_log::{LogConfig, LogEntry, LogError, LogRecord, ShardLogs, ShardWriter};
