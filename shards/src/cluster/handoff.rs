//! Taking and releasing shards as the membership view changes
//! (`docs/cluster.md`, "Taking a shard"; checked as `model/handoff.pml`).
//!
//! On every view: commands awaiting a node that left fail at once; shards
//! whose owner changed are reported (the domain closes the sockets whose
//! user lived there, so they reconnect and reattach at the new owner);
//! shards this node served and no longer owns are released; shards it owns
//! and does not serve are taken: quiesce the shard actor, discard the
//! local copy, rebuild it from the shard's log, claim, reload, serve. A
//! take that fails (another node kept appending, NATS unreachable) is
//! retried on the next tick while the view still gives the shard here.
//!
//! A node waits one heartbeat before its first takes, so nodes started
//! together see each other first. Views disagree for a moment when nodes
//! come and go, so two nodes may
//! both take a shard: the later claim wins (the fence refuses the other's
//! appends). The node that lost it also stops *reading* its copy at once:
//! every claim is announced, and every second each node checks that the
//! last record of each shard it holds is its own.

use crate::cluster::core::Cluster;
use crate::cluster::membership::ClusterView;
use crate::cluster::replication::decode_round;
use crate::cluster::shard_log::{LogEntry, LogError};
use crate::entity::Entity;
use crate::host::keyspace_name;
use crate::placement::ShardId;
use crate::router::Router;
use crate::store::{Batch, Engine};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Semaphore};

/// Shards rebuilt at once.
const PARALLEL_TAKES: usize = 4;
/// How often a failed take is tried again.
const RETRY: Duration = Duration::from_millis(500);
/// How often a node checks that no other node wrote the shards it holds.
const VERIFY: Duration = Duration::from_secs(1);
/// Keys deleted per batch when the local copy is discarded.
const WIPE_CHUNK: usize = 1024;

/// Told which shards changed owner, to close the sockets whose entities
/// lived there.
pub type MovedShards = Arc<dyn Fn(&[ShardId]) + Send + Sync>;

struct Handoff<E: Entity> {
    cluster: Arc<Cluster>,
    router: Router<E>,
    /// The engine below the logging layer: a rebuild writes what the log
    /// already holds.
    raw: Arc<dyn Engine>,
    taking: Mutex<HashSet<ShardId>>,
    /// The log sequence of this node's claim of each shard it took.
    claimed: Mutex<HashMap<ShardId, u64>>,
    limit: Semaphore,
}

/// Runs the handoff loop of this node (on the cluster's runtime) until the
/// membership ends.
pub fn start<E: Entity>(
    cluster: Arc<Cluster>,
    router: Router<E>,
    raw: Arc<dyn Engine>,
    moved: MovedShards,
) {
    router.attach_cluster(cluster.ownership.clone(), cluster.transport.clone());
    let handoff = Arc::new(Handoff {
        cluster: cluster.clone(),
        router: router.clone(),
        raw,
        taking: Mutex::new(HashSet::new()),
        claimed: Mutex::new(HashMap::new()),
        limit: Semaphore::new(PARALLEL_TAKES),
    });
    let stepped = handoff.clone();
    cluster
        .replicator
        .on_step_down(Arc::new(move |shard| stepped.step_down(shard)));
    let claimed = handoff.clone();
    cluster
        .transport
        .on_claim(Arc::new(move |shard, node, seq| {
            claimed.claimed_by(shard, node, seq)
        }));
    cluster.runtime.spawn(verify(handoff.clone()));
    if cluster.settings.snapshot_every > 0 {
        cluster.runtime.spawn(snapshot_loop(handoff.clone()));
    }
    let views = cluster.views();
    cluster.runtime.spawn(run(handoff, views, moved));
}

