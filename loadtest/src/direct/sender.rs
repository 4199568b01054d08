//! One sender socket of the `direct` scenario. It owns its socket (no locks
//! on the hot path), sends on a fixed schedule (open loop) or keeps a window
//! of requests in flight (closed loop), and matches acks to requests by id.
//! Ack latency is measured from the intended send time, so a stalled server
//! shows up in the figures instead of slowing the schedule down.

use super::Pacing;
use crate::conn::Ws;
use crate::latency::Timed;
use crate::progress::Live;
use crate::wire::{self, SendTemplate, Stamp};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{FutureExt, SinkExt, StreamExt};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// What one sender is to do.
pub struct SenderPlan {
    pub pair: u32,
    pub run_id: u64,
    pub template: SendTemplate,
    pub pacing: Pacing,
    /// For open loop: this sender's interval and its offset in the schedule.
    pub interval: Duration,
    pub offset: Duration,
    /// Most messages to send.
    pub quota: u64,
    /// Time zero of the run (stamps are ns since it).
    pub base: Instant,
    /// No send is scheduled at or after this.
    pub send_until: Instant,
    /// Acks not in by then stay pending.
    pub drain_until: Instant,
    /// Sends and acks are counted here too, for the progress bar.
    pub live: Arc<Live>,
    /// Speak msync (`/websocket`) instead of `template`'s `/ws` frames.
    pub msync: Option<crate::msync::SendTemplate>,
}

/// What one sender saw.
#[derive(Default)]
pub struct SenderResult {
    pub pair: u32,
    pub sent: u64,
    /// Server msg ids of the acked sends.
    pub acked_ids: Vec<u64>,
    /// Error replies by code, and local failures by name.
    pub errors: BTreeMap<String, u64>,
    /// Sent with no reply by the end of the drain.
    pub pending: u64,
    pub ack_latency: Timed,
    /// ns since base of the last ack.
    pub last_ack_ns: u64,
    /// ns since base of the last send.
    pub last_send_ns: u64,
}

/// Requests in flight, indexed by sequence number (`k - first`).
struct InFlight {
    first: u64,
    slots: VecDeque<Option<u64>>,
    count: usize,
}

impl InFlight {
    fn insert(&mut self, k: u64, t: u64) {
        if self.slots.is_empty() {
            self.first = k;
        }
        self.slots.push_back(Some(t));
        self.count += 1;
    }

    /// The intended send time of request `k`, if it is in flight.
    fn take(&mut self, k: u64) -> Option<u64> {
        let i = usize::try_from(k.checked_sub(self.first)?).ok()?;
        let t = self.slots.get_mut(i)?.take()?;
        self.count -= 1;
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.first += 1;
        }
        Some(t)
    }
}

fn ns_since(base: Instant, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(base).as_nanos()).unwrap_or(u64::MAX)
}

struct Sender {
    plan: SenderPlan,
    next_k: u64,
    inflight: InFlight,
    res: SenderResult,
}

impl Sender {
    fn bump(&mut self, what: String) {
        *self.res.errors.entry(what).or_default() += 1;
    }

    fn on_frame(&mut self, msg: &Message) {
        let now = Instant::now();
        let Some((k, result)) = self.ack_of(msg) else {
            return;
        };
        let Some(t) = self.inflight.take(k) else {
            return;
        };
        match result {
            Ok(id) => {
                self.res.acked_ids.push(id);
                Live::add(&self.plan.live.acked, 1);
                let at = ns_since(self.plan.base, now);
                self.res.ack_latency.record(at, at.saturating_sub(t));
                self.res.last_ack_ns = self.res.last_ack_ns.max(at);
            }
            Err(code) => self.bump(code),
        }
    }

    /// The send a frame answers (by sequence number), and the msg id or
    /// the error it names.
    fn ack_of(&self, msg: &Message) -> Option<(u64, Result<u64, String>)> {
        if let Some(m) = &self.plan.msync {
            return m.ack(msg);
        }
        let reply = wire::decode(msg)?;
        let k = reply.id.as_deref().and_then(|id| id.parse::<u64>().ok())?;
        let result = match (
            reply.ok,
            reply.msg_id.as_deref().and_then(wire::parse_msg_id),
            reply.error,
        ) {
            (Some(true), Some(id), _) => Ok(id),
            (_, _, Some(e)) => Err(e.code.to_string()),
            _ => Err("bad_reply".into()),
        };
        Some((k, result))
    }

    /// True while the plan still has sends to make (now or later).
    fn more_to_send(&self) -> bool {
        if self.next_k >= self.plan.quota {
            return false;
        }
        match self.plan.pacing {
            Pacing::Open { .. } => self.scheduled(self.next_k) < self.plan.send_until,
            Pacing::Closed { .. } => Instant::now() < self.plan.send_until,
        }
    }

