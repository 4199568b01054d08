//! The nodes' transport over NATS core (no JetStream): every node listens
//! on one subject, `{name}.node.{id}`, and everything another node sends it
//! arrives there in the order it was sent: commands for its shards, the
//! answers to commands it sent, pushes for its devices. Cache invalidations
//! go to every node on `{name}.bus`.
//!
//! Sends are queued (bounded) and published by one task, which puts what
//! is queued for the same node into one NATS message (up to
//! [`BATCH_BYTES`]): a group's fan-out or a chatroom's pushes to the
//! devices of one node cross the network as one message, however many
//! shards or devices they name. A NATS message is a sequence of frames,
//! each a big-endian `u32` length and one encoded message.
//!
//! An answer is matched to its command by a correlation id. A command whose
//! answer does not come within the deadline, or whose node leaves the
//! cluster, is answered [`ShardError::Unavailable`], so no caller and no
//! asking entity waits forever.

use crate::error::ShardError;
use crate::key::EntityKey;
use crate::placement::ShardId;
use crate::reply::{Payload, ReplyTo};
use crate::ring::NodeId;
use crate::wire;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Messages queued for other nodes before a send is refused as busy.
const OUTBOX: usize = 65_536;
/// Most queued messages one NATS message carries.
const BATCH: usize = 512;
/// Bytes past which a NATS message is sent and the next one begun (NATS
/// refuses payloads over its `max_payload`, 1 MiB by default).
const BATCH_BYTES: usize = 256 * 1024;

/// A command for one of the receiving node's shards, as bytes.
#[derive(Debug, Serialize, Deserialize)]
pub enum WireMail {
    Entity {
        key: EntityKey,
        #[serde(with = "serde_bytes")]
        cmd: Vec<u8>,
    },
    Shard {
        #[serde(with = "serde_bytes")]
        cmd: Vec<u8>,
    },
    Notify {
        keys: Vec<EntityKey>,
        #[serde(with = "serde_bytes")]
        notice: Vec<u8>,
    },
    CountPresent {
        keys: Vec<EntityKey>,
    },
}

/// One thing sent to a node.
#[derive(Debug, Serialize, Deserialize)]
enum NodeMsg {
    /// `corr` is 0 when no answer is expected.
    Mail {
        from: NodeId,
        corr: u64,
        shard: ShardId,
        mail: WireMail,
    },
    Answer {
        corr: u64,
        answer: Result<serde_bytes::ByteBuf, ShardError>,
    },
    /// Pushes for devices connected to the receiving node (the domain's
    /// encoding; the transport does not look inside).
    Pushes(serde_bytes::ByteBuf),
}

/// A node took a shard: the claim's log sequence.
#[derive(Debug, Serialize, Deserialize)]
struct ClaimMsg {
    node: NodeId,
    shard: ShardId,
    seq: u64,
}

/// Told of another node's claim: `(shard, node, seq)`.
pub type ClaimHandler = Arc<dyn Fn(ShardId, NodeId, u64) + Send + Sync>;

/// A bus message, to every node.
#[derive(Debug, Serialize, Deserialize)]
struct BusMsg {
    from: NodeId,
    #[serde(with = "serde_bytes")]
    body: Vec<u8>,
}

/// What the transport hands the node it runs in.
pub trait Inbound: Send + Sync {
    /// A command for shard `shard`; `reply` is set when the sender waits
    /// for an answer.
    fn mail(&self, shard: ShardId, mail: WireMail, reply: Option<ReplyTo>);
    /// Pushes for this node's devices.
    fn pushes(&self, body: &[u8]);
    /// A bus message from another node.
    fn bus(&self, body: &[u8]);
}

struct Pending {
    reply: ReplyTo,
    node: NodeId,
    deadline: Instant,
}

/// This node's end of the transport.
pub struct Transport {
    me: NodeId,
    name: String,
    client: async_nats::Client,
    out: mpsc::Sender<(NodeId, NodeMsg)>,
    bus: mpsc::Sender<Vec<u8>>,
    pending: Mutex<HashMap<u64, Pending>>,
    next_corr: AtomicU64,
    answer_within: Duration,
    inbound: OnceLock<Arc<dyn Inbound>>,
    claims: OnceLock<ClaimHandler>,
    /// Nodes that left the view (their sessions are gone) and did not
    /// come back.
    departed: Mutex<HashSet<NodeId>>,
    /// Messages that reached this node (for `/cluster` and tests).
    pub received: AtomicU64,
    /// Messages this node sent.
    pub sent: AtomicU64,
}

