//! Starts the node's shard actors: each on one of a few arbiters, each under
//! an actix `Supervisor` that restarts it (reopening its keyspace) if it
//! stops. Also opens the engine and fixes the shard count of a data dir.

use crate::commit::{self, CommitSettings};
use crate::entity::Entity;
use crate::error::StoreError;
use crate::host::{HostSettings, ShardHost};
use crate::metrics::RuntimeMetrics;
use crate::router::Router;
use crate::store::{Batch, Engine};
use actix::prelude::*;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Key of the shard count in the `meta` keyspace.
const SHARD_COUNT_KEY: &[u8] = b"shard_count";

/// Returns the data dir's shard count, writing `configured` on first use.
/// A data dir created with another count is refused: moving entities between
/// shard counts needs an offline reshard.
pub fn fix_shard_count(engine: &dyn Engine, configured: u32) -> Result<u32, StoreError> {
    let meta = engine.keyspace("meta")?;
    if let Some(v) = meta.get(SHARD_COUNT_KEY)? {
        let stored = <[u8; 4]>::try_from(v.as_slice())
            .map(u32::from_be_bytes)
            .map_err(|_| StoreError::Codec("bad shard_count".into()))?;
        if stored != configured {
            return Err(StoreError::ShardCountMismatch { stored, configured });
        }
        return Ok(stored);
    }
    let mut b = Batch::default();
    b.put(SHARD_COUNT_KEY.to_vec(), configured.to_be_bytes().to_vec());
    meta.apply(b)?;
    engine.flush()?;
    Ok(configured)
}

/// Everything the shard layer of a node needs to start.
pub struct NodeSettings {
    pub shard_count: u32,
    /// Arbiters (OS threads) the shard actors are spread over.
    pub threads: usize,
    pub host: HostSettings,
    pub commit: CommitSettings,
    /// Encode every command, reply and notice on its way between entities
    /// (the encode-everything mode that tests the cluster's seam).
    pub encode_commands: bool,
    /// Where every round also goes before its acks (a cluster's shard
    /// logs); `None` on a single node.
    pub replicate: Option<Arc<dyn commit::Replicate>>,
}

/// The running shard layer of a node.
pub struct ShardNode<E: Entity> {
    pub router: Router<E>,
    pub metrics: Arc<RuntimeMetrics>,
    pub engine: Arc<dyn Engine>,
    arbiters: Vec<Arbiter>,
}

/// Longest wait at shutdown for shard actors still starting.
const START_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

impl<E: Entity> ShardNode<E> {
    /// Stops the shard arbiters (used at shutdown after a final flush).
    /// Shard actors still starting are waited for (within a bound): an
    /// arbiter stopped under an actor that is starting makes the actor's
    /// start fail loudly on its dying runtime.
    pub fn stop(&self) {
        let all = u64::from(self.router.shard_count());
        let until = std::time::Instant::now() + START_WAIT;
        while self.metrics.shards_started.load(Ordering::Acquire) < all
            && std::time::Instant::now() < until
        {
            std::thread::yield_now();
        }
        for a in &self.arbiters {
            a.stop();
        }
    }
}

/// Starts every shard of `settings.shard_count` on this node. Must run inside
/// an actix system.
pub fn start_node<E: Entity>(
    engine: Arc<dyn Engine>,
    settings: NodeSettings,
    env: E::Env,
) -> Result<ShardNode<E>, StoreError> {
    let metrics = Arc::new(RuntimeMetrics::default());
    let commit = commit::start(
        engine.clone(),
        settings.commit,
        metrics.clone(),
        settings.replicate.clone(),
    )
    .map_err(|e| StoreError::Engine(e.to_string()))?;
    let router = Router::<E>::new(
        settings.shard_count,
        metrics.clone(),
        settings.encode_commands,
    );
    let arbiters: Vec<Arbiter> = (0..settings.threads.max(1))
        .map(|_| Arbiter::new())
        .collect();
    let mut addrs = Vec::with_capacity(settings.shard_count as usize);
    for shard in 0..settings.shard_count {
        // Open in the caller so a storage error fails start-up loudly.
        let host = ShardHost::<E>::open(
            shard,
            engine.clone(),
            commit.clone(),
            router.clone(),
            env.clone(),
            settings.host,
            metrics.clone(),
        )?;
        let arbiter = &arbiters[shard as usize % arbiters.len()];
        addrs.push(Supervisor::start_in_arbiter(&arbiter.handle(), move |_| {
            host
        }));
    }
    router.set_shards(addrs);
    Ok(ShardNode {
        router,
        metrics,
        engine,
        arbiters,
    })
}
