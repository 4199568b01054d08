//! One member socket of the `group` scenario. Every member receives: it
//! keeps, per sending member, the set of msg ids pushed to it (so loss and
//! duplicates are exact) and records end-to-end latency from each message's
//! intended send time. A member that also sends runs the `direct` sender
//! loop on the same socket, seeing every push through its hook, and keeps
//! receiving afterwards until told to stop.

use crate::conn::Ws;
use crate::direct::sender::{self, SenderPlan, SenderResult};
use crate::latency::Timed;
use crate::progress::Live;
use crate::wire;
use futures_util::{FutureExt, SinkExt, StreamExt};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{oneshot, watch};
use tokio_tungstenite::tungstenite::Message;

/// What one member is to do besides receiving.
pub struct MemberPlan {
    /// Member index (`{prefix}{index}`).
    pub index: u32,
    /// The sender index of this member, if it sends (the stamp's `p`).
    pub sender: Option<u32>,
    pub senders: u32,
    pub run_id: u64,
    pub base: Instant,
    /// Distinct messages of this run delivered so far, for the drain.
    pub delivered: Arc<AtomicU64>,
    /// Deliveries are counted here too, for the progress bar.
    pub live: Arc<Live>,
}

/// What one member received.
#[derive(Default)]
pub struct MemberResult {
    pub index: u32,
    pub sender: Option<u32>,
    /// Distinct msg ids delivered here, per sender index.
    pub ids: Vec<HashSet<u64>>,
    /// Pushes of a msg id already delivered.
    pub duplicates: u64,
    /// Pushes of this member's own messages (the sending socket gets none).
    pub own: u64,
    /// Pushes of another run, without a stamp, or of an unknown sender.
    pub foreign: u64,
    pub e2e: Timed,
    /// ns since base of the last delivery.
    pub last_ns: u64,
    /// The socket ended before the run did.
    pub closed_early: bool,
}

struct Receiver {
    plan: MemberPlan,
    res: MemberResult,
    count: u64,
}

impl Receiver {
    fn on_frame(&mut self, msg: &Message) {
        let now = Instant::now();
        let Some(frame) = wire::decode(msg) else {
            return;
        };
        let (Some("message"), Some(m)) = (frame.push.as_deref(), frame.msg) else {
            return;
        };
        let Some(stamp) = m.ext.and_then(|e| e.lt).filter(|s| s.r == self.plan.run_id) else {
            self.res.foreign += 1;
            return;
        };
        let (Some(id), Some(set)) = (
            wire::parse_msg_id(&m.msg_id),
            usize::try_from(stamp.p)
                .ok()
                .and_then(|p| self.res.ids.get_mut(p)),
        ) else {
            self.res.foreign += 1;
            return;
        };
        if self.plan.sender == Some(stamp.p) {
            self.res.own += 1;
            return;
        }
        if !set.insert(id) {
            self.res.duplicates += 1;
            return;
        }
        self.count += 1;
        self.plan.delivered.store(self.count, Ordering::Relaxed);
        Live::add(&self.plan.live.delivered, 1);
        let at = u64::try_from(now.saturating_duration_since(self.plan.base).as_nanos())
            .unwrap_or(u64::MAX);
        self.res.e2e.record(at, at.saturating_sub(stamp.t));
        self.res.last_ns = self.res.last_ns.max(at);
    }
}

/// Runs one member: sends by `send` (if given; its result goes to `acks`
/// as soon as the sending is over), then receives until `stop` turns true
/// or the socket ends.
pub async fn run(
    ws: Ws,
    plan: MemberPlan,
    send: Option<(SenderPlan, oneshot::Sender<SenderResult>)>,
    mut stop: watch::Receiver<bool>,
) -> MemberResult {
    let res = MemberResult {
        index: plan.index,
        sender: plan.sender,
        ids: (0..plan.senders).map(|_| HashSet::new()).collect(),
        ..MemberResult::default()
    };
    let mut r = Receiver {
        plan,
        res,
        count: 0,
    };
    let (mut sink, mut stream) = match send {
        Some((sp, acks)) => {
            let (sres, halves) = sender::run_with(ws, sp, &mut |m: &Message| r.on_frame(m)).await;
            // The coordinator may have given up already; nothing to tell.
            let _ = acks.send(sres);
            halves
        }
        None => ws.split(),
    };
    loop {
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(msg)) => r.on_frame(&msg),
                _ => {
                    r.res.closed_early = true;
                    break;
                }
            },
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    // Whatever already arrived still counts.
                    while let Some(Some(Ok(msg))) = stream.next().now_or_never() {
                        r.on_frame(&msg);
                    }
                    break;
                }
            }
        }
    }
    // Best effort: the server also notices the TCP close.
    let _ = sink.send(Message::Close(None)).await;
    r.res
}
