//! The task that owns one `/websocket` socket, the same loop as `/ws`'s
//! (`src/ws/session.rs`) for another codec: a Provision deadline,
//! server pings and an idle timeout (the SDK's own heartbeat is UNREAD),
//! at most `ws.max_inflight` requests in flight per socket and a slot of
//! the node's `ws.max_node_inflight` each, the device's push queue, and
//! a close for a device that cannot keep up with its pushes. Frames are
//! handled in order; answers may complete out of order (each names what
//! it answers). A frame that is not msync, text frames, and a valid frame
//! before the Provision close the socket; nothing a client sends panics.

use super::conn::{Conn, Done, Later, Step, CLOSE_PROTOCOL};
use crate::guard::admission::Slot;
use crate::node::Node;
use crate::ws::codec::Outbound;
use crate::ws::transport::{Close, Incoming, Transport, CLOSE_AWAY, CLOSE_TOO_LARGE};
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use imcloud_actors::session::{Push, SessionInbox};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Close code: no Provision in time.
pub const CLOSE_AUTH_TIMEOUT: u16 = 4001;
/// Close code: pushes queued faster than the socket drains them.
pub const CLOSE_SLOW_CONSUMER: u16 = 4008;
/// Close code: a text frame (msync is binary only).
pub const CLOSE_UNSUPPORTED: u16 = 1003;

enum Exit {
    Close(Close),
    Gone,
}

fn closing(code: u16, text: &str) -> Exit {
    Exit::Close(Some((code, text.to_string())))
}

/// Runs one socket until it closes.
pub(crate) async fn run<T: Transport>(mut socket: T, node: Node) {
    node.gateway.connections.fetch_add(1, Ordering::Relaxed);
    let mut conn = Conn::new(node.clone());
    let exit = Box::pin(serve(&mut socket, &mut conn, &node)).await;
    conn.device.close();
    node.gateway.connections.fetch_sub(1, Ordering::Relaxed);
    if let Exit::Close(r) = exit {
        socket.close(r).await;
    }
}

async fn write_all<T: Transport>(socket: &mut T, frames: Vec<Bytes>) -> Result<(), ()> {
    for f in frames {
        socket.send(Outbound::Binary(f)).await.map_err(|_| ())?;
    }
    Ok(())
}

/// A request waiting for its answer, holding its place among the node's
/// device requests in flight.
fn pending(fut: Later, slot: Slot) -> LocalBoxFuture<'static, Done> {
    Box::pin(async move {
        let done = fut.await;
        drop(slot);
        done
    })
}

fn admit(node: &Node, socket_inflight: usize) -> Option<Slot> {
    if socket_inflight >= node.config.ws.max_inflight {
        return None;
    }
    let slot = node.guard.device_requests.try_enter();
    if slot.is_none() {
        node.gateway.ws_overloaded.fetch_add(1, Ordering::Relaxed);
    }
    slot
}

async fn serve<T: Transport>(socket: &mut T, conn: &mut Conn, node: &Node) -> Exit {
    let cfg = &node.config.ws;
    let auth_deadline = tokio::time::sleep(Duration::from_secs(cfg.auth_timeout_secs));
    tokio::pin!(auth_deadline);
    let idle_timeout = Duration::from_secs(cfg.idle_timeout_secs.max(3));
    let mut heartbeat = tokio::time::interval(idle_timeout / 3);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_seen = Instant::now();
    let mut inflight: FuturesUnordered<LocalBoxFuture<'static, Done>> = FuturesUnordered::new();
    let mut pushes: Option<mpsc::Receiver<Push>> = None;
    let mut overflow: Option<LocalBoxFuture<'static, ()>> = None;

    loop {
        let authed = pushes.is_some();
        let step = tokio::select! {
            frame = socket.recv() => {
                last_seen = Instant::now();
                match frame {
                    None => return Exit::Gone,
                    Some(Incoming::TooLarge) => return closing(CLOSE_TOO_LARGE, "frame too large"),
                    Some(Incoming::Invalid) => return closing(CLOSE_PROTOCOL, ""),
                    Some(Incoming::Close) => return Exit::Close(None),
                    Some(Incoming::Ping(p)) => {
                        if socket.pong(&p).await.is_err() { return Exit::Gone; }
                        continue;
                    }
                    Some(Incoming::Pong) => continue,
                    Some(Incoming::Text(_)) => return closing(CLOSE_UNSUPPORTED, "msync frames are binary"),
                    Some(Incoming::Binary(b)) => conn.frame(&b).await,
                }
            }
            Some(done) = inflight.next(), if !inflight.is_empty() => Step::Write(conn.done(done)),
            push = recv_push(&mut pushes), if authed => match push {
                Some(p) => {
                    if matches!(p, Push::Message(_)) {
                        node.gateway.messages_out.fetch_add(1, Ordering::Relaxed);
                    }
                    conn.push(p)
                }
                None => return closing(super::conn::CLOSE_KICKED, "detached"),
            },
            _ = overflowed(&mut overflow), if authed => {
                node.gateway.slow_consumers.fetch_add(1, Ordering::Relaxed);
                return closing(CLOSE_SLOW_CONSUMER, "slow consumer: reconnect and sync");
            }
            _ = &mut auth_deadline, if !authed => return closing(CLOSE_AUTH_TIMEOUT, "provision timeout"),
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > idle_timeout {
                    return closing(CLOSE_AWAY, "idle timeout");
                }
                if socket.ping().await.is_err() { return Exit::Gone; }
                continue;
            }
        };
        match step {
            Step::Write(frames) => {
                if write_all(socket, frames).await.is_err() {
                    return Exit::Gone;
                }
            }
            Step::Wait(fut, refused) => match admit(node, inflight.len()) {
                Some(slot) => inflight.push(pending(fut, slot)),
                // Busy: the request is answered as failed at once.
                None => {
                    drop(fut);
                    let frames = conn.done(refused);
                    if write_all(socket, frames).await.is_err() {
                        return Exit::Gone;
                    }
                }
            },
            Step::Close(frames, code, why) => {
                // The close follows whether or not these land.
                let _ = write_all(socket, frames).await;
                return if code == 1000 && why.is_empty() {
                    Exit::Close(None)
                } else {
                    closing(code, why)
                };
            }
            Step::LoggedIn(reply, inbox) => {
                let SessionInbox { rx, overflow: o } = inbox;
                pushes = Some(rx);
                overflow = Some(Box::pin(async move { o.notified().await }));
                if write_all(socket, vec![reply]).await.is_err() {
                    return Exit::Gone;
                }
            }
        }
    }
}

async fn recv_push(pushes: &mut Option<mpsc::Receiver<Push>>) -> Option<Push> {
    match pushes.as_mut() {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn overflowed(overflow: &mut Option<LocalBoxFuture<'static, ()>>) {
    match overflow.as_mut() {
        Some(n) => n.as_mut().await,
        None => std::future::pending().await,
    }
}
