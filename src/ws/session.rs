//! The task that owns one socket. It reads frames, decodes each into a
//! request and dispatches it to its op (sends to entities happen in frame
//! order; replies may complete out of order and carry their ids), writes
//! replies and pushes through the codec, closes sockets that do not
//! authenticate in time, go silent, or cannot keep up with their pushes,
//! and hands the device back to the device layer when the socket ends.
//! A request is answered busy (302) at once when the socket has
//! `ws.max_inflight` requests in flight, or the node `ws.max_node_inflight`.

use super::codec::{self, Encoding, Outbound, Reply, RequestId};
use super::ops::{self, Dispatch, OpFuture};
use super::transport::{Close, Incoming, Transport, CLOSE_AWAY, CLOSE_PROTOCOL, CLOSE_TOO_LARGE};
use crate::device::Device;
use crate::error::ApiError;
use crate::guard::admission::Slot;
use crate::node::Node;
use crate::shutdown::CLOSE_SERVICE_RESTART;
use futures_util::future::LocalBoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::StreamExt;
use imcloud_actors::session::{Push, SessionInbox};
use imcloud_actors::DomainError;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tracing::Instrument;

/// Close code: no `auth` frame in time.
pub const CLOSE_AUTH_TIMEOUT: u16 = 4001;
/// Close code: the device was logged out (a `kick` push precedes it).
pub const CLOSE_KICKED: u16 = 4003;
/// Close code: pushes queued faster than the socket drains them.
pub const CLOSE_SLOW_CONSUMER: u16 = 4008;

enum Exit {
    Close(Close),
    Gone,
}

fn reason(code: u16, text: &str) -> Close {
    Some((code, text.to_string()))
}

/// Something still on its way; for a reply, with the id and encoding to
/// answer in.
type Pending<T = (Reply, Encoding)> = LocalBoxFuture<'static, T>;

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
    let mut device = Device::new(node.clone());
    // Boxed: the loop's state machine is large and lives as long as the
    // socket; on the heap it is allocated once, not inside every task cell.
    let exit = Box::pin(serve(&mut socket, &mut device, &node)).await;
    device.close();
    node.gateway.connections.fetch_sub(1, Ordering::Relaxed);
    if let Exit::Close(r) = exit {
        socket.close(r).await;
    }
}

/// The span of one op: its name and who asks (followed into the entity
/// steps it causes by the user's entity key and the message's id).
fn op_span(device: &Device, op: &str) -> tracing::Span {
    match device.session() {
        Ok(s) => {
            tracing::debug_span!("ws_op", op, app = %s.app, user = %s.user, session = s.addr.id)
        }
        Err(_) => tracing::debug_span!("ws_op", op),
    }
}

