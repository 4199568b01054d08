//! `Node`: the running domain of this process, as the gateway sees it. Opens
//! the store, starts the shard actors and wraps the router in typed async
//! calls ([`Node::ask`]) that turn lost replies and timeouts into domain
//! errors.

use crate::apps::AppDirectory;
use crate::auth::password::PasswordHasher;
use crate::config::Config;
use crate::config::EngineKind;
use crate::guard::Guard;
use imcloud_actors::{ChatEntity, Command, DomainEnv, DomainError, Request, Router};
use imcloud_shards::commit::CommitSettings;
use imcloud_shards::host::HostSettings;
use imcloud_shards::metrics::RuntimeMetrics;
use imcloud_shards::store::{Engine, FjallEngine, SledEngine};
use imcloud_shards::supervisor::{fix_shard_count, start_node, NodeSettings, ShardNode};
use imcloud_shards::{Clock, EntityKey, StoreError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Shared by every HTTP worker and socket. Cheap to clone.
#[derive(Clone)]
pub struct Node {
    pub router: Router,
    pub env: DomainEnv,
    /// Wall-clock time of the whole node (the domain's too).
    pub clock: Clock,
    pub config: Arc<Config>,
    pub apps: AppDirectory,
    /// The apps' compiled sensitive words.
    pub words: crate::words::WordCache,
    /// Draining and closing when the process is told to stop.
    pub shutdown: crate::shutdown::Shutdown,
    pub passwords: PasswordHasher,
    pub runtime: Arc<RuntimeMetrics>,
    pub gateway: Arc<crate::metrics::GatewayMetrics>,
    /// Admission, rate limits and allow-lists (`src/guard/`).
    pub guard: Arc<Guard>,
    /// Callbacks: the HTTP client, lane counters, pre-send stats.
    pub hooks: Arc<crate::hooks::Hooks>,
    /// Cluster mode's pieces (`None` on a single node).
    pub cluster: Option<Arc<imcloud_shards::cluster::Cluster>>,
    engine: Arc<dyn Engine>,
    request_timeout: Duration,
}

/// Why the node could not start; printed as one line.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

fn threads(configured: usize) -> usize {
    if configured > 0 {
        configured
    } else {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    }
}

/// Name of the file that records which engine a data dir was created with.
const ENGINE_MARKER: &str = "ENGINE";

fn engine_name(kind: EngineKind) -> &'static str {
    match kind {
        EngineKind::Sled => "sled",
        EngineKind::Fjall => "fjall",
    }
}

/// A data dir belongs to the engine that created it: opening it with the
/// other one would start on an empty store beside the real data. Data dirs
/// from before the marker existed hold sled's `db/`.
fn check_engine(dir: &std::path::Path, configured: EngineKind) -> Result<(), StartError> {
    let marker = dir.join(ENGINE_MARKER);
    let recorded = match std::fs::read_to_string(&marker) {
        Ok(s) => Some(s.trim().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            dir.join("db").exists().then(|| "sled".to_string())
        }
        Err(e) => return Err(e.into()),
    };
    let wanted = engine_name(configured);
    match recorded {
        Some(r) if r == wanted => Ok(()),
        Some(r) => Err(StartError::Other(format!(
            "data dir {} was created with storage engine \"{r}\"; set storage.engine = \"{r}\" (config is \"{wanted}\")",
            dir.display()
        ))),
        None => Ok(std::fs::write(&marker, format!("{wanted}\n"))?),
    }
}

