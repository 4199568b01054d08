//! Cluster mode's pieces on NATS JetStream (`docs/cluster.md`). Only
//! membership exists so far: the live set of nodes and the ring every node
//! derives from it. Routing, the replicated shard logs and the handoff are
//! designed (and the handoff model-checked, `model/handoff.pml`) but not
//! built, so nothing in the server uses this module yet.

pub mod membership;

pub use membership::{ClusterView, JoinError, Membership, MembershipConfig, NodeInfo};
