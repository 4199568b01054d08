//! Graceful shutdown. On SIGTERM or Ctrl-C the node first *drains*:
//! `/readyz` answers 503 so a load balancer stops sending, and new REST
//! calls and logins are refused with a clear code. After
//! `server.shutdown_drain_ms` it *closes*: every socket stops reading,
//! finishes the requests it already read (their acks mean what they always
//! mean), and closes with 1012 (service restart: reconnect, to this node
//! once it is back or to another); the HTTP server stops accepting and
//! finishes its requests in flight. Then every shard is flushed and the
//! process exits, all within `server.shutdown_timeout_secs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// WebSocket close code of a node going down: reconnect (RFC 6455's
/// "Service Restart").
pub const CLOSE_SERVICE_RESTART: u16 = 1012;

/// The node's shutdown state, shared by every socket and REST call.
#[derive(Clone)]
pub struct Shutdown {
    draining: Arc<AtomicBool>,
    closing: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown {
            draining: Arc::default(),
            closing: Arc::new(watch::Sender::new(false)),
        }
    }
}

impl Shutdown {
    /// Whether the node is going down: no new work is taken.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    pub fn begin_drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Tells every socket to finish and close.
    pub fn close_sockets(&self) {
        self.begin_drain();
        self.closing.send_replace(true);
    }

    /// Resolves once sockets are to close (at once if they already are).
    pub fn sockets_closing(&self) -> impl std::future::Future<Output = ()> + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            // An error means the sender is gone: the node is going anyway.
            let _ = rx.wait_for(|closing| *closing).await;
        }
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C only");
                // No SIGINT handler either: nothing ends the wait.
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
