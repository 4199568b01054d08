//! The `direct` report: counts, exact loss and duplicates (by msg id),
//! throughput and latency percentiles, as a table or one JSON object.
//!
//! `lost` is exact: the msg ids the server acked to a sender that its
//! receiver never got by the end of the drain.

use super::receiver::ReceiverResult;
use super::sender::SenderResult;
use crate::latency::{Interval, Summary, Timed};
use crate::plot::{named_series, Plot, Series};
use crate::report_text::{counts, lost_sample_line, pace, per_sec};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

/// Most lost msg ids listed in the report.
const LOST_SAMPLE: usize = 20;

/// Everything `direct` measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DirectReport {
    /// `open` or `closed`.
    pub mode: String,
    pub pairs: u32,
    /// Open loop: the aggregate schedule, msg/s.
    pub rate: Option<f64>,
    /// Closed loop: requests in flight per sender.
    pub window: Option<usize>,
    pub encoding: String,
    pub payload_bytes: usize,
    /// Time from the run's start to the last send scheduled, s.
    pub send_secs: f64,
    pub sent: u64,
    pub acked: u64,
    /// Error replies by code, plus local failures (`socket_closed`, ...).
    pub errors: BTreeMap<String, u64>,
    /// Sent with no reply by the end of the drain.
    pub pending: u64,
    /// Distinct messages delivered.
    pub delivered: u64,
    pub duplicates: u64,
    /// Acked msg ids never delivered.
    pub lost: u64,
    /// Up to 20 of the lost msg ids.
    pub lost_sample: Vec<String>,
    /// Delivered although the sender saw no ack (an error or no reply).
    pub delivered_unacked: u64,
    /// Delivered after a later message of the same sender.
    pub reordered: u64,
    pub misrouted: u64,
    /// Pushes of another run or without a stamp.
    pub foreign: u64,
    /// Receiver sockets that ended before the run did.
    pub receivers_closed_early: u64,
    /// Acks per second, from the start to the last ack.
    pub acked_per_sec: f64,
    /// Deliveries per second, from the start to the last delivery.
    pub delivered_per_sec: f64,
    pub e2e: Summary,
    pub ack: Summary,
    /// Per second of the run: `e2e` (deliveries) and `ack` (acks).
    pub intervals: BTreeMap<String, Vec<Interval>>,
    /// Pairs that spoke msync (`/websocket`); the others spoke `/ws`.
    pub msync_pairs: u32,
    /// With both protocols in the run: each one's part (`ws`, `msync`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_protocol: BTreeMap<String, ProtocolPart>,
}

/// One protocol's pairs in a run that mixed them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProtocolPart {
    pub pairs: u32,
    pub acked: u64,
    pub delivered: u64,
    pub acked_per_sec: f64,
    pub delivered_per_sec: f64,
    pub e2e: Summary,
    pub ack: Summary,
}

/// Acks and deliveries of some pairs, merged.
#[derive(Default)]
struct Part {
    pairs: u32,
    acked: u64,
    delivered: u64,
    last_ack: u64,
    last_delivery: u64,
    ack: Timed,
    e2e: Timed,
}

impl Part {
    fn finish(self) -> ProtocolPart {
        ProtocolPart {
            pairs: self.pairs,
            acked: self.acked,
            delivered: self.delivered,
            acked_per_sec: per_sec(self.acked, self.last_ack),
            delivered_per_sec: per_sec(self.delivered, self.last_delivery),
            e2e: self.e2e.summary(),
            ack: self.ack.summary(),
        }
    }
}

/// The run's settings the report repeats.
pub struct RunFacts {
    pub mode: &'static str,
    pub pairs: u32,
    pub rate: Option<f64>,
    pub window: Option<usize>,
    pub encoding: &'static str,
    pub payload_bytes: usize,
    pub send_secs: f64,
    /// The first `msync_pairs` pairs spoke msync.
    pub msync_pairs: u32,
}

