//! A cluster node's pieces, joined: its NATS transport, its membership,
//! the shard logs, which shards it serves, and the replicator the group
//! commit hands each round to. Everything runs on a small Tokio runtime of
//! its own, so the NATS clients and the handoff never wait behind the
//! HTTP workers or the shard actors.

use crate::cluster::membership::{ClusterView, Membership, MembershipConfig};
use crate::cluster::ownership::Ownership;
use crate::cluster::replication::{LoggedEngine, Replicator, RoundLog, Writers};
use crate::cluster::shard_log::{LogConfig, ShardLogs};
use crate::cluster::snapshot::Snapshots;
use crate::cluster::transport::Transport;
use crate::placement::ShardId;
use crate::ring::NodeId;
use crate::store::Engine;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How a node joins its cluster.
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    pub nats: Vec<String>,
    /// Prefix of every subject, stream and bucket.
    pub name: String,
    pub node_id: NodeId,
    /// Where clients and other nodes reach this node.
    pub advertise: String,
    pub shard_count: u32,
    /// How long a silent node stays a member.
    pub membership_ttl: Duration,
    pub vnodes: u16,
    pub shards_per_stream: u32,
    /// NATS servers holding each log record.
    pub replicas: usize,
    /// How long a command sent to another node waits for its answer.
    pub answer_within: Duration,
    /// A held shard is snapshotted once this many batches reached its log
    /// since its last snapshot (0: never).
    pub snapshot_every: u64,
    /// Where snapshots are staged before upload.
    pub staging: std::path::PathBuf,
}

/// One shard's last take, for `/cluster`.
#[derive(Debug, Clone, Serialize)]
pub struct TakeRecord {
    pub shard: ShardId,
    /// The log sequence of the snapshot it started from (0: none).
    pub from_snapshot: u64,
    pub records: u64,
    pub millis: u64,
}

/// A running cluster node.
pub struct Cluster {
    pub settings: ClusterSettings,
    pub transport: Arc<Transport>,
    pub logs: ShardLogs,
    pub snapshots: Snapshots,
    pub ownership: Arc<Ownership>,
    pub replicator: Arc<Replicator>,
    pub(crate) round_log: Arc<RoundLog>,
    pub(crate) writers: Arc<Writers>,
    pub runtime: tokio::runtime::Handle,
    membership: Mutex<Option<Membership>>,
    views: watch::Receiver<Arc<ClusterView>>,
    takes: Mutex<Vec<TakeRecord>>,
    /// Times this node stepped down from a shard after a failed append.
    pub stepped_down: AtomicU64,
    /// Snapshots this node uploaded, and those it dropped unfinished.
    pub snapshots_written: AtomicU64,
    pub snapshots_dropped: AtomicU64,
}

/// The cluster's own runtime. Made once per process and never dropped:
/// a Tokio runtime may not be dropped from inside another one (the actix
/// system's), and the cluster lives as long as the process.
fn runtime() -> Result<tokio::runtime::Handle, String> {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt.handle().clone());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("imcloud-cluster")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the cluster runtime: {e}"))?;
    Ok(RUNTIME.get_or_init(|| rt).handle().clone())
}

impl Cluster {
    /// Connects to NATS, opens the shard logs, starts the transport and
    /// joins the membership. Serves nothing until [`handoff::start`]
    /// (crate::cluster::handoff::start).
    pub async fn connect(settings: ClusterSettings) -> Result<Arc<Cluster>, String> {
        let rt = runtime()?;
        let on_rt = rt.clone();
        rt.spawn(async move { Self::connect_on(settings, on_rt).await })
            .await
            .map_err(|e| format!("cluster start-up failed: {e}"))?
    }

    async fn connect_on(
        settings: ClusterSettings,
        runtime: tokio::runtime::Handle,
    ) -> Result<Arc<Cluster>, String> {
        let logs = ShardLogs::connect(
            &settings.nats,
            LogConfig {
                name: settings.name.clone(),
                shard_count: settings.shard_count,
                shards_per_stream: settings.shards_per_stream,
                replicas: settings.replicas,
                max_age: Duration::ZERO,
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        let snapshots = Snapshots::open(
            logs.context(),
            &settings.name,
            settings.replicas,
            settings.staging.clone(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let transport = Transport::start(
            &settings.nats,
            &settings.name,
            settings.node_id,
            settings.answer_within,
        )
        .await?;
        let membership = Membership::join(MembershipConfig {
            nats: settings.nats.clone(),
            name: settings.name.clone(),
            node_id: settings.node_id,
            advertise: settings.advertise.clone(),
            shard_count: settings.shard_count,
            ttl: settings.membership_ttl,
            vnodes: settings.vnodes,
        })
        .await
        .map_err(|e| e.to_string())?;
        let views = membership.view();
        // The first view goes through the handoff loop like every other, so
        // the ownership starts from an empty ring: nothing is served yet.
        let empty = Arc::new(ClusterView::empty(settings.vnodes));
        let ownership = Arc::new(Ownership::new(
            settings.node_id,
            settings.shard_count,
            empty,
            membership.lease(),
        ));
        let round_log = Arc::new(RoundLog::new(settings.shard_count));
        let writers = Arc::new(Writers::default());
        let replicator = Arc::new(Replicator::new(
            round_log.clone(),
            writers.clone(),
            runtime.clone(),
        ));
        Ok(Arc::new(Cluster {
            settings,
            transport,
            logs,
            snapshots,
            ownership,
            replicator,
            round_log,
            writers,
            runtime,
            membership: Mutex::new(Some(membership)),
            views,
            takes: Mutex::new(Vec::new()),
            stepped_down: AtomicU64::new(0),
            snapshots_written: AtomicU64::new(0),
            snapshots_dropped: AtomicU64::new(0),
        }))
    }

    /// `raw` with every shard write recorded for the shard logs.
    pub fn logged_engine(&self, raw: Arc<dyn Engine>) -> Arc<dyn Engine> {
        Arc::new(LoggedEngine::new(raw, self.round_log.clone()))
    }

    pub(crate) fn views(&self) -> watch::Receiver<Arc<ClusterView>> {
        self.views.clone()
    }

    pub(crate) fn record_take(
        &self,
        shard: ShardId,
        from_snapshot: u64,
        records: u64,
        took: Duration,
    ) {
        let mut takes = self.takes.lock().unwrap_or_else(|p| p.into_inner());
        takes.retain(|t| t.shard != shard);
        takes.push(TakeRecord {
            shard,
            from_snapshot,
            records,
            millis: took.as_millis() as u64,
        });
    }

    /// The last take of every shard this node took.
    pub fn takes(&self) -> Vec<TakeRecord> {
        self.takes.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Leaves the membership at once (graceful stop), so other nodes take
    /// this node's shards without waiting for its entry to expire.
    pub async fn leave(&self) {
        let membership = self
            .membership
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(m) = membership {
            let left = match self.runtime.spawn(async move { m.leave().await }).await {
                Ok(left) => left,
                Err(e) => Err(e.to_string()),
            };
            if let Err(e) = left {
                tracing::warn!(error = %e, "leaving the cluster failed; the node expires instead");
            }
        }
    }

    pub fn appended_rounds(&self) -> u64 {
        self.replicator.rounds.load(Ordering::Relaxed)
    }
}