impl Transport {
    /// Connects to NATS, subscribes to this node's subject and the bus, and
    /// starts the publishing and expiry tasks on `rt`. Nothing is handed
    /// inward until [`Transport::set_inbound`].
    pub async fn start(
        urls: &[String],
        name: &str,
        me: NodeId,
        answer_within: Duration,
    ) -> Result<Arc<Transport>, String> {
        let client = async_nats::ConnectOptions::new()
            .name(format!("{name}-node-{me}"))
            .connect(urls.join(","))
            .await
            .map_err(|e| format!("cannot reach NATS at {}: {e}", urls.join(",")))?;
        let inbox = client
            .subscribe(node_subject(name, me))
            .await
            .map_err(|e| e.to_string())?;
        let bus_in = client
            .subscribe(format!("{name}.bus"))
            .await
            .map_err(|e| e.to_string())?;
        let claims_in = client
            .subscribe(format!("{name}.claims"))
            .await
            .map_err(|e| e.to_string())?;
        let (out, out_rx) = mpsc::channel(OUTBOX);
        let (bus, bus_rx) = mpsc::channel(1024);
        let transport = Arc::new(Transport {
            me,
            name: name.to_string(),
            client,
            out,
            bus,
            pending: Mutex::new(HashMap::new()),
            next_corr: AtomicU64::new(1),
            answer_within,
            inbound: OnceLock::new(),
            claims: OnceLock::new(),
            departed: Mutex::new(HashSet::new()),
            received: AtomicU64::new(0),
            sent: AtomicU64::new(0),
        });
        tokio::spawn(publish_loop(transport.clone(), out_rx));
        tokio::spawn(bus_publish_loop(transport.clone(), bus_rx));
        tokio::spawn(receive_loop(transport.clone(), inbox));
        tokio::spawn(broadcast_loop(
            transport.clone(),
            bus_in,
            |m: &BusMsg| m.from,
            |t, m| {
                if let Some(inbound) = t.inbound.get() {
                    inbound.bus(&m.body);
                }
            },
        ));
        tokio::spawn(broadcast_loop(
            transport.clone(),
            claims_in,
            |m: &ClaimMsg| m.node,
            |t, m| {
                if let Some(handler) = t.claims.get() {
                    handler(m.shard, m.node, m.seq);
                }
            },
        ));
        tokio::spawn(expire_loop(Arc::downgrade(&transport)));
        Ok(transport)
    }

    pub fn node_id(&self) -> NodeId {
        self.me
    }

    /// Where inbound messages go; set once, right after start.
    pub fn set_inbound(&self, inbound: Arc<dyn Inbound>) {
        let _ = self.inbound.set(inbound);
    }

    fn pending(&self) -> MutexGuard<'_, HashMap<u64, Pending>> {
        // Every operation on the map is one insert or remove.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends a command for `shard` to `node`; `reply` gets the answer.
    pub fn send_mail(
        &self,
        node: NodeId,
        shard: ShardId,
        mail: WireMail,
        reply: Option<ReplyTo>,
    ) -> Result<(), ShardError> {
        let corr = match reply {
            Some(reply) => {
                let corr = self.next_corr.fetch_add(1, Ordering::Relaxed);
                self.pending().insert(
                    corr,
                    Pending {
                        reply,
                        node,
                        deadline: Instant::now() + self.answer_within,
                    },
                );
                corr
            }
            None => 0,
        };
        let msg = NodeMsg::Mail {
            from: self.me,
            corr,
            shard,
            mail,
        };
        if self.out.try_send((node, msg)).is_err() {
            if let Some(p) = self.pending().remove(&corr) {
                p.reply.fail(ShardError::Busy);
            }
            return Err(ShardError::Busy);
        }
        Ok(())
    }

    /// Where other nodes' claims go; set once, at start.
    pub fn on_claim(&self, handler: ClaimHandler) {
        let _ = self.claims.set(handler);
    }

    /// Tells every node that this one claimed `shard` at `seq`, so a node
    /// still holding it lets go at once instead of at its next append (at
    /// most once: the holders also check the logs themselves).
    pub async fn announce_claim(&self, shard: ShardId, seq: u64) {
        let msg = ClaimMsg {
            node: self.me,
            shard,
            seq,
        };
        let Ok(bytes) = wire::encode(&msg) else {
            return;
        };
        if let Err(e) = self
            .client
            .publish(format!("{}.claims", self.name), bytes.into())
            .await
        {
            tracing::warn!(shard, error = %e, "announcing a claim failed");
        }
    }