fn count_error(node: &Node, reply: &Reply) {
    if reply.result.is_err() {
        node.gateway.client_errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// A place for one more request, or `None` (it is answered busy) when the
/// socket has `ws.max_inflight` requests in flight or the node
/// `ws.max_node_inflight`.
fn admit(node: &Node, socket_inflight: usize, max_inflight: usize) -> Option<Slot> {
    if socket_inflight >= max_inflight {
        return None;
    }
    let slot = node.guard.device_requests.try_enter();
    if slot.is_none() {
        node.gateway.ws_overloaded.fetch_add(1, Ordering::Relaxed);
    }
    slot
}

/// A request answered later; it keeps its place among the node's device
/// requests in flight (`slot`) until its answer is ready.
fn pending(node: &Node, req: Started, fut: OpFuture, slot: Slot) -> Pending {
    let gateway = node.gateway.clone();
    Box::pin(async move {
        let result = fut.await;
        drop(slot);
        let took = req.read.elapsed();
        gateway.deferred_replies.fetch_add(1, Ordering::Relaxed);
        gateway
            .deferred_reply_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        gateway.dist.ws_request(&req.op, took);
        (Reply { id: req.id, result }, req.enc)
    })
}

/// A request being answered: its id, op, encoding and when it was read.
struct Started {
    id: RequestId,
    op: String,
    enc: Encoding,
    read: Instant,
}

async fn serve<T: Transport>(socket: &mut T, device: &mut Device, node: &Node) -> Exit {
    let cfg = &node.config.ws;
    let auth_deadline = tokio::time::sleep(Duration::from_secs(cfg.auth_timeout_secs));
    tokio::pin!(auth_deadline);
    let idle_timeout = Duration::from_secs(cfg.idle_timeout_secs.max(3));
    let mut heartbeat = tokio::time::interval(idle_timeout / 3);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let max_inflight = cfg.max_inflight;
    let mut last_seen = Instant::now();
    let mut inflight: FuturesUnordered<Pending> = FuturesUnordered::new();
    // A logged-in device's pushes, the signal that its queue overflowed,
    // and the encoding of the frame that logged it in.
    let mut pushes: Option<mpsc::Receiver<Push>> = None;
    // Made once at login and polled across iterations: a fresh
    // `notified()` per loop turn would register and unregister a waiter
    // (a lock each) for every frame.
    let mut overflow: Option<Overflowed> = None;
    let mut push_enc = Encoding::Json;
    // The node going down: stop reading, finish what was read, close 1012.
    let mut closing: Pending<()> = Box::pin(node.shutdown.sockets_closing());
    let mut going = false;

    loop {
        let authed = pushes.is_some();
        if going && inflight.is_empty() {
            return Exit::Close(reason(
                CLOSE_SERVICE_RESTART,
                "server restarting: reconnect",
            ));
        }
        tokio::select! {
            _ = &mut closing, if !going => {
                going = true;
            }
            frame = socket.recv(), if !going => {
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
                let read = Instant::now();
                let reply = match codec::decode(&bytes, enc) {
                    Err((id, err)) => Some(Reply { id, result: Err(err) }),
                    Ok(req) => match admit(node, inflight.len(), max_inflight) {
                    None => Some(Reply { id: req.id, result: Err(ApiError::Domain(DomainError::Busy)) }),
                    Some(slot) => {
                        let span = op_span(device, &req.name);
                        let dispatched = ops::dispatch(device, req.op).instrument(span).await;
                        match dispatched {
                        Dispatch::Done(result) => {
                            node.gateway.dist.ws_request(&req.name, read.elapsed());
                            Some(Reply { id: req.id, result })
                        }
                        Dispatch::Later(fut) => {
                            let fut = Box::pin(fut.instrument(op_span(device, &req.name)));
                            let started = Started { id: req.id, op: req.name, enc, read };
                            inflight.push(pending(node, started, fut, slot));
                            None
                        }
                        Dispatch::LoggedIn(body, inbox) => {
                            let SessionInbox { rx, overflow: o } = inbox;
                            pushes = Some(rx);
                            overflow = Some(Box::pin(async move { o.notified().await }));
                            push_enc = enc;
                            node.gateway.dist.ws_request(&req.name, read.elapsed());
                            Some(Reply { id: req.id, result: Ok(body) })
                        }
                        }
                    }
                    },
                };
                if let Some(reply) = reply {
                    count_error(node, &reply);
                    if write(socket, codec::encode(&reply, enc)).await.is_err() { return Exit::Gone; }
                }
            }
            Some((reply, enc)) = inflight.next(), if !inflight.is_empty() => {
                count_error(node, &reply);
                if write(socket, codec::encode(&reply, enc)).await.is_err() { return Exit::Gone; }
            }
            push = recv_push(&mut pushes), if authed => {
                let enc = push_enc;
                match push {
                    Some(push @ Push::Kick { .. }) => {
                        let why = match &push { Push::Kick { reason } => reason.as_str(), _ => "" };
                        // The close below follows whether or not this lands.
                        let _ = write(socket, codec::push_frame(&push, enc)).await;
                        return Exit::Close(reason(CLOSE_KICKED, why));
                    }
                    Some(push) => {
                        // Counted when taken from the queue, before the write.
                        if matches!(push, Push::Message(_)) {
                            node.gateway.messages_out.fetch_add(1, Ordering::Relaxed);
                        }
                        if write(socket, codec::push_frame(&push, enc)).await.is_err() { return Exit::Gone; }
                    }
                    None => return Exit::Close(reason(CLOSE_KICKED, "detached")),
                }
            }
            _ = overflowed(&mut overflow), if authed => {
                node.gateway.slow_consumers.fetch_add(1, Ordering::Relaxed);
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

async fn recv_push(pushes: &mut Option<mpsc::Receiver<Push>>) -> Option<Push> {
    match pushes.as_mut() {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Resolves when the device's push queue overflowed.
type Overflowed = LocalBoxFuture<'static, ()>;

async fn overflowed(overflow: &mut Option<Overflowed>) {
    match overflow.as_mut() {
        Some(n) => n.as_mut().await,
        None => std::future::pending().await,
    }
}
