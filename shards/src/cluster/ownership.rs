//! Which node serves each shard, as this node sees it: the ring of its
//! current membership view, and which of the shards the ring gives this
//! node it has taken (caught up on and claimed, `handoff.rs`). The router
//! asks it where each command goes. A node serves the shards it holds only
//! while its membership lease is valid.

use crate::cluster::membership::{ClusterView, Lease};
use crate::placement::ShardId;
use crate::ring::NodeId;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// Where a command for a shard goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// This node serves the shard.
    Local,
    /// The shard is another node's.
    Remote(NodeId),
    /// The shard is this node's but not taken yet, or no node is live: the
    /// caller may retry.
    Unavailable,
}

/// This node's view of shard ownership.
pub struct Ownership {
    me: NodeId,
    view: RwLock<Arc<ClusterView>>,
    held: Vec<AtomicBool>,
    lease: Arc<Lease>,
}

impl Ownership {
    pub fn new(
        me: NodeId,
        shard_count: u32,
        view: Arc<ClusterView>,
        lease: Arc<Lease>,
    ) -> Ownership {
        Ownership {
            me,
            view: RwLock::new(view),
            held: (0..shard_count).map(|_| AtomicBool::new(false)).collect(),
            lease,
        }
    }

    pub fn lease(&self) -> &Arc<Lease> {
        &self.lease
    }

    pub fn me(&self) -> NodeId {
        self.me
    }

    pub fn shard_count(&self) -> u32 {
        self.held.len() as u32
    }

    pub fn view(&self) -> Arc<ClusterView> {
        self.view.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn set_view(&self, view: Arc<ClusterView>) {
        *self.view.write().unwrap_or_else(|p| p.into_inner()) = view;
    }

    /// Where a command for `shard` goes now.
    pub fn route(&self, shard: ShardId) -> Route {
        // Every command passes here: read under the lock, no Arc clone.
        let owner = self
            .view
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .owner(shard);
        match owner {
            Some(n) if n == self.me => {
                if self.is_serving(shard) {
                    Route::Local
                } else {
                    Route::Unavailable
                }
            }
            Some(n) => Route::Remote(n),
            None => Route::Unavailable,
        }
    }

    /// Whether this node serves `shard` now: it holds it and its lease is
    /// valid.
    pub fn is_serving(&self, shard: ShardId) -> bool {
        self.holds(shard) && self.lease.is_valid()
    }

    /// Whether this node took `shard` and has not let go of it (whatever
    /// its lease).
    pub fn holds(&self, shard: ShardId) -> bool {
        self.held
            .get(shard as usize)
            .is_some_and(|s| s.load(Ordering::Acquire))
    }

    pub(crate) fn set_serving(&self, shard: ShardId, serving: bool) {
        if let Some(s) = self.held.get(shard as usize) {
            s.store(serving, Ordering::Release);
        }
    }

    /// The shards this node serves.
    pub fn served(&self) -> Vec<ShardId> {
        (0..self.shard_count())
            .filter(|s| self.is_serving(*s))
            .collect()
    }

    /// Whether this node serves every shard its view gives it (and the view
    /// has this node in it).
    pub fn is_ready(&self) -> bool {
        let view = self.view();
        view.nodes.contains_key(&self.me)
            && (0..self.shard_count())
                .filter(|s| view.owner(*s) == Some(self.me))
                .all(|s| self.is_serving(s))
    }
}
