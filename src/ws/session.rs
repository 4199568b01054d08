//! The task that owns one socket. It reads frames, dispatches each request to
//! its op (sends to entities happen in frame order; replies may complete out
//! of order and carry their ids), writes replies and pushes, closes sockets
//! that do not authenticate in time, go silent, or cannot keep up with their
//! pushes, and leaves its chatrooms and detaches from the user's entity
//! when the socket ends.

use super::codec::{self, Encoding, Outbound};
use super::ops::{self, OpFuture};
use super::transport::{Close, Incoming, Transport, CLOSE_AWAY, CLOSE_PROTOCOL, CLOSE_TOO_LARGE};
use crate::error::ApiError;
use crate::node::Node;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use imcloud_actors::ids::AppKey;
use imcloud_actors::session::{Push, SessionInbox, WeakSessionRef};
use imcloud_actors::Command;
use imcloud_shards::EntityKey;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Close code: no `auth` frame in time.
pub const CLOSE_AUTH_TIMEOUT: u16 = 4001;
/// Close code: the device was logged out (a `kick` push precedes it).
pub const CLOSE_KICKED: u16 = 4003;
/// Close code: pushes queued faster than the socket drains them.
pub const CLOSE_SLOW_CONSUMER: u16 = 4008;

/// Who the socket is, once `auth` succeeded.
pub struct Authed {
    pub app: AppKey,
    pub user: String,
    pub key: EntityKey,
    pub session_id: u64,
    /// A handle to this socket's push queue, for joining chatrooms (weak:
    /// the socket still learns when its user's entity lets it go).
    pub session: WeakSessionRef,
    /// Chatrooms this socket joined; it leaves them when it closes.
    pub rooms: Vec<String>,
    pub encoding: Encoding,
    /// Taken by the socket loop right after auth.
    pub inbox: Option<SessionInbox>,
}

/// Per-socket state the ops read and change.
pub struct SocketState {
    pub node: Node,
    pub authed: Option<Authed>,
}

enum Exit {
    Close(Close),
    Gone,
}

fn reason(code: u16, text: &str) -> Close {
    Some((code, text.to_string()))
}

async fn write<T: Transport>(socket: &mut T, out: Option<Outbound>) -> Result<(), ()> {
    match out {
        Some(frame) => socket.send(frame).await.map_err(|_| ()),
        // An unencodable frame is a server bug; skip it rather than kill
        // the socket.
        None => Ok(()),
    }
}

/// Runs one socket until it closes.
pub(crate) async fn run<T: Transport>(mut socket: T, node: Node) {
    node.gateway.connections.fetch_add(1, Ordering::Relaxed);
    let mut state = SocketState {
        node: node.clone(),
        authed: None,
    };
    // Boxed: the loop's state machine is large and lives as long as the
    // socket; on the heap it is allocated once, not inside every task cell.
    let exit = Box::pin(serve(&mut socket, &mut state)).await;
    if let Some(a) = &state.authed {
        node.gateway.sessions.fetch_sub(1, Ordering::Relaxed);
        // Leaving is best effort: a room also forgets closed sockets when
        // it needs their places.
        for room in &a.rooms {
            let _ = node.router.send(
                crate::chatrooms::room_key(&a.app, room),
                Command::RoomLeave {
                    user: a.user.clone(),
                    session_id: a.session_id,
                    reply: None,
                },
            );
        }
        // Detach is best effort: a closed socket is also pruned lazily.
        let _ = node.router.send(
            a.key.clone(),
            Command::Detach {
                session_id: a.session_id,
            },
        );
    }
    node.gateway.connections.fetch_sub(1, Ordering::Relaxed);
    if let Exit::Close(r) = exit {
        socket.close(r).await;
    }
}

