//! Membership: every node heartbeats its [`NodeInfo`] into one JetStream KV
//! bucket whose entries expire after the membership TTL, and reads the
//! bucket back on the same beat. The live set is what the bucket holds, and
//! every node builds the same [`NodeRing`] from it, so a node that stops
//! heartbeating (killed, paused, cut off) drops out of every view within
//! the TTL plus two beats, with no failure detector of our own: a node
//! leaves a view only when two reads in a row miss it (one read of the
//! bucket under load can miss a live entry).
//!
//! Expiry is the server's (the bucket's `max_age`), so nodes' clocks need
//! not agree. The beat re-reads the bucket rather than watching it: an
//! expiry produces no watch event on every server version we support.

use crate::placement::ShardId;
use crate::ring::{NodeId, NodeRing};
use async_nats::jetstream::{self, kv};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How a node joins.
#[derive(Debug, Clone)]
pub struct MembershipConfig {
    /// NATS server URLs.
    pub nats: Vec<String>,
    /// The cluster's name: the prefix of its bucket.
    pub name: String,
    pub node_id: NodeId,
    /// Where other nodes and clients reach this node's HTTP listener.
    pub advertise: String,
    /// Every node of a cluster must run with the same shard count.
    pub shard_count: u32,
    /// How long a silent node stays a member.
    pub ttl: Duration,
    /// Virtual nodes per node on the ring.
    pub vnodes: u16,
}

/// What a node says about itself in the bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub node_id: NodeId,
    pub advertise: String,
    pub shard_count: u32,
}

/// One node's view of the cluster: the live nodes and the ring over them.
#[derive(Clone)]
pub struct ClusterView {
    pub nodes: BTreeMap<NodeId, NodeInfo>,
    pub ring: NodeRing,
}

impl ClusterView {
    fn of(nodes: BTreeMap<NodeId, NodeInfo>, vnodes: u16) -> Self {
        let ids: Vec<NodeId> = nodes.keys().copied().collect();
        ClusterView {
            ring: NodeRing::new(&ids, vnodes),
            nodes,
        }
    }

    /// A view with no live node (before the first membership read).
    pub fn empty(vnodes: u16) -> Self {
        Self::of(BTreeMap::new(), vnodes)
    }

    /// The node that owns `shard` in this view.
    pub fn owner(&self, shard: ShardId) -> Option<NodeId> {
        self.ring.owner(shard)
    }
}

/// Why a node could not join.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    #[error("cannot reach NATS at {urls}: {reason}")]
    Unreachable { urls: String, reason: String },
    #[error("NATS JetStream refused the membership bucket {bucket}: {reason}")]
    Bucket { bucket: String, reason: String },
    #[error(
        "node {node} runs with {theirs} shards and this node with {ours}: \
         every node of a cluster needs the same storage.shard_count"
    )]
    ShardCount {
        node: NodeId,
        theirs: u32,
        ours: u32,
    },
    #[error("node id {node} is already used by the live node at {advertise}")]
    NodeIdTaken { node: NodeId, advertise: String },
    #[error(
        "the cluster name {0:?} is not usable as a bucket name (letters, digits, '-' and '_')"
    )]
    BadName(String),
}

/// How long this node may act as a member: until a little before its
/// entry in the bucket can have expired, counted from when the last stored
/// heartbeat was sent. A node that was paused or cut off past that
/// (SIGSTOP, a partition) must assume others took its shards: its lease
/// has *lapsed*, and it stays invalid after the next heartbeat until the
/// node has let go of every shard ([`Lease::lapsed`], [`Lease::resume`]),
/// so it serves none of them from a copy others may have moved past.
pub struct Lease {
    base: std::time::Instant,
    /// Millis since `base` when the last stored heartbeat was sent.
    renewed: AtomicU64,
    valid_for: Duration,
    lapsed: AtomicBool,
    /// Woken when the lease lapsed.
    pub lapses: tokio::sync::Notify,
    /// How many times it lapsed.
    pub lapse_count: AtomicU64,
}