async fn run<E: Entity>(
    handoff: Arc<Handoff<E>>,
    mut views: watch::Receiver<Arc<ClusterView>>,
    moved: MovedShards,
) {
    let ownership = handoff.cluster.ownership.clone();
    let lease = ownership.lease().clone();
    let me = ownership.me();
    let count = ownership.shard_count();
    // Nodes started together do not see each other in their first read of
    // the membership; one beat later they do. Waiting for it spares every
    // one of them taking (and rebuilding) every shard first.
    tokio::time::sleep(handoff.cluster.settings.membership_ttl / 3).await;
    loop {
        if lease.lapsed() {
            // Paused or cut off past the lease: others may have taken and
            // written these shards. Let go of all of them; take them again
            // (from the logs, by new claims) once the lease is renewed.
            let held: Vec<ShardId> = (0..count).filter(|s| ownership.holds(*s)).collect();
            if !held.is_empty() {
                tracing::warn!(
                    shards = held.len(),
                    "membership lease lapsed; letting go of every shard"
                );
            }
            for shard in held {
                handoff.release(shard).await;
            }
            if !lease.resume() {
                tokio::select! {
                    _ = lease.lapses.notified() => {}
                    _ = tokio::time::sleep(RETRY) => {}
                }
                continue;
            }
        }
        let view = views.borrow_and_update().clone();
        let before = ownership.view();
        if !Arc::ptr_eq(&before, &view) {
            ownership.set_view(view.clone());
            for node in view.nodes.keys() {
                handoff.cluster.transport.node_seen(*node);
            }
            for node in before.nodes.keys() {
                if !view.nodes.contains_key(node) {
                    handoff.cluster.transport.node_gone(*node);
                }
            }
            let changed: Vec<ShardId> = (0..count)
                .filter(|s| before.owner(*s) != view.owner(*s))
                .collect();
            if !changed.is_empty() {
                tracing::info!(
                    nodes = ?view.nodes.keys().collect::<Vec<_>>(),
                    moved = changed.len(),
                    "cluster view changed"
                );
                moved(&changed);
            }
        }
        for shard in 0..count {
            let mine = view.owner(shard) == Some(me);
            if !mine && ownership.holds(shard) {
                handoff.release(shard).await;
            } else if mine && !ownership.holds(shard) && handoff.begin_take(shard) {
                let h = handoff.clone();
                handoff.cluster.runtime.spawn(async move {
                    let Ok(_permit) = h.limit.acquire().await else {
                        return;
                    };
                    h.take(shard).await;
                    h.end_take(shard);
                });
            }
        }
        tokio::select! {
            changed = views.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            _ = lease.lapses.notified() => {}
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
}

impl<E: Entity> Handoff<E> {
    fn begin_take(&self, shard: ShardId) -> bool {
        self.taking
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(shard)
    }

    fn end_take(&self, shard: ShardId) {
        self.taking
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&shard);
    }

    /// Stops serving `shard` (it moved): commands queued for it are
    /// answered "unavailable", its entities dropped (their devices told to
    /// reconnect).
    async fn release(&self, shard: ShardId) {
        tracing::info!(shard, "releasing shard");
        self.let_go(shard);
        self.router.reset_shard(shard).await;
    }

    /// Stops serving `shard` and ends its epoch: nothing written to the
    /// local copy from here on reaches the log.
    fn let_go(&self, shard: ShardId) {
        self.cluster.ownership.set_serving(shard, false);
        self.cluster.round_log.bump(shard);
        self.cluster.writers.remove(shard);
    }

    /// Another node announced its claim of `shard` at `seq`.
    fn claimed_by(&self, shard: ShardId, node: u16, seq: u64) {
        let mine = self
            .claimed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&shard)
            .copied();
        if self.cluster.ownership.holds(shard) && mine.is_some_and(|m| seq > m) {
            tracing::info!(
                shard,
                node,
                "another node claimed the shard; letting go of it"
            );
            self.step_down(shard);
        }
    }

    /// An append for `shard` failed, or another node claimed it: stop
    /// serving it at once. The handoff loop takes it again (from the log,
    /// discarding the local copy) if the view still gives it here.
    fn step_down(&self, shard: ShardId) {
        self.let_go(shard);
        self.cluster
            .stepped_down
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let router = self.router.clone();
        self.cluster.runtime.spawn(async move {
            router.reset_shard(shard).await;
        });
    }

    async fn take(&self, shard: ShardId) {
        let started = Instant::now();
        let me = self.cluster.ownership.me();
        self.cluster.round_log.bump(shard);
        self.router.reset_shard(shard).await;
        let keyspace = match self.raw.keyspace(&keyspace_name(shard)) {
            Ok(ks) => ks,
            Err(e) => {
                tracing::error!(shard, error = %e, "cannot open the shard's keyspace to rebuild it");
                return;
            }
        };
        if let Err(e) = wipe(keyspace.as_ref()) {
            tracing::error!(shard, error = %e, "cannot discard the shard's local copy");
            return;
        }
        let from = match self.cluster.snapshots.load(shard, keyspace.as_ref()).await {
            Ok(from) => from.unwrap_or(0),
            Err(e) => {
                // The whole log then: slower, as right.
                tracing::warn!(shard, error = %e, "the shard's snapshot is unusable; rebuilding from the whole log");
                if let Err(e) = wipe(keyspace.as_ref()) {
                    tracing::error!(shard, error = %e, "cannot discard the shard's local copy");
                    return;
                }
                0
            }
        };
        let mut records = 0u64;
        let mut failed: Option<String> = None;
        // Applying a long log is disk work: off the runtime's workers, so
        // the membership heartbeat and the transport keep their pace.
        let logs = self.cluster.logs.clone();
        let taken = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(logs.take(shard, me, from, |record| {
                if failed.is_some() {
                    return;
                }
                records += 1;
                let LogEntry::Round { body, .. } = record.entry else {
                    return;
                };
                match decode_round(&body) {
                    Ok(batches) => {
                        for batch in batches {
                            if let Err(e) = keyspace.apply(batch) {
                                failed = Some(e.to_string());
                                return;
                            }
                        }
                    }
                    Err(e) => failed = Some(format!("record {}: {e}", record.seq)),
                }
            }))
        });
        let writer = match (taken, failed) {
            (Ok(writer), None) => writer,
            (Ok(_), Some(e)) => {
                tracing::error!(shard, error = %e, "rebuilding the shard from its log failed");
                return;
            }
            (Err(LogError::Fenced { .. }), _) | (Err(LogError::Contended { .. }), _) => {
                tracing::info!(
                    shard,
                    "another node kept writing the shard; retrying the take"
                );
                return;
            }
            (Err(e), _) => {
                tracing::warn!(shard, error = %e, "taking the shard failed; retrying");
                return;
            }
        };
        if let Err(e) = self.raw.flush() {
            tracing::error!(shard, error = %e, "flushing the rebuilt shard failed");
            return;
        }
        if self.cluster.ownership.view().owner(shard) != Some(me) {
            // It moved on while it was rebuilt; the new owner's claim
            // supersedes this one.
            return;
        }
        let claim = writer.last_seq();
        if let Some(p) = self.cluster.round_log.progress(shard) {
            // Quiesced: nothing of this epoch has started yet.
            p.started.store(0, std::sync::atomic::Ordering::Release);
            p.appended.store(0, std::sync::atomic::Ordering::Release);
            p.seq.store(claim, std::sync::atomic::Ordering::Release);
            p.since_snapshot
                .store(records, std::sync::atomic::Ordering::Relaxed);
        }
        self.claimed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(shard, claim);
        self.cluster.writers.insert(shard, writer);
        self.router.reset_shard(shard).await;
        self.cluster.ownership.set_serving(shard, true);
        self.cluster.transport.announce_claim(shard, claim).await;
        self.cluster
            .record_take(shard, from, records, started.elapsed());
        tracing::info!(
            shard,
            records,
            took_ms = started.elapsed().as_millis() as u64,
            "serving shard"
        );
    }
}