    /// Open loop: when send `k` is due.
    fn scheduled(&self, k: u64) -> Instant {
        let k = u32::try_from(k).unwrap_or(u32::MAX);
        self.plan.base + self.plan.offset + self.plan.interval.saturating_mul(k)
    }

    /// Intended time of the next send, if one can be made (closed loop:
    /// only while the window has room).
    fn next_due(&self) -> Option<Instant> {
        if !self.more_to_send() {
            return None;
        }
        match self.plan.pacing {
            Pacing::Open { .. } => Some(self.scheduled(self.next_k)),
            Pacing::Closed { window } => (self.inflight.count < window).then(Instant::now),
        }
    }

    /// Queues every send that is due now; true if any was queued.
    async fn emit_due(&mut self, sink: &mut (impl SinkExt<Message> + Unpin)) -> Result<bool, ()> {
        let mut fed = false;
        while let Some(due) = self.next_due() {
            let now = Instant::now();
            if due > now {
                break;
            }
            let t = ns_since(self.plan.base, due.min(now));
            let stamp = Stamp {
                r: self.plan.run_id,
                p: self.plan.pair,
                k: self.next_k,
                t,
            };
            let frame = match &self.plan.msync {
                Some(m) => m.frame(stamp),
                None => self.plan.template.frame(stamp),
            };
            let Ok(frame) = frame else {
                self.bump("encode".into());
                return Err(());
            };
            sink.feed(frame).await.map_err(|_| ())?;
            self.inflight.insert(self.next_k, t);
            self.next_k += 1;
            self.res.sent += 1;
            Live::add(&self.plan.live.sent, 1);
            self.res.last_send_ns = ns_since(self.plan.base, now);
            fed = true;
        }
        Ok(fed)
    }

    fn finished(&self) -> bool {
        !self.more_to_send() && self.inflight.count == 0
    }
}

/// The two halves of a sender's socket, handed back by [`run_with`].
pub type Halves = (SplitSink<Ws, Message>, SplitStream<Ws>);

/// Runs one sender until its quota or time is up and its acks are in (or
/// the drain ends), then closes the socket.
pub async fn run(ws: Ws, plan: SenderPlan) -> SenderResult {
    let (res, (mut sink, _stream)) = run_with(ws, plan, &mut |_: &Message| {}).await;
    // Best effort: the server also notices the TCP close.
    let _ = sink.send(Message::Close(None)).await;
    res
}

/// As [`run`], but every frame read is also shown to `on_frame` (a group
/// member receives pushes on its sending socket), and the socket is handed
/// back open.
pub async fn run_with(
    ws: Ws,
    plan: SenderPlan,
    on_frame: &mut (dyn FnMut(&Message) + Send),
) -> (SenderResult, Halves) {
    let (mut sink, mut stream) = ws.split();
    let drain_until = tokio::time::Instant::from_std(plan.drain_until);
    let res = SenderResult {
        pair: plan.pair,
        ..SenderResult::default()
    };
    let mut s = Sender {
        plan,
        next_k: 0,
        inflight: InFlight {
            first: 0,
            slots: VecDeque::new(),
            count: 0,
        },
        res,
    };
    tokio::time::sleep_until(tokio::time::Instant::from_std(s.plan.base + s.plan.offset)).await;
    loop {
        match s.emit_due(&mut sink).await {
            Ok(true) => {
                if sink.flush().await.is_err() {
                    s.bump("socket_closed".into());
                    break;
                }
            }
            Ok(false) => {}
            Err(()) => {
                s.bump("socket_closed".into());
                break;
            }
        }
        if s.finished() {
            break;
        }
        // Wake for the next scheduled send; in closed loop an ack does it.
        let wake = match (s.plan.pacing, s.next_due()) {
            (Pacing::Open { .. }, Some(due)) => tokio::time::Instant::from_std(due),
            _ => drain_until,
        };
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(msg)) => {
                    s.on_frame(&msg);
                    on_frame(&msg);
                    // Take every frame already buffered before writing again.
                    while let Some(Some(Ok(msg))) = stream.next().now_or_never() {
                        s.on_frame(&msg);
                        on_frame(&msg);
                    }
                }
                _ => {
                    s.bump("socket_closed".into());
                    break;
                }
            },
            _ = tokio::time::sleep_until(wake) => {
                if tokio::time::Instant::now() >= drain_until {
                    break;
                }
            }
        }
    }
    s.res.pending = s.inflight.count as u64;
    (s.res, (sink, stream))
}