impl Lease {
    fn new(ttl: Duration) -> Lease {
        Lease {
            base: std::time::Instant::now(),
            renewed: AtomicU64::new(0),
            // Two thirds of the TTL: one missed beat (every third) leaves
            // it valid; the entry is still live for the last third.
            valid_for: ttl * 2 / 3,
            lapsed: AtomicBool::new(false),
            lapses: tokio::sync::Notify::new(),
            lapse_count: AtomicU64::new(0),
        }
    }

    fn current(&self) -> bool {
        let renewed = Duration::from_millis(self.renewed.load(Ordering::Acquire));
        self.base.elapsed() < renewed + self.valid_for
    }

    /// A heartbeat sent at `sent` was stored.
    fn renew(&self, sent: std::time::Instant) {
        if !self.current() {
            self.lapsed.store(true, Ordering::Release);
            self.lapse_count.fetch_add(1, Ordering::Relaxed);
            self.lapses.notify_one();
        }
        let ms = sent.saturating_duration_since(self.base).as_millis() as u64;
        self.renewed.fetch_max(ms, Ordering::AcqRel);
    }

    /// Whether the node may serve its shards now.
    pub fn is_valid(&self) -> bool {
        !self.lapsed.load(Ordering::Acquire) && self.current()
    }

    /// Whether the lease lapsed and the node has not let go of its shards
    /// since.
    pub fn lapsed(&self) -> bool {
        self.lapsed.load(Ordering::Acquire) || !self.current()
    }

    /// The node let go of every shard after a lapse: valid again if a
    /// heartbeat was stored since (`false`, and still lapsed, if not).
    pub fn resume(&self) -> bool {
        if !self.current() {
            return false;
        }
        self.lapsed.store(false, Ordering::Release);
        true
    }
}

/// A joined node. Dropping it stops the heartbeat (the node then expires);
/// [`Membership::leave`] removes it at once.
pub struct Membership {
    bucket: kv::Store,
    key: String,
    view: watch::Receiver<Arc<ClusterView>>,
    lease: Arc<Lease>,
    beat: JoinHandle<()>,
}

impl Membership {
    /// Connects, checks that this node may join (same shard count as every
    /// live node, its id not used by another live node), announces it and
    /// starts the beat.
    pub async fn join(config: MembershipConfig) -> Result<Membership, JoinError> {
        let bucket_name = format!("{}_nodes", config.name);
        if config.name.is_empty()
            || !config
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(JoinError::BadName(config.name.clone()));
        }
        let urls = config.nats.join(",");
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(config.ttl)
            .connect(urls.as_str())
            .await
            .map_err(|e| JoinError::Unreachable {
                urls: urls.clone(),
                reason: e.to_string(),
            })?;
        let js = jetstream::new(client);
        let bucket = js
            .create_or_update_key_value(kv::Config {
                bucket: bucket_name.clone(),
                history: 1,
                max_age: config.ttl,
                ..Default::default()
            })
            .await
            .map_err(|e| JoinError::Bucket {
                bucket: bucket_name.clone(),
                reason: e.to_string(),
            })?;
        let me = NodeInfo {
            node_id: config.node_id,
            advertise: config.advertise.clone(),
            shard_count: config.shard_count,
        };
        let live = read_live(&bucket)
            .await
            .map_err(|reason| JoinError::Bucket {
                bucket: bucket_name.clone(),
                reason,
            })?;
        for other in live.values() {
            if other.shard_count != me.shard_count {
                return Err(JoinError::ShardCount {
                    node: other.node_id,
                    theirs: other.shard_count,
                    ours: me.shard_count,
                });
            }
            // The same id at the same address is this node's own previous
            // run, not yet expired: it may take its place.
            if other.node_id == me.node_id && other.advertise != me.advertise {
                return Err(JoinError::NodeIdTaken {
                    node: other.node_id,
                    advertise: other.advertise.clone(),
                });
            }
        }
        let key = node_key(me.node_id);
        let value = encode(&me);
        let lease = Arc::new(Lease::new(config.ttl));
        let sent = std::time::Instant::now();
        bucket
            .put(&key, value.clone())
            .await
            .map_err(|e| JoinError::Bucket {
                bucket: bucket_name.clone(),
                reason: e.to_string(),
            })?;
        lease.renew(sent);
        lease.lapsed.store(false, Ordering::Release);
        let mut first = live;
        first.insert(me.node_id, me);
        let (tx, view) = watch::channel(Arc::new(ClusterView::of(first, config.vnodes)));
        let beat = tokio::spawn(beat(
            bucket.clone(),
            key.clone(),
            value,
            config.ttl,
            config.vnodes,
            tx,
            lease.clone(),
        ));
        Ok(Membership {
            bucket,
            key,
            view,
            lease,
            beat,
        })
    }

    /// This node's lease (see [`Lease`]).
    pub fn lease(&self) -> Arc<Lease> {
        self.lease.clone()
    }

    /// The current view; `changed()` on the receiver waits for the next.
    pub fn view(&self) -> watch::Receiver<Arc<ClusterView>> {
        self.view.clone()
    }

    /// Stops the beat and removes this node from the bucket at once.
    pub async fn leave(self) -> Result<(), String> {
        self.beat.abort();
        self.bucket
            .delete(&self.key)
            .await
            .map_err(|e| e.to_string())
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.beat.abort();
    }
}

