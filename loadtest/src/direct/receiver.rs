//! One receiver socket of the `direct` scenario: reads pushes until told to
//! stop, keeps the set of msg ids it was given (so loss and duplicates are
//! exact), and records end-to-end latency from each message's intended send
//! time.

use crate::conn::Ws;
use crate::latency::Timed;
use crate::progress::Live;
use crate::wire;
use futures_util::{FutureExt, SinkExt, StreamExt};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

/// What one receiver is to do.
pub struct ReceiverPlan {
    pub pair: u32,
    pub run_id: u64,
    pub base: Instant,
    /// Distinct messages of this run delivered so far, for the drain.
    pub delivered: Arc<AtomicU64>,
    /// Deliveries are counted here too, for the progress bar.
    pub live: Arc<Live>,
    /// Answer every message with `delivered` and `read`.
    pub receipts: bool,
    pub enc: wire::Encoding,
    /// Speak msync (`/websocket`): pull what a NOTICE names, page by page.
    pub msync: bool,
}

/// What one receiver saw.
#[derive(Default)]
pub struct ReceiverResult {
    pub pair: u32,
    /// Distinct msg ids of this run delivered here.
    pub ids: HashSet<u64>,
    /// Pushes of a msg id already delivered.
    pub duplicates: u64,
    /// Messages of this pair that came after a later one of the same sender.
    pub reordered: u64,
    /// Pushes of this run stamped for another pair.
    pub misrouted: u64,
    /// Pushes of another run, or without a stamp.
    pub foreign: u64,
    pub e2e: Timed,
    /// ns since base of the last delivery.
    pub last_ns: u64,
    /// Why the socket ended early, if it did.
    pub closed_early: bool,
}

struct Receiver {
    plan: ReceiverPlan,
    res: ReceiverResult,
    highest_k: Option<u64>,
    /// msync: queues being pulled, and those noticed meanwhile.
    pulling: std::collections::HashSet<String>,
    noticed_again: std::collections::HashSet<String>,
}

impl Receiver {
    /// Counts one frame; what to send back: the receipts of a new
    /// message of this run (when asked for), or msync's next pull.
    fn on_frame(&mut self, msg: &Message) -> Vec<Message> {
        if self.plan.msync {
            return self.on_msync(msg);
        }
        let Some(frame) = wire::decode(msg) else {
            return Vec::new();
        };
        let (Some("message"), Some(m)) = (frame.push.as_deref(), frame.msg) else {
            return Vec::new();
        };
        let stamp = m.ext.as_ref().and_then(|e| e.lt);
        if !self.count(stamp, wire::parse_msg_id(&m.msg_id)) || !self.plan.receipts {
            return Vec::new();
        }
        ["delivered", "read"]
            .into_iter()
            .filter_map(|op| wire::receipt_frame(op, &m.from, &m.msg_id, self.plan.enc).ok())
            .collect()
    }

    /// msync: a NOTICE starts a pull of its queue (unless one is being
    /// read: then another follows it); each page is counted and
    /// acknowledged with the next pull, until the empty last page.
    fn on_msync(&mut self, msg: &Message) -> Vec<Message> {
        use crate::msync::{decode, pull, Incoming};
        let name = |j: &crate::msync::Jid| j.name.clone().unwrap_or_default();
        match decode(msg) {
            Some(Incoming::Notice(queue)) => {
                if self.pulling.insert(name(&queue)) {
                    vec![pull(queue, None)]
                } else {
                    self.noticed_again.insert(name(&queue));
                    Vec::new()
                }
            }
            Some(Incoming::Page {
                queue,
                messages,
                next_key,
                is_last,
            }) => {
                for (id, stamp) in messages {
                    self.count(stamp, Some(id));
                }
                let q = name(&queue);
                if !is_last {
                    vec![pull(queue, next_key)]
                } else if self.noticed_again.remove(&q) {
                    vec![pull(queue, None)]
                } else {
                    self.pulling.remove(&q);
                    Vec::new()
                }
            }
            _ => Vec::new(),
        }
    }

    /// Counts one delivered message; true if it is a new one of this run
    /// and pair.
    fn count(&mut self, stamp: Option<wire::Stamp>, id: Option<u64>) -> bool {
        let now = Instant::now();
        let Some(stamp) = stamp.filter(|s| s.r == self.plan.run_id) else {
            self.res.foreign += 1;
            return false;
        };
        if stamp.p != self.plan.pair {
            self.res.misrouted += 1;
            return false;
        }
        let Some(id) = id else {
            self.res.foreign += 1;
            return false;
        };
        if !self.res.ids.insert(id) {
            self.res.duplicates += 1;
            return false;
        }
        self.plan
            .delivered
            .store(self.res.ids.len() as u64, Ordering::Relaxed);
        Live::add(&self.plan.live.delivered, 1);
        if self.highest_k.is_some_and(|h| stamp.k < h) {
            self.res.reordered += 1;
        }
        self.highest_k = Some(self.highest_k.map_or(stamp.k, |h| h.max(stamp.k)));
        let at = u64::try_from(now.saturating_duration_since(self.plan.base).as_nanos())
            .unwrap_or(u64::MAX);
        self.res.e2e.record(at, at.saturating_sub(stamp.t));
        self.res.last_ns = self.res.last_ns.max(at);
        true
    }
}

/// Longest wait for the server's close frame at the end.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Sends `frames` (receipts), if any. A socket that is gone shows up as
/// the stream's end.
async fn send_all<S>(sink: &mut S, frames: Vec<Message>)
where
    S: futures_util::Sink<Message> + Unpin,
{
    if frames.is_empty() {
        return;
    }
    for f in frames {
        if sink.feed(f).await.is_err() {
            return;
        }
    }
    let _ = sink.flush().await;
}

/// Reads pushes until `stop` turns true or the socket ends.
pub async fn run(ws: Ws, plan: ReceiverPlan, mut stop: watch::Receiver<bool>) -> ReceiverResult {
    let (mut sink, mut stream) = ws.split();
    let res = ReceiverResult {
        pair: plan.pair,
        ..ReceiverResult::default()
    };
    let mut r = Receiver {
        plan,
        res,
        highest_k: None,
        pulling: Default::default(),
        noticed_again: Default::default(),
    };
    loop {
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(msg)) => {
                    // The receipts of every push already read go in one
                    // write, as a client reading a burst would send them.
                    let mut receipts = r.on_frame(&msg);
                    while let Some(Some(Ok(msg))) = stream.next().now_or_never() {
                        receipts.extend(r.on_frame(&msg));
                    }
                    send_all(&mut sink, receipts).await
                }
                _ => {
                    r.res.closed_early = true;
                    break;
                }
            },
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    // Whatever already arrived still counts, and gets its
                    // receipts before the socket closes.
                    while let Some(Some(Ok(msg))) = stream.next().now_or_never() {
                        send_all(&mut sink, r.on_frame(&msg)).await;
                    }
                    break;
                }
            }
        }
    }
    // The closing handshake, waiting (briefly) for the server's close: a
    // socket dropped with pushes still unread resets the connection, and
    // the server may then lose the last receipts it had not read yet.
    if sink.send(Message::Close(None)).await.is_ok() {
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while let Some(Ok(_)) = stream.next().await {}
        })
        .await;
    }
    r.res
}
