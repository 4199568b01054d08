//! The router: sends a command to the shard actor that owns its entity.
//! Today every shard is local; the cluster issue adds remote shards behind
//! the same `send`.

use crate::entity::Entity;
use crate::error::ShardError;
use crate::host::{Deliver, ShardHost};
use crate::key::EntityKey;
use crate::metrics::RuntimeMetrics;
use crate::placement::{shard_of, ShardId};
use actix::prelude::*;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

/// Typed handle to every shard. Cheap to clone.
pub struct Router<E: Entity> {
    inner: Arc<RouterInner<E>>,
}

struct RouterInner<E: Entity> {
    shard_count: u32,
    shards: OnceLock<Vec<Addr<ShardHost<E>>>>,
    metrics: Arc<RuntimeMetrics>,
}

impl<E: Entity> Clone for Router<E> {
    fn clone(&self) -> Self {
        Router {
            inner: self.inner.clone(),
        }
    }
}

impl<E: Entity> Router<E> {
    pub(crate) fn new(shard_count: u32, metrics: Arc<RuntimeMetrics>) -> Self {
        Router {
            inner: Arc::new(RouterInner {
                shard_count,
                shards: OnceLock::new(),
                metrics,
            }),
        }
    }

    pub(crate) fn set_shards(&self, shards: Vec<Addr<ShardHost<E>>>) {
        // Called once by the supervisor right after it started the shards;
        // a second call would be a bug in start-up and is ignored.
        let _ = self.inner.shards.set(shards);
    }

    pub fn shard_count(&self) -> u32 {
        self.inner.shard_count
    }

    pub fn shard_of(&self, key: &EntityKey) -> ShardId {
        shard_of(key, self.inner.shard_count)
    }

    pub fn metrics(&self) -> &Arc<RuntimeMetrics> {
        &self.inner.metrics
    }

    /// Hands `cmd` to the entity `key`. Never blocks: when the shard's
    /// mailbox is full or the shard is gone, the command is answered with
    /// the error through [`Entity::reject`] and the error is returned too.
    pub fn send(&self, key: EntityKey, cmd: E::Command) -> Result<(), ShardError> {
        let shard = self.shard_of(&key);
        self.deliver(shard, Deliver::Entity { key, cmd })
    }

    /// Hands `cmd` to shard `shard` itself, not to an entity: for queries
    /// over a whole shard (app-wide listings), see [`Entity::query`].
    pub fn query_shard(&self, shard: ShardId, cmd: E::Command) -> Result<(), ShardError> {
        self.deliver(shard, Deliver::Shard { cmd })
    }

    /// Hands one fan-out notice to shard `shard`, for those of `keys` that
    /// are active there (see [`Entity::notify`]). One call is one batch,
    /// whatever the number of keys; counted in `fanout_batches`. A notice
    /// refused by a full mailbox is dropped (its entities' devices catch up
    /// by sync) and the error returned.
    pub fn notify_shard(
        &self,
        shard: ShardId,
        keys: Arc<[EntityKey]>,
        notice: Arc<E::Notice>,
    ) -> Result<(), ShardError> {
        self.inner
            .metrics
            .fanout_batches
            .fetch_add(1, Ordering::Relaxed);
        self.deliver(shard, Deliver::Notify { keys, notice })
    }

    fn deliver(&self, shard: ShardId, msg: Deliver<E>) -> Result<(), ShardError> {
        let Some(addr) = self.inner.shards.get().and_then(|s| s.get(shard as usize)) else {
            reject(msg, ShardError::Unavailable);
            return Err(ShardError::Unavailable);
        };
        match addr.try_send(msg) {
            Ok(()) => Ok(()),
            Err(SendError::Full(d)) => {
                self.inner
                    .metrics
                    .mailbox_full
                    .fetch_add(1, Ordering::Relaxed);
                reject(d, ShardError::Busy);
                Err(ShardError::Busy)
            }
            Err(SendError::Closed(d)) => {
                reject(d, ShardError::Unavailable);
                Err(ShardError::Unavailable)
            }
        }
    }
}

fn reject<E: Entity>(msg: Deliver<E>, err: ShardError) {
    if let Some(cmd) = msg.into_cmd() {
        E::reject(cmd, err);
    }
}