    /// Pushes (the domain's bytes) for devices on `node`; dropped, and
    /// `false`, when the outbox is full.
    pub fn send_pushes(&self, node: NodeId, body: Vec<u8>) -> bool {
        self.out
            .try_send((node, NodeMsg::Pushes(serde_bytes::ByteBuf::from(body))))
            .is_ok()
    }

    /// Publishes `body` to every other node's bus.
    pub fn publish_bus(&self, body: Vec<u8>) {
        if self.bus.try_send(body).is_err() {
            tracing::warn!("cluster bus queue full; a cache invalidation was dropped");
        }
    }

    /// Whether `node` left the cluster and did not come back.
    pub fn is_departed(&self, node: NodeId) -> bool {
        self.departed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&node)
    }

    /// `node` is in the view.
    pub fn node_seen(&self, node: NodeId) {
        self.departed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&node);
    }

    /// Fails every command waiting for an answer from `node` (it left).
    pub fn node_gone(&self, node: NodeId) {
        self.departed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(node);
        self.fail_pending(|p| p.node == node);
    }

    /// Answers "unavailable" every command still waiting that `which`
    /// picks.
    fn fail_pending(&self, which: impl Fn(&Pending) -> bool) {
        let picked: Vec<Pending> = {
            let mut pending = self.pending();
            let ids: Vec<u64> = pending
                .iter()
                .filter(|(_, p)| which(p))
                .map(|(id, _)| *id)
                .collect();
            ids.iter().filter_map(|id| pending.remove(id)).collect()
        };
        for p in picked {
            p.reply.fail(ShardError::Unavailable);
        }
    }

    fn answer(&self, to: NodeId, corr: u64, payload: Payload) {
        let answer = match payload {
            Payload::Bytes(b) => Ok(serde_bytes::ByteBuf::from(b)),
            Payload::Failed(e) => Err(e),
            // Inbound replies are made encoding (see `inbound_reply`).
            Payload::Value(_) => Err(ShardError::Codec),
        };
        // A full outbox drops the answer; the asker's deadline answers it.
        let _ = self.out.try_send((to, NodeMsg::Answer { corr, answer }));
    }

    fn handle(self: &Arc<Self>, msg: NodeMsg) {
        let Some(inbound) = self.inbound.get() else {
            return;
        };
        match msg {
            NodeMsg::Mail {
                from,
                corr,
                shard,
                mail,
            } => {
                let reply = (corr != 0).then(|| {
                    let me = self.clone();
                    ReplyTo::then(true, move |payload| me.answer(from, corr, payload))
                });
                inbound.mail(shard, mail, reply);
            }
            NodeMsg::Answer { corr, answer } => {
                let Some(p) = self.pending().remove(&corr) else {
                    return;
                };
                match answer {
                    Ok(bytes) => p.reply.answer(Payload::Bytes(bytes.into_vec())),
                    Err(e) => p.reply.fail(e),
                }
            }
            NodeMsg::Pushes(body) => inbound.pushes(&body),
        }
    }
}

fn node_subject(name: &str, node: NodeId) -> String {
    format!("{name}.node.{node}")
}

/// Publishes what is queued, one NATS message per node for what is queued
/// at once (split past [`BATCH_BYTES`]), in the order it was queued.
async fn publish_loop(t: Arc<Transport>, mut rx: mpsc::Receiver<(NodeId, NodeMsg)>) {
    let mut taken = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut taken, BATCH).await > 0 {
        let mut by_node: Vec<(NodeId, Vec<u8>, u64)> = Vec::new();
        for (node, msg) in taken.drain(..) {
            let body = match wire::encode(&msg) {
                Ok(b) => b,
                Err(e) => {
                    tracing::error!(error = %e, "a message for another node does not encode");
                    continue;
                }
            };
            let Ok(len) = u32::try_from(body.len()) else {
                tracing::error!(
                    node,
                    bytes = body.len(),
                    "a message for another node is too large; dropped"
                );
                continue;
            };
            let i = match by_node.iter().position(|(n, _, _)| *n == node) {
                Some(i) if by_node[i].1.len() + body.len() <= BATCH_BYTES => i,
                Some(i) => {
                    let (n, full, count) = by_node.swap_remove(i);
                    publish(&t, n, full, count).await;
                    by_node.push((node, Vec::new(), 0));
                    by_node.len() - 1
                }
                None => {
                    by_node.push((node, Vec::new(), 0));
                    by_node.len() - 1
                }
            };
            let (_, frames, count) = &mut by_node[i];
            frames.extend_from_slice(&len.to_be_bytes());
            frames.extend_from_slice(&body);
            *count += 1;
        }
        for (node, frames, count) in by_node {
            publish(&t, node, frames, count).await;
        }
    }
}