fn node_key(node: NodeId) -> String {
    format!("node_{node}")
}

fn encode(info: &NodeInfo) -> bytes::Bytes {
    // A struct of plain fields always encodes.
    bytes::Bytes::from(rmp_serde::to_vec_named(info).unwrap_or_default())
}

/// The live nodes: every entry of the bucket that decodes. An entry from a
/// different version that does not decode is skipped, not fatal.
async fn read_live(bucket: &kv::Store) -> Result<BTreeMap<NodeId, NodeInfo>, String> {
    let keys: Vec<String> = bucket
        .keys()
        .await
        .map_err(|e| e.to_string())?
        .try_collect()
        .await
        .map_err(|e| e.to_string())?;
    let mut live = BTreeMap::new();
    for key in keys {
        let value = bucket.get(key.as_str()).await.map_err(|e| e.to_string())?;
        let Some(value) = value else { continue };
        match rmp_serde::from_slice::<NodeInfo>(&value) {
            Ok(info) => {
                live.insert(info.node_id, info);
            }
            Err(e) => tracing::warn!(key, error = %e, "unreadable membership entry skipped"),
        }
    }
    Ok(live)
}

/// Every third of the TTL: renew this node's entry, re-read the bucket and
/// publish the view when the live set changed. A failed beat is logged and
/// retried on the next; if they keep failing the node expires, which is
/// right: it can no longer be reached through NATS either.
async fn beat(
    bucket: kv::Store,
    key: String,
    value: bytes::Bytes,
    ttl: Duration,
    vnodes: u16,
    view: watch::Sender<Arc<ClusterView>>,
    lease: Arc<Lease>,
) {
    let mut every = tokio::time::interval(ttl / 3);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    let mut missed: std::collections::BTreeSet<NodeId> = std::collections::BTreeSet::new();
    loop {
        every.tick().await;
        let sent = std::time::Instant::now();
        if let Err(e) = bucket.put(&key, value.clone()).await {
            tracing::warn!(error = %e, "membership heartbeat failed");
            continue;
        }
        lease.renew(sent);
        match read_live(&bucket).await {
            Ok(mut live) => {
                // A node missing from one read stays one more beat: a read
                // of the bucket under load can miss a live entry, and a
                // node dropped by mistake moves shards twice.
                let current = view.borrow().nodes.clone();
                for (id, info) in current {
                    match live.entry(id) {
                        std::collections::btree_map::Entry::Occupied(_) => {
                            missed.remove(&id);
                        }
                        std::collections::btree_map::Entry::Vacant(slot) => {
                            if missed.insert(id) {
                                slot.insert(info);
                            } else {
                                missed.remove(&id);
                            }
                        }
                    }
                }
                view.send_if_modified(|current| {
                    if current.nodes == live {
                        return false;
                    }
                    *current = Arc::new(ClusterView::of(live, vnodes));
                    true
                });
            }
            Err(e) => tracing::warn!(error = %e, "membership read failed"),
        }
    }
}
