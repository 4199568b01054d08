//! Cluster mode against real `nats-server` processes on loopback. Only
//! membership and the shard logs are built, as libraries the server does
//! not use yet (`docs/cluster.md`).

mod membership;
mod shard_log;