async fn publish(t: &Transport, node: NodeId, frames: Vec<u8>, count: u64) {
    if frames.is_empty() {
        return;
    }
    match t
        .client
        .publish(node_subject(&t.name, node), frames.into())
        .await
    {
        Ok(()) => {
            t.sent.fetch_add(count, Ordering::Relaxed);
        }
        // Answers to its commands, if any, expire at their deadline.
        Err(e) => tracing::warn!(node, error = %e, "publishing to a node failed"),
    }
}

/// The messages of one NATS message's frames; `None` if a frame is cut.
fn frames(mut payload: &[u8]) -> Option<Vec<NodeMsg>> {
    let mut msgs = Vec::new();
    while !payload.is_empty() {
        let (len, rest) = payload.split_first_chunk::<4>()?;
        let len = u32::from_be_bytes(*len) as usize;
        if rest.len() < len {
            return None;
        }
        let (body, rest) = rest.split_at(len);
        match wire::decode(body) {
            Ok(m) => msgs.push(m),
            Err(e) => {
                tracing::warn!(error = %e, "an unreadable message from another node was dropped")
            }
        }
        payload = rest;
    }
    Some(msgs)
}

async fn bus_publish_loop(t: Arc<Transport>, mut rx: mpsc::Receiver<Vec<u8>>) {
    while let Some(body) = rx.recv().await {
        let msg = BusMsg { from: t.me, body };
        let Ok(bytes) = wire::encode(&msg) else {
            continue;
        };
        if let Err(e) = t
            .client
            .publish(format!("{}.bus", t.name), bytes.into())
            .await
        {
            tracing::warn!(error = %e, "publishing to the cluster bus failed");
        }
    }
}

async fn receive_loop(t: Arc<Transport>, mut inbox: async_nats::Subscriber) {
    while let Some(message) = inbox.next().await {
        let Some(msgs) = frames(&message.payload) else {
            tracing::warn!("a cut message from another node was dropped");
            continue;
        };
        t.received.fetch_add(msgs.len() as u64, Ordering::Relaxed);
        for msg in msgs {
            t.handle(msg);
        }
    }
    tracing::warn!("the node's NATS subscription ended");
}

/// Hands every message of `inbox` (one of the subjects every node hears)
/// that another node sent to `handle`; an unreadable one is skipped.
async fn broadcast_loop<M: serde::de::DeserializeOwned>(
    t: Arc<Transport>,
    mut inbox: async_nats::Subscriber,
    sender: fn(&M) -> NodeId,
    handle: fn(&Transport, M),
) {
    while let Some(message) = inbox.next().await {
        match wire::decode::<M>(&message.payload) {
            Ok(msg) if sender(&msg) != t.me => handle(&t, msg),
            _ => {}
        }
    }
}

/// Answers commands past their deadline: their node may be gone, or the
/// answer lost.
async fn expire_loop(t: std::sync::Weak<Transport>) {
    let mut every = tokio::time::interval(Duration::from_millis(250));
    loop {
        every.tick().await;
        let Some(t) = t.upgrade() else { return };
        let now = Instant::now();
        t.fail_pending(|p| p.deadline <= now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(msgs: &[NodeMsg]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in msgs {
            let b = wire::encode(m).expect("encodes");
            out.extend_from_slice(&(b.len() as u32).to_be_bytes());
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn frames_read_back_in_order_and_a_cut_one_is_refused() {
        let msgs = [
            NodeMsg::Pushes(serde_bytes::ByteBuf::from(vec![1, 2])),
            NodeMsg::Answer {
                corr: 7,
                answer: Err(ShardError::Busy),
            },
        ];
        let payload = framed(&msgs);
        let back = frames(&payload).expect("whole frames");
        assert_eq!(back.len(), 2);
        assert!(matches!(&back[0], NodeMsg::Pushes(b) if b.as_slice() == [1, 2]));
        assert!(matches!(back[1], NodeMsg::Answer { corr: 7, .. }));
        assert!(frames(&payload[..payload.len() - 1]).is_none());
        assert!(frames(&[0, 0]).is_none());
        assert_eq!(frames(&[]).map(|m| m.len()), Some(0));
    }
}
