//! Starts a node and its HTTP server on a listener the caller bound (so
//! tests can use port 0), plus the lean WebSocket listener if `ws.listen`
//! is set, and shuts both down in order: stop accepting, drain, flush every
//! shard.

use crate::config::Config;
use crate::node::{Node, StartError};
use crate::{rest, ws};
use actix_web::{web, App, HttpServer};
use imcloud_actors::ChatEntity;
use imcloud_shards::supervisor::ShardNode;
use imcloud_shards::Clock;
use std::net::{SocketAddr, TcpListener};

/// A started server: the HTTP server future (await it to run until
/// shutdown), its handle, and the node.
pub struct Running {
    pub server: actix_web::dev::Server,
    pub node: Node,
    pub shards: ShardNode<ChatEntity>,
    /// Credentials of the demo app if this start created it.
    pub demo_app: Option<serde_json::Value>,
    /// Where the lean WebSocket listener (`ws.listen`) is bound, if on.
    pub ws_addr: Option<SocketAddr>,
}

/// Opens the data dir, starts the shards and binds the HTTP server to
/// `listener`, on the system clock. Must run inside an actix system.
pub async fn start(listener: TcpListener, config: Config) -> Result<Running, StartError> {
    start_with_clock(listener, config, Clock::system()).await
}

/// [`start`] on `clock` (tests move a manual clock instead of waiting).
pub async fn start_with_clock(
    listener: TcpListener,
    config: Config,
    clock: Clock,
) -> Result<Running, StartError> {
    let data_dir = config.server.data_dir.clone();
    let workers = config.server.http_workers;
    let max_body = config.rest.max_body_bytes;
    // A cluster's apps are created with the operator API once its nodes
    // serve their shards; a node starting cannot write one yet.
    let create_demo = config.server.create_demo_app && !config.cluster.enabled();
    let ws_listen = config.ws.listen.clone();
    let shutdown_secs = config.server.shutdown_timeout_secs.max(1);
    let cluster = crate::cluster::connect(&config)
        .await
        .map_err(StartError::Other)?;
    let (node, shards) = Node::open(config, clock, cluster)?;
    let demo_app = if create_demo {
        node.ensure_demo_app(&data_dir)
            .await
            .map_err(StartError::Other)?
    } else {
        None
    };
    crate::retention::spawn(node.clone());
    crate::hooks::start(node.clone()).await;
    let data = web::Data::new(node.clone());
    let mut http = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(rest::trace::trace))
            .wrap(rest::cors::cors())
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(max_body))
            .configure(ws::configure)
            .configure(crate::msync::configure)
            // Before the REST routes: `/demo/…` would otherwise look like
            // an app's path (`/{org}/{app}`) to their catch-all.
            .configure(crate::web::configure)
            .configure(rest::configure)
    })
    // Graceful stops are driven by `Running::serve_until_signal`, bounded
    // by `server.shutdown_timeout_secs`.
    .disable_signals()
    .shutdown_timeout(shutdown_secs)
    // Frames are small and latency-bound: never wait to coalesce them.
    .tcp_nodelay(true)
    .listen(listener)?;
    if workers > 0 {
        http = http.workers(workers);
    }
    let ws_addr = if ws_listen.is_empty() {
        None
    } else {
        let threads = match workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let listener = TcpListener::bind(&ws_listen).map_err(|e| {
            StartError::Other(format!("cannot listen on {ws_listen} (ws.listen): {e}"))
        })?;
        Some(ws::lean::start(listener, node.clone(), threads)?.addr)
    };
    Ok(Running {
        server: http.run(),
        node,
        shards,
        demo_app,
        ws_addr,
    })
}

impl Running {
    /// Runs until SIGTERM or Ctrl-C, then stops gracefully (see
    /// [`crate::shutdown`]): drain, close sockets, finish requests in
    /// flight, flush every shard; at most `server.shutdown_timeout_secs`.
    pub async fn serve_until_signal(self) -> std::io::Result<()> {
        let Running {
            server,
            node,
            shards,
            ..
        } = self;
        let handle = server.handle();
        let mut server = std::pin::pin!(server);
        let result = tokio::select! {
            r = &mut server => r,
            _ = crate::shutdown::signal() => {
                let cfg = &node.config.server;
                let bound = std::time::Duration::from_secs(cfg.shutdown_timeout_secs.max(1));
                let drain = std::time::Duration::from_millis(cfg.shutdown_drain_ms);
                let stopping = async {
                    tracing::info!("stopping: draining (readyz unready, new work refused)");
                    node.shutdown.begin_drain();
                    tokio::time::sleep(drain.min(bound)).await;
                    tracing::info!("stopping: closing sockets and finishing requests in flight");
                    node.shutdown.close_sockets();
                    // The server future runs the stop: poll both.
                    let (_, served) = futures_util::future::join(handle.stop(true), &mut server).await;
                    served
                };
                match tokio::time::timeout(bound, stopping).await {
                    Ok(r) => r,
                    Err(_) => {
                        tracing::warn!("stopping: past shutdown_timeout_secs, the rest is cut off");
                        Ok(())
                    }
                }
            }
        };
        if let Err(e) = node.flush() {
            tracing::error!(error = %e, "final flush failed");
        }
        if let Some(cluster) = &node.cluster {
            // The other nodes take this node's shards now, not after the
            // membership TTL.
            cluster.leave().await;
        }
        shards.stop();
        tracing::info!("imcloud stopped");
        result
    }

    /// Runs until the server stops (SIGINT/SIGTERM or a handle's `stop`),
    /// then flushes every shard.
    pub async fn run_to_end(self) -> std::io::Result<()> {
        let Running {
            server,
            node,
            shards,
            ..
        } = self;
        let result = server.await;
        if let Err(e) = node.flush() {
            tracing::error!(error = %e, "final flush failed");
        }
        shards.stop();
        tracing::info!("imcloud stopped");
        result
    }
}