impl Node {
    /// Opens the data dir and starts the shards on `clock`, as a member of
    /// `cluster` if set (`crate::cluster::connect`). Must run inside an
    /// actix system.
    pub fn open(
        config: Config,
        clock: Clock,
        cluster: Option<Arc<imcloud_shards::cluster::Cluster>>,
    ) -> Result<(Node, ShardNode<ChatEntity>), StartError> {
        std::fs::create_dir_all(&config.server.data_dir)?;
        let cache = config.storage.cache_mb * 1024 * 1024;
        let dir = &config.server.data_dir;
        check_engine(dir, config.storage.engine)?;
        let engine: Arc<dyn Engine> = match config.storage.engine {
            EngineKind::Sled => Arc::new(SledEngine::open(dir, cache)?),
            EngineKind::Fjall => Arc::new(FjallEngine::open(dir, cache)?),
        };
        let shard_count = fix_shard_count(engine.as_ref(), config.storage.shard_count)?;
        let env = DomainEnv::new(
            config.server.node_id,
            config.limits,
            clock.clone(),
            config.shards.encode_commands,
        );
        let settings = NodeSettings {
            shard_count,
            threads: threads(config.shards.threads),
            host: HostSettings {
                mailbox: config.shards.mailbox,
                idle_timeout: Duration::from_secs(config.shards.idle_timeout_secs.max(1)),
            },
            commit: CommitSettings {
                durability: config.storage.durability,
                window: Duration::from_micros(config.storage.commit_window_us),
                max_batch: config.storage.commit_max_batch.max(1),
                queue: config.storage.commit_queue,
            },
            encode_commands: config.shards.encode_commands,
            replicate: cluster.as_ref().map(|c| {
                let r: Arc<dyn imcloud_shards::commit::Replicate> = c.replicator.clone();
                r
            }),
        };
        // In a cluster the shards write through the logging layer; the
        // handoff rebuilds through the raw engine.
        let shard_engine = match &cluster {
            Some(c) => c.logged_engine(engine.clone()),
            None => engine.clone(),
        };
        let shards = start_node::<ChatEntity>(shard_engine, settings, env.clone())?;
        if let Some(c) = &cluster {
            crate::cluster::start(c, &shards.router, &env, engine.clone());
        }
        let apps = AppDirectory::watching(&env.app_changes);
        let gateway = Arc::<crate::metrics::GatewayMetrics>::default();
        let guard = Arc::new(Guard::new(&config, clock.clone(), gateway.clone()));
        let hooks = Arc::new(crate::hooks::Hooks::new().map_err(StartError::Other)?);
        let node = Node {
            router: shards.router.clone(),
            env,
            clock,
            apps,
            words: Default::default(),
            shutdown: Default::default(),
            passwords: PasswordHasher::new(&config.auth).map_err(StartError::Other)?,
            request_timeout: Duration::from_secs(config.server.request_timeout_secs.max(1)),
            config: Arc::new(config),
            runtime: shards.metrics.clone(),
            gateway,
            guard,
            hooks,
            cluster,
            engine,
        };
        Ok((node, shards))
    }

    /// Sends `req` to entity `key` now and waits for its answer (within
    /// the request timeout). The request leaves before this future is
    /// polled, so requests made one after another arrive in that order.
    pub fn ask<R: Request>(
        &self,
        key: EntityKey,
        req: R,
    ) -> impl Future<Output = Result<R::Reply, DomainError>> + Send + 'static {
        let answer = self.router.ask::<R::Reply>(key, req.into());
        self.within_timeout(answer)
    }

    /// Sends `cmd` to entity `key` with no answer expected; a full mailbox
    /// or a stopped shard is the error.
    pub fn tell(&self, key: EntityKey, cmd: impl Into<Command>) -> Result<(), DomainError> {
        self.router.tell(key, cmd.into()).map_err(DomainError::from)
    }

    /// `answer` within the request timeout: after it, `Timeout` (the
    /// request may still complete).
    pub fn within_timeout<T>(
        &self,
        answer: impl Future<Output = Result<T, DomainError>> + Send + 'static,
    ) -> impl Future<Output = Result<T, DomainError>> + Send + 'static {
        let timeout = self.request_timeout;
        async move {
            match tokio::time::timeout(timeout, answer).await {
                Ok(result) => result,
                Err(_) => Err(DomainError::Timeout),
            }
        }
    }

    /// The number of shards (ids `0..shard_count`).
    pub fn shard_count(&self) -> u32 {
        self.router.shard_count()
    }

    /// One shard's answer to `query`.
    pub async fn ask_shard<R, T>(&self, shard: u32, query: R) -> Result<T, DomainError>
    where
        R: Request<Reply = T>,
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        self.within_timeout(self.router.query_shard::<T>(shard, query.into()))
            .await
    }

    /// Every shard's rows for the query `query` makes, in no particular
    /// order; the first failure fails the whole (for app-wide indexes split
    /// across shards).
    pub async fn ask_every_shard<R, T>(&self, query: impl Fn() -> R) -> Result<Vec<T>, DomainError>
    where
        R: Request<Reply = Vec<T>>,
        T: serde::de::DeserializeOwned + Send + 'static,
    {
        let waits: Vec<_> = (0..self.router.shard_count())
            .map(|shard| {
                let answer = self.router.query_shard::<Vec<T>>(shard, query().into());
                self.within_timeout(answer)
            })
            .collect();
        let mut rows = Vec::new();
        for r in futures_util::future::join_all(waits).await {
            rows.extend(r?);
        }
        Ok(rows)
    }

    /// Resolves once this node serves every shard its cluster view gives
    /// it (at once on a single node); polled, as readiness has no event.
    pub async fn serving_its_shards(&self) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        while !cluster.ownership.is_ready() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Makes every applied write durable (shutdown).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.engine.flush()
    }

    pub fn engine(&self) -> &Arc<dyn Engine> {
        &self.engine
    }
}