async fn serve<T: Transport>(socket: &mut T, state: &mut SocketState) -> Exit {
    let cfg = &state.node.config.ws;
    let auth_deadline = tokio::time::sleep(Duration::from_secs(cfg.auth_timeout_secs));
    tokio::pin!(auth_deadline);
    let idle_timeout = Duration::from_secs(cfg.idle_timeout_secs.max(3));
    let mut heartbeat = tokio::time::interval(idle_timeout / 3);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let max_inflight = cfg.max_inflight;
    let mut last_seen = Instant::now();
    let mut inflight: FuturesUnordered<OpFuture> = FuturesUnordered::new();
    let mut pushes: Option<tokio::sync::mpsc::Receiver<Push>> = None;
    let mut overflow: Option<std::sync::Arc<tokio::sync::Notify>> = None;

    loop {
        if pushes.is_none() {
            if let Some(inbox) = state.authed.as_mut().and_then(|a| a.inbox.take()) {
                pushes = Some(inbox.rx);
                overflow = Some(inbox.overflow);
            }
        }
        let authed = pushes.is_some();
        tokio::select! {
            frame = socket.recv() => {
                last_seen = Instant::now();
                let (bytes, enc) = match frame {
                    None => return Exit::Gone,
                    Some(Incoming::TooLarge) => return Exit::Close(reason(CLOSE_TOO_LARGE, "frame too large")),
                    Some(Incoming::Invalid) => return Exit::Close(Some((CLOSE_PROTOCOL, String::new()))),
                    Some(Incoming::Close) => return Exit::Close(None),
                    Some(Incoming::Ping(p)) => {
                        if socket.pong(&p).await.is_err() { return Exit::Gone; }
                        continue;
                    }
                    Some(Incoming::Pong) => continue,
                    Some(Incoming::Text(t)) => (t, Encoding::Json),
                    Some(Incoming::Binary(b)) => (b, Encoding::MsgPack),
                };
                let reply = match codec::decode(&bytes, enc) {
                    Err((id, err)) => Some(error_frame(state, id, &err, enc)),
                    Ok(req) if inflight.len() >= max_inflight => Some(error_frame(state, req.id, &ApiError::Domain(imcloud_actors::DomainError::Busy), enc)),
                    Ok(req) => match ops::dispatch(state, req, enc).await {
                        ops::Dispatch::Done(frame) => Some(frame),
                        ops::Dispatch::Later(fut) => { inflight.push(fut); None }
                    },
                };
                if let Some(out) = reply {
                    if write(socket, codec::encode(&out.0, out.1)).await.is_err() { return Exit::Gone; }
                }
            }
            Some((frame, enc)) = inflight.next(), if !inflight.is_empty() => {
                if write(socket, codec::encode(&frame, enc)).await.is_err() { return Exit::Gone; }
            }
            push = recv_push(&mut pushes), if authed => {
                match push {
                    Some(Push::Message(m)) => {
                        let enc = state.authed.as_ref().map(|a| a.encoding).unwrap_or(Encoding::Json);
                        if write(socket, codec::message_push(&m, enc)).await.is_err() { return Exit::Gone; }
                        state.node.gateway.messages_out.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(Push::Event(ev)) => {
                        let enc = state.authed.as_ref().map(|a| a.encoding).unwrap_or(Encoding::Json);
                        let scope = if ev.chatroom { "chatroom" } else { "group" };
                        let frame = serde_json::json!({"push": "event", "kind": ev.kind, scope: ev.group, "user": ev.user});
                        if write(socket, codec::encode(&frame, enc)).await.is_err() { return Exit::Gone; }
                    }
                    Some(Push::Kick { reason: why }) => {
                        let enc = state.authed.as_ref().map(|a| a.encoding).unwrap_or(Encoding::Json);
                        let frame = serde_json::json!({"push": "kick", "reason": why.as_str()});
                        // The close below follows whether or not this lands.
                        let _ = write(socket, codec::encode(&frame, enc)).await;
                        return Exit::Close(reason(CLOSE_KICKED, why.as_str()));
                    }
                    None => return Exit::Close(reason(CLOSE_KICKED, "detached")),
                }
            }
            _ = overflowed(&overflow), if authed => {
                state.node.gateway.slow_consumers.fetch_add(1, Ordering::Relaxed);
                return Exit::Close(reason(CLOSE_SLOW_CONSUMER, "slow consumer: reconnect and sync"));
            }
            _ = &mut auth_deadline, if !authed => {
                return Exit::Close(reason(CLOSE_AUTH_TIMEOUT, "auth timeout"));
            }
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > idle_timeout {
                    return Exit::Close(reason(CLOSE_AWAY, "idle timeout"));
                }
                if socket.ping().await.is_err() { return Exit::Gone; }
            }
        }
    }
}

fn error_frame(state: &SocketState, id: Value, err: &ApiError, enc: Encoding) -> (Value, Encoding) {
    state
        .node
        .gateway
        .client_errors
        .fetch_add(1, Ordering::Relaxed);
    (codec::error_reply(id, err), enc)
}

async fn recv_push(pushes: &mut Option<tokio::sync::mpsc::Receiver<Push>>) -> Option<Push> {
    match pushes.as_mut() {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn overflowed(overflow: &Option<std::sync::Arc<tokio::sync::Notify>>) {
    match overflow.as_ref() {
        Some(n) => n.notified().await,
        None => std::future::pending().await,
    }
}
