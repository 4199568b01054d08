//! Cluster mode against real `nats-server` processes on loopback. Only
//! membership is built (`docs/cluster.md`).

mod membership;