/// Merges the per-socket results. Senders and receivers are matched by pair.
pub fn build(
    facts: RunFacts,
    senders: Vec<SenderResult>,
    receivers: Vec<ReceiverResult>,
) -> DirectReport {
    let mut r = DirectReport {
        mode: facts.mode.into(),
        pairs: facts.pairs,
        rate: facts.rate,
        window: facts.window,
        encoding: facts.encoding.into(),
        payload_bytes: facts.payload_bytes,
        send_secs: facts.send_secs,
        msync_pairs: facts.msync_pairs,
        ..DirectReport::default()
    };
    // Each protocol's part, when the run mixed them.
    let split = facts.msync_pairs > 0 && facts.msync_pairs < facts.pairs;
    let mut parts = [Part::default(), Part::default()];
    let part_of = |pair: u32| usize::from(pair < facts.msync_pairs);
    if split {
        parts[1].pairs = facts.msync_pairs;
        parts[0].pairs = facts.pairs - facts.msync_pairs;
        for s in &senders {
            let p = &mut parts[part_of(s.pair)];
            p.acked += s.acked_ids.len() as u64;
            p.ack.merge(&s.ack_latency);
            p.last_ack = p.last_ack.max(s.last_ack_ns);
        }
        for x in &receivers {
            let p = &mut parts[part_of(x.pair)];
            p.delivered += x.ids.len() as u64;
            p.e2e.merge(&x.e2e);
            p.last_delivery = p.last_delivery.max(x.last_ns);
        }
    }
    let mut ack = Timed::default();
    let mut e2e = Timed::default();
    let empty = HashSet::new();
    let by_pair: BTreeMap<u32, &ReceiverResult> = receivers.iter().map(|x| (x.pair, x)).collect();
    let (mut last_ack, mut last_delivery) = (0u64, 0u64);
    for s in &senders {
        r.sent += s.sent;
        r.acked += s.acked_ids.len() as u64;
        r.pending += s.pending;
        for (code, n) in &s.errors {
            *r.errors.entry(code.clone()).or_default() += n;
        }
        ack.merge(&s.ack_latency);
        last_ack = last_ack.max(s.last_ack_ns);
        let delivered = by_pair.get(&s.pair).map_or(&empty, |x| &x.ids);
        let mut acked_delivered = 0u64;
        for id in &s.acked_ids {
            if delivered.contains(id) {
                acked_delivered += 1;
            } else {
                r.lost += 1;
                if r.lost_sample.len() < LOST_SAMPLE {
                    r.lost_sample.push(id.to_string());
                }
            }
        }
        r.delivered_unacked += (delivered.len() as u64).saturating_sub(acked_delivered);
    }
    for x in &receivers {
        r.delivered += x.ids.len() as u64;
        r.duplicates += x.duplicates;
        r.reordered += x.reordered;
        r.misrouted += x.misrouted;
        r.foreign += x.foreign;
        r.receivers_closed_early += u64::from(x.closed_early);
        e2e.merge(&x.e2e);
        last_delivery = last_delivery.max(x.last_ns);
    }
    r.acked_per_sec = per_sec(r.acked, last_ack);
    r.delivered_per_sec = per_sec(r.delivered, last_delivery);
    r.e2e = e2e.summary();
    r.ack = ack.summary();
    r.intervals = BTreeMap::from([
        ("e2e".to_string(), e2e.intervals()),
        ("ack".to_string(), ack.intervals()),
    ]);
    if split {
        let [ws, msync] = parts;
        r.by_protocol = BTreeMap::from([
            ("ws".to_string(), ws.finish()),
            ("msync".to_string(), msync.finish()),
        ]);
    }
    r
}