/// Every [`VERIFY`]: lets go of each held shard whose last log record is
/// another node's (a claim announcement that did not arrive).
async fn verify<E: Entity>(handoff: Arc<Handoff<E>>) {
    let ownership = handoff.cluster.ownership.clone();
    let me = ownership.me();
    let mut every = tokio::time::interval(VERIFY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        for shard in 0..ownership.shard_count() {
            if !ownership.holds(shard) {
                continue;
            }
            match handoff.cluster.logs.last_writer(shard).await {
                Ok(Some((_, node))) if node != me && ownership.holds(shard) => {
                    tracing::info!(
                        shard,
                        node,
                        "the shard's log was written by another node; letting go of it"
                    );
                    handoff.step_down(shard);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(shard, error = %e, "checking the shard's log failed"),
            }
        }
    }
}

/// How often held shards are looked at for a snapshot.
const SNAPSHOT_CHECK: Duration = Duration::from_secs(1);
/// How long a snapshot waits for the batches its scan may have seen to
/// reach the log before it is dropped.
const SNAPSHOT_SETTLE: Duration = Duration::from_secs(10);

/// Snapshots every held shard whose log grew by `snapshot_every` batches
/// since its last snapshot, one shard at a time.
async fn snapshot_loop<E: Entity>(handoff: Arc<Handoff<E>>) {
    let cluster = handoff.cluster.clone();
    let every = cluster.settings.snapshot_every;
    let mut tick = tokio::time::interval(SNAPSHOT_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        for shard in 0..cluster.ownership.shard_count() {
            let due = cluster.ownership.holds(shard)
                && cluster.round_log.progress(shard).is_some_and(|p| {
                    p.since_snapshot.load(std::sync::atomic::Ordering::Relaxed) >= every
                });
            if due {
                handoff.snapshot(shard).await;
            }
        }
    }
}

impl<E: Entity> Handoff<E> {
    /// Scans `shard` and uploads it as a snapshot at the sequence of this
    /// node's last record, once every batch the scan may have seen is in
    /// the log (`snapshot.rs`); dropped if the shard moved meanwhile.
    async fn snapshot(&self, shard: ShardId) {
        use std::sync::atomic::Ordering;
        let cluster = &self.cluster;
        let Some(progress) = cluster.round_log.progress(shard) else {
            return;
        };
        let epoch = cluster.round_log.epoch(shard);
        let seq = progress.seq.load(Ordering::Acquire);
        let since = progress.since_snapshot.load(Ordering::Relaxed);
        let keyspace = match self.raw.keyspace(&keyspace_name(shard)) {
            Ok(ks) => ks,
            Err(e) => {
                tracing::warn!(shard, error = %e, "cannot open the shard to snapshot it");
                return;
            }
        };
        let staged =
            tokio::task::block_in_place(|| cluster.snapshots.stage(shard, seq, keyspace.as_ref()));
        let staged = match staged {
            Ok(path) => path,
            Err(e) => {
                tracing::warn!(shard, error = %e, "staging the shard's snapshot failed");
                return;
            }
        };
        let seen = progress.started.load(Ordering::Acquire);
        let until = Instant::now() + SNAPSHOT_SETTLE;
        let settled = loop {
            let same = cluster.round_log.epoch(shard) == epoch && cluster.ownership.holds(shard);
            if !same || Instant::now() >= until {
                break false;
            }
            if progress.appended.load(Ordering::Acquire) >= seen {
                break true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        if !settled {
            cluster.snapshots_dropped.fetch_add(1, Ordering::Relaxed);
            let _ = tokio::fs::remove_file(&staged).await;
            return;
        }
        match cluster.snapshots.upload(shard, &staged).await {
            Ok(bytes) => {
                progress.since_snapshot.fetch_sub(since, Ordering::Relaxed);
                cluster.snapshots_written.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(shard, seq, bytes, "shard snapshot written");
            }
            Err(e) => tracing::warn!(shard, error = %e, "uploading the shard's snapshot failed"),
        }
    }
}

/// Deletes every key of `keyspace`.
fn wipe(keyspace: &dyn crate::store::Keyspace) -> Result<(), crate::StoreError> {
    let end = vec![0xff; 64];
    loop {
        let entries = keyspace.range(&[], &end, WIPE_CHUNK)?;
        if entries.is_empty() {
            return Ok(());
        }
        let mut batch = Batch::default();
        for (key, _) in entries {
            batch.delete(key);
        }
        keyspace.apply(batch)?;
    }
}
