//! The lean WebSocket listener (`ws.listen`): `GET /ws` with the same
//! protocol as on the HTTP port, served by tokio-tungstenite instead of
//! actix-http. An upgraded actix-http connection keeps its HTTP/1 read and
//! write buffers (8 KiB each, fixed in actix-http) for the life of the
//! socket; here the read buffer is [`READ_BUFFER`] bytes and grows only for a
//! frame that needs it, and writes go straight to the socket.
//!
//! One accept loop per thread (an actix arbiter each, `server.http_workers`
//! of them), all on clones of the one listener; each socket stays on the
//! thread that accepted it. The arbiters stop with the actix system.

use super::session;
use crate::node::Node;
use actix_rt::Arbiter;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;
use ws_lean::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use ws_lean::tungstenite::http::StatusCode;
use ws_lean::tungstenite::protocol::WebSocketConfig;

/// Initial read buffer per socket, bytes (frames of idle chat sockets are
/// pings and small requests).
pub const READ_BUFFER: usize = 512;

/// The running listener.
pub struct LeanListener {
    /// The address it is bound to (port 0 resolved).
    pub addr: SocketAddr,
}

/// Serves `/ws` on `listener` from `threads` new arbiters. Must run inside
/// an actix system.
pub fn start(listener: TcpListener, node: Node, threads: usize) -> std::io::Result<LeanListener> {
    let addr = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    for _ in 0..threads.max(1) {
        let listener = listener.try_clone()?;
        let node = node.clone();
        let arbiter = Arbiter::new();
        arbiter.spawn_fn(move || match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => {
                actix_rt::spawn(accept_loop(listener, node));
            }
            Err(e) => tracing::error!(error = %e, "ws listener cannot start"),
        });
    }
    tracing::info!(%addr, "lean websocket listener");
    Ok(LeanListener { addr })
}

async fn accept_loop(listener: tokio::net::TcpListener, node: Node) {
    let mut closing = std::pin::pin!(node.shutdown.sockets_closing());
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            // The node is going down: no new sockets.
            _ = &mut closing => return,
        };
        match accepted {
            Ok((tcp, _)) => {
                // Frames are small and latency-bound, as on the HTTP port.
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "set_nodelay failed");
                }
                actix_rt::spawn(serve(tcp, node.clone()));
            }
            Err(e) => {
                // Out of file descriptors or similar: back off, keep going.
                tracing::warn!(error = %e, "ws accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn serve(tcp: tokio::net::TcpStream, node: Node) {
    let cfg = &node.config.ws;
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(Some(cfg.max_frame_bytes))
        .max_frame_size(Some(cfg.max_frame_bytes));
    let deadline = Duration::from_secs(cfg.auth_timeout_secs);
    let handshake = ws_lean::accept_hdr_async_with_config(tcp, only_ws_path, Some(config));
    match tokio::time::timeout(deadline, handshake).await {
        Ok(Ok(socket)) => session::run(socket, node).await,
        Ok(Err(e)) => tracing::debug!(error = %e, "ws handshake failed"),
        Err(_) => tracing::debug!("ws handshake timed out"),
    }
}

/// Accepts the upgrade on `/ws` only.
#[allow(clippy::result_large_err)] // the signature tungstenite asks for
fn only_ws_path(req: &Request, resp: Response) -> Result<Response, ErrorResponse> {
    if req.uri().path() == "/ws" {
        return Ok(resp);
    }
    let mut not_found = ErrorResponse::new(Some("not found".into()));
    *not_found.status_mut() = StatusCode::NOT_FOUND;
    Err(not_found)
}
