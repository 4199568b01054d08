//! Scenario `roaming`: how fast the server reads its own copy of
//! conversations. `history` fills one 1:1 conversation ({prefix}0 →
//! {prefix}1) with `--messages` messages, then {prefix}1 asks `--queries`
//! `history` pages of `--page` before randomly chosen messages of it.
//! `conversations` gives {prefix}0 one conversation with each of
//! {prefix}1..={prefix}P, then lists its first page `--queries` times.
//! Queries go one at a time on one socket: each latency is the server's
//! answer plus one loopback round trip.

use crate::conn::{self, Ws};
use crate::latency::{Latency, Summary};
use crate::target::Target;
use crate::wire::{self, Encoding};
use crate::Error;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::json;
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Read {
    History,
    Conversations,
}

pub struct RoamingOptions {
    pub target: Target,
    pub prefix: String,
    pub read: Read,
    pub messages: u64,
    pub peers: u32,
    pub window: usize,
    pub page: usize,
    pub queries: u64,
    pub enc: Encoding,
}

#[derive(Debug, Serialize)]
pub struct RoamingReport {
    pub read: Read,
    /// Messages sent to fill the conversation(s), and how fast.
    pub filled: u64,
    pub fill_per_sec: f64,
    pub queries: u64,
    /// Queries answered with an error, or with fewer messages than a full
    /// page where one was due.
    pub errors: u64,
    pub latency: Summary,
}

impl RoamingReport {
    pub fn table(&self) -> String {
        format!(
            "roaming {:?}: filled {} messages at {:.0}/s; {} queries, {} errors\n{}\n{}\n",
            self.read,
            self.filled,
            self.fill_per_sec,
            self.queries,
            self.errors,
            Summary::header(),
            self.latency.row("query"),
        )
    }
}

fn frame(value: &serde_json::Value, enc: Encoding) -> Result<Message, Error> {
    match enc {
        Encoding::Json => Ok(Message::Text(value.to_string())),
        Encoding::MsgPack => rmp_serde::to_vec_named(value)
            .map(Message::Binary)
            .map_err(|e| Error::Ws(e.to_string())),
    }
}

/// The next reply (a frame with an `id`), skipping pushes.
async fn next_reply(ws: &mut Ws) -> Result<serde_json::Value, Error> {
    while let Some(msg) = ws.next().await {
        let msg = msg?;
        let v: Option<serde_json::Value> = match &msg {
            Message::Text(t) => serde_json::from_str(t).ok(),
            Message::Binary(b) => rmp_serde::from_slice(b).ok(),
            _ => None,
        };
        if let Some(v) = v.filter(|v| v.get("id").is_some()) {
            return Ok(v);
        }
    }
    Err(Error::Ws("socket closed".into()))
}

/// Sends `total` messages from `ws` to `to(k)`, `window` in flight; the
/// acked msg ids in ack order.
async fn fill(
    ws: &mut Ws,
    total: u64,
    window: usize,
    to: impl Fn(u64) -> String,
    enc: Encoding,
) -> Result<Vec<u64>, Error> {
    let mut ids = Vec::with_capacity(total as usize);
    let mut in_flight: VecDeque<u64> = VecDeque::new();
    let mut next = 0;
    while (ids.len() as u64) < total {
        while next < total && in_flight.len() < window.max(1) {
            let f = json!({"id": next.to_string(), "op": "send", "chat": "single", "to": to(next),
                           "body": {"type": "txt", "msg": format!("roaming {next}")}});
            ws.feed(frame(&f, enc)?).await?;
            in_flight.push_back(next);
            next += 1;
        }
        ws.flush().await?;
        let r = next_reply(ws).await?;
        in_flight.pop_front();
        match r["msg_id"].as_str().and_then(wire::parse_msg_id) {
            Some(id) => ids.push(id),
            None => return Err(Error::Server(format!("a fill send failed: {r}"))),
        }
    }
    Ok(ids)
}

/// A small xorshift: which message each query starts before.
struct Pick(u64);

impl Pick {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

pub async fn run(o: &RoamingOptions) -> Result<RoamingReport, Error> {
    let (me, other) = (format!("{}0", o.prefix), format!("{}1", o.prefix));
    let mut writer = conn::login(&o.target, &me, "roaming-fill", o.enc, None).await?;
    let started = Instant::now();
    let (filled, ids) = match o.read {
        Read::History => {
            let ids = fill(&mut writer, o.messages, o.window, |_| other.clone(), o.enc).await?;
            (o.messages, ids)
        }
        Read::Conversations => {
            let peers = u64::from(o.peers.max(1));
            let prefix = o.prefix.clone();
            fill(
                &mut writer,
                peers,
                o.window,
                move |k| format!("{prefix}{}", k + 1),
                o.enc,
            )
            .await?;
            (peers, Vec::new())
        }
    };
    let fill_secs = started.elapsed().as_secs_f64().max(1e-9);
    let reader_user = match o.read {
        Read::History => &other,
        Read::Conversations => &me,
    };
    let mut reader = conn::login(&o.target, reader_user, "roaming-read", o.enc, None).await?;
    let mut latency = Latency::new();
    let mut errors = 0;
    let mut pick = Pick(0x9E37_79B9_7F4A_7C15);
    for q in 0..o.queries {
        let (f, full) = match o.read {
            Read::History => {
                let at = pick.next(ids.len());
                let before = ids.get(at).copied().unwrap_or(0);
                let f = json!({"id": format!("q{q}"), "op": "history", "chat": "single", "with": me,
                               "before": before.to_string(), "limit": o.page});
                (f, at >= o.page)
            }
            Read::Conversations => {
                let f = json!({"id": format!("q{q}"), "op": "conversations", "limit": o.page});
                (f, o.peers as usize >= o.page)
            }
        };
        let sent = Instant::now();
        reader.send(frame(&f, o.enc)?).await?;
        let r = tokio::time::timeout(Duration::from_secs(10), next_reply(&mut reader))
            .await
            .map_err(|_| Error::Timeout("a roaming query".into()))??;
        latency.record(sent.elapsed());
        let got = r["messages"]
            .as_array()
            .or(r["conversations"].as_array())
            .map_or(0, Vec::len);
        if r["ok"] != json!(true) || (full && got < o.page) {
            errors += 1;
        }
    }
    let _ = writer.send(Message::Close(None)).await;
    let _ = reader.send(Message::Close(None)).await;
    Ok(RoamingReport {
        read: o.read,
        filled,
        fill_per_sec: filled as f64 / fill_secs,
        queries: o.queries,
        errors,
        latency: latency.summary(),
    })
}
