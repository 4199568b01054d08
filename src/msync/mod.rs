//! msync: the binary protocol of Easemob's Web SDK (`easemob-websdk`),
//! served on `GET /websocket`, so apps built on that SDK work against
//! imcloud unchanged (`docs/websdk.md`). A second adapter over the device
//! layer (`crate::device`), beside `/ws`: it decodes frames, calls the
//! device layer and encodes the answers and pushes; the delivery cursors
//! an msync client leaves to the server live in the user's entity.
//!
//! - [`proto`]: the protobuf messages (prost), tags as the SDK's schema.
//! - [`body`]: message bodies and `ext` between msync and imcloud.
//! - [`frames`]: the frames the server writes.
//! - [`muc`]: group and chatroom events as MUC metas.
//! - [`notify`]: presence changes as NOTIFY metas (JSON).
//! - [`status`]: imcloud's errors as msync statuses and reason strings.
//! - [`queue`]: queues, pulls after the server-kept cursors, UNREAD.
//! - [`conn`]: one connection's state and what each frame and push does.
//! - [`session`]: the socket loop (deadlines, heartbeats, in-flight
//!   limits, pushes, backpressure), over `ws::transport`.

pub mod body;
pub mod conn;
pub mod frames;
pub mod muc;
pub mod notify;
pub mod proto;
pub mod queue;
pub mod session;
pub mod status;

use crate::node::Node;
use crate::routes::Register as _;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/websocket", upgrade);
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
    let socket = crate::ws::transport::ActixSocket {
        session: socket,
        stream,
    };
    actix_web::rt::spawn(session::run(socket, node.get_ref().clone()));
    Ok(response)
}
