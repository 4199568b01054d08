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
}

impl Receiver {
    /// Counts one frame; for a new message of this run, the receipts to
    /// send back (when asked for).
    fn on_frame(&mut self, msg: &Message) -> Vec<Message> {
        let now = Instant::now();
        let Some(frame) = wire::decode(msg) else {
            return Vec::new();
        };
        let (Some("message"), Some(m)) = (frame.push.as_deref(), frame.msg) else {
            return Vec::new();
        };
        let Some(stamp) = m
            .ext
            .as_ref()
            .and_then(|e| e.lt)
            .filter(|s| s.r == self.plan.run_id)
        else {
            self.res.foreign += 1;
            return Vec::new();
        };
        if stamp.p != self.plan.pair {
            self.res.misrouted += 1;
            return Vec::new();
        }
        let Some(id) = wire::parse_msg_id(&m.msg_id) else {
            self.res.foreign += 1;
            return Vec::new();
        };
        if !self.res.ids.insert(id) {
            self.res.duplicates += 1;
            return Vec::new();
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
        if !self.plan.receipts {
            return Vec::new();
        }
        ["delivered", "read"]
            .into_iter()
            .filter_map(|op| wire::receipt_frame(op, &m.from, &m.msg_id, self.plan.enc).ok())
            .collect()
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
