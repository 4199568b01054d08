//! One file per client operation, dispatched from [`dispatch`]. An op either
//! answers at once or returns a future that completes with its reply (a
//! send waits for its durable ack without blocking the socket's other
//! requests).

mod auth;
mod chatroom;
mod group;
mod send;
mod sync;

use super::codec::{self, Encoding, Request};
use super::session::SocketState;
use crate::error::ApiError;
use futures_util::future::LocalBoxFuture;
use imcloud_actors::DomainError;
use serde_json::{Map, Value};
use std::sync::atomic::Ordering;

/// A reply frame and the encoding to write it in.
pub type Frame = (Value, Encoding);
/// A reply still on its way.
pub type OpFuture = LocalBoxFuture<'static, Frame>;

pub enum Dispatch {
    Done(Frame),
    Later(OpFuture),
}

/// The result of an op: its reply fields or an error.
pub type OpResult = Result<Map<String, Value>, ApiError>;

fn finish(id: Value, enc: Encoding, result: OpResult, state: &SocketState) -> Frame {
    match result {
        Ok(fields) => (codec::ok_reply(id, fields), enc),
        Err(e) => {
            state
                .node
                .gateway
                .client_errors
                .fetch_add(1, Ordering::Relaxed);
            (codec::error_reply(id, &e), enc)
        }
    }
}

/// Parses an op's arguments into its typed request.
pub fn args<T: serde::de::DeserializeOwned>(args: Value) -> Result<T, ApiError> {
    serde_json::from_value(args)
        .map_err(|e| ApiError::Domain(DomainError::InvalidArgument(e.to_string())))
}

/// A reply that completes later; its error, like an immediate one, is
/// counted in `client_errors`.
fn later(
    state: &SocketState,
    id: Value,
    enc: Encoding,
    fut: impl std::future::Future<Output = OpResult> + 'static,
) -> Dispatch {
    let gateway = state.node.gateway.clone();
    Dispatch::Later(Box::pin(async move {
        match fut.await {
            Ok(fields) => (codec::ok_reply(id, fields), enc),
            Err(e) => {
                gateway.client_errors.fetch_add(1, Ordering::Relaxed);
                (codec::error_reply(id, &e), enc)
            }
        }
    }))
}

pub async fn dispatch(state: &mut SocketState, req: Request, enc: Encoding) -> Dispatch {
    let Request { id, op, args } = req;
    if op != "auth" && op != "ping" && state.authed.is_none() {
        return Dispatch::Done(finish(id, enc, Err(ApiError::NotLoggedIn), state));
    }
    let result = match op.as_str() {
        "auth" => auth::handle(state, args, enc).await,
        "ping" => Ok(Map::from_iter([(
            "server_time".to_string(),
            Value::from(imcloud_actors::ids::now_ms()),
        )])),
        "send" => match send::start(state, args) {
            Ok(fut) => {
                let gateway = state.node.gateway.clone();
                return later(state, id, enc, async move {
                    let result = fut.await;
                    match &result {
                        Ok(_) => {
                            gateway.messages_in.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(ApiError::Domain(DomainError::RateLimited)) => {
                            gateway.rate_limited.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(_) => {}
                    }
                    result
                });
            }
            Err(e) => Err(e),
        },
        "sync" => match sync::start(state, args) {
            Ok(fut) => return later(state, id, enc, fut),
            Err(e) => Err(e),
        },
        g if group::handles(g) => match group::start(state, g, args) {
            Ok(fut) => return later(state, id, enc, fut),
            Err(e) => Err(e),
        },
        r if chatroom::handles(r) => match chatroom::start(state, r, args) {
            Ok(fut) => return later(state, id, enc, fut),
            Err(e) => Err(e),
        },
        "recall" | "read" => Err(ApiError::NotSupported(format!("op `{op}`"))),
        _ => Err(ApiError::UnknownOp(op.chars().take(64).collect())),
    };
    Dispatch::Done(finish(id, enc, result, state))
}