impl DirectReport {
    /// The human table printed at the end of a run.
    pub fn table(&self) -> String {
        let mut o = String::new();
        let pace = pace(self.rate, self.window);
        let errors = counts(&self.errors);
        // Writing to a String cannot fail.
        let _ = writeln!(
            o,
            "direct: {} pairs, {pace}, {} frames, {} B payload, send phase {:.1} s",
            self.pairs, self.encoding, self.payload_bytes, self.send_secs
        );
        if self.msync_pairs > 0 {
            let _ = writeln!(
                o,
                "  {} of the pairs speak msync (/websocket), the others /ws",
                self.msync_pairs
            );
        }
        let _ = writeln!(
            o,
            "  sent {:>10}   acked {:>10}   pending {:>6}   errors {errors}",
            self.sent, self.acked, self.pending
        );
        let _ = writeln!(
            o,
            "  delivered {:>7}   duplicates {:>5}   lost {:>6}   delivered-unacked {}",
            self.delivered, self.duplicates, self.lost, self.delivered_unacked
        );
        let _ = writeln!(
            o,
            "  reordered {}   misrouted {}   foreign {}   receivers closed early {}",
            self.reordered, self.misrouted, self.foreign, self.receivers_closed_early
        );
        let _ = writeln!(
            o,
            "  throughput: {:.0} acked/s, {:.0} delivered/s",
            self.acked_per_sec, self.delivered_per_sec
        );
        let _ = writeln!(o, "  {}", Summary::header());
        let _ = writeln!(o, "  {}", self.e2e.row("end-to-end"));
        let _ = writeln!(o, "  {}", self.ack.row("ack"));
        for (name, p) in &self.by_protocol {
            let _ = writeln!(
                o,
                "  {name}: {} pairs, {:.0} acked/s, {:.0} delivered/s",
                p.pairs, p.acked_per_sec, p.delivered_per_sec
            );
            let _ = writeln!(o, "  {}", p.e2e.row(&format!("{name} end-to-end")));
            let _ = writeln!(o, "  {}", p.ack.row(&format!("{name} ack")));
        }
        lost_sample_line(&mut o, &self.lost_sample);
        o
    }
}

impl Plot for DirectReport {
    fn plot_title(&self) -> String {
        format!(
            "direct: {} pairs, {}",
            self.pairs,
            pace(self.rate, self.window)
        )
    }

    fn plot_series(&self) -> Vec<Series<'_>> {
        named_series(&self.intervals, &[("e2e", "deliveries (e2e)")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> RunFacts {
        RunFacts {
            mode: "closed",
            pairs: 2,
            rate: None,
            window: Some(1),
            encoding: "json",
            payload_bytes: 1,
            send_secs: 1.0,
            msync_pairs: 0,
        }
    }

    #[test]
    fn lost_is_acked_ids_never_delivered_per_pair() {
        let s0 = SenderResult {
            pair: 0,
            sent: 4,
            acked_ids: vec![1, 2, 3],
            pending: 1,
            ..SenderResult::default()
        };
        let s1 = SenderResult {
            pair: 1,
            sent: 2,
            acked_ids: vec![10, 11],
            ..SenderResult::default()
        };
        // Pair 0 got 1 and 3 (2 is lost) plus 4, whose ack never came; pair 1
        // got 10 twice and 11; id 2 turning up at pair 1 does not make it
        // delivered for pair 0.
        let r0 = ReceiverResult {
            pair: 0,
            ids: [1, 3, 4].into(),
            ..ReceiverResult::default()
        };
        let r1 = ReceiverResult {
            pair: 1,
            ids: [10, 11, 2].into(),
            duplicates: 1,
            ..ReceiverResult::default()
        };
        let r = build(facts(), vec![s0, s1], vec![r0, r1]);
        assert_eq!(
            (r.sent, r.acked, r.pending, r.delivered, r.duplicates),
            (6, 5, 1, 6, 1)
        );
        assert_eq!(r.lost, 1);
        assert_eq!(r.lost_sample, vec!["2".to_string()]);
        assert_eq!(r.delivered_unacked, 2, "4 at pair 0, 2 at pair 1");
    }

    #[test]
    fn a_receiver_that_never_reported_loses_everything_acked() {
        let s = SenderResult {
            pair: 0,
            sent: 2,
            acked_ids: vec![5, 6],
            ..SenderResult::default()
        };
        let r = build(facts(), vec![s], Vec::new());
        assert_eq!((r.lost, r.delivered), (2, 0));
        assert!(r.table().contains("lost msg ids (first 2): 5 6"));
    }
}
