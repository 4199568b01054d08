//! The client protocol over WebSocket (`GET /ws`), per `docs/protocol.md`.
//!
//! - [`codec`]: frames ⇄ requests and replies (JSON text frames or
//!   MessagePack binary frames); [`push_frames`]: the pushes.
//! - [`frames`]: the typed requests, one `Op` variant per operation.
//! - [`session`]: the task that owns one socket: auth deadline, heartbeats,
//!   in-flight requests, pushes from the user's entity, backpressure.
//! - [`ops`]: the operations, thin calls into the device layer.
//! - [`transport`]: the seam between the session and a WebSocket library.
//! - [`lean`]: the optional second listener (`ws.listen`) serving `/ws` on
//!   tokio-tungstenite with small buffers, for many idle sockets.
//!
//! This is an adapter over the protocol-neutral device layer
//! (`crate::device`): it decodes, dispatches and encodes, and keeps no chat
//! state; delivery state (timelines, cursors, acks) lives in the entities,
//! so a second protocol (Easemob's binary one) is a second adapter.

pub mod codec;
pub mod frames;
pub mod lean;
pub mod ops;
pub mod push_frames;
pub mod session;
pub mod transport;

use crate::node::Node;
use crate::routes::Register as _;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/ws", upgrade);
}

async fn upgrade(
    req: HttpRequest,
    body: web::Payload,
    node: web::Data<Node>,
) -> actix_web::Result<HttpResponse> {
    let (response, socket, stream) = actix_ws::handle(&req, body)?;
    let max = node.config.ws.max_frame_bytes;
    let stream = stream
        .max_frame_size(max)
        .aggregate_continuations()
        .max_continuation_size(max);
    let socket = transport::ActixSocket {
        session: socket,
        stream,
    };
    actix_web::rt::spawn(session::run(socket, node.get_ref().clone()));
    Ok(response)
}
