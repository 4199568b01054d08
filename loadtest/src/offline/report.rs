//! The `offline` report: what was sent and acked while the receivers were
//! away, what their `sync` returned, how long catching up took, and `lost`:
//! acked msg ids a receiver's sync never returned.

use super::syncer::SyncResult;
use crate::direct::sender::SenderResult;
use crate::latency::{Interval, Latency, Summary, Timed};
use crate::plot::{named_series, Plot, Series};
use crate::report_text::{counts, lost_sample_line};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

/// Most lost msg ids listed in the report.
const LOST_SAMPLE: usize = 20;

/// Everything `offline` measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OfflineReport {
    pub pairs: u32,
    pub per_sender: u64,
    pub window: usize,
    /// Messages per sync page asked for.
    pub limit: u32,
    pub encoding: String,
    /// Send phase, from its start to the last ack, s.
    pub send_secs: f64,
    pub sent: u64,
    pub acked: u64,
    pub errors: BTreeMap<String, u64>,
    pub pending: u64,
    /// Distinct messages of this run the receivers' syncs returned.
    pub synced: u64,
    pub duplicates: u64,
    /// Messages of other runs or pairs returned by sync.
    pub foreign: u64,
    /// Acked msg ids not returned.
    pub lost: u64,
    pub lost_sample: Vec<String>,
    /// Returned although the sender saw no ack.
    pub synced_unacked: u64,
    pub sync_requests: u64,
    /// Receivers that stopped early (error or deadline), with the reason.
    pub sync_failures: BTreeMap<String, u64>,
    /// From the reconnect to the last receiver done (logins included), s.
    pub drain_secs: f64,
    /// `synced` over `drain_secs`.
    pub synced_per_sec: f64,
    /// Each receiver's time to catch up (login included).
    pub catch_up: Summary,
    pub ack: Summary,
    /// Per second of the send phase: `ack` (acks).
    pub intervals: BTreeMap<String, Vec<Interval>>,
}

/// The run's settings the report repeats.
pub struct OfflineFacts {
    pub pairs: u32,
    pub per_sender: u64,
    pub window: usize,
    pub limit: u32,
    pub encoding: &'static str,
    pub send_secs: f64,
}

/// Merges the results; senders and receivers are matched by pair.
pub fn build(
    facts: OfflineFacts,
    senders: Vec<SenderResult>,
    syncs: Vec<SyncResult>,
) -> OfflineReport {
    let mut r = OfflineReport {
        pairs: facts.pairs,
        per_sender: facts.per_sender,
        window: facts.window,
        limit: facts.limit,
        encoding: facts.encoding.into(),
        send_secs: facts.send_secs,
        ..OfflineReport::default()
    };
    let mut ack = Timed::default();
    let mut catch_up = Latency::new();
    let empty = HashSet::new();
    let by_pair: BTreeMap<u32, &SyncResult> = syncs.iter().map(|x| (x.pair, x)).collect();
    for s in &senders {
        r.sent += s.sent;
        r.acked += s.acked_ids.len() as u64;
        r.pending += s.pending;
        for (code, n) in &s.errors {
            *r.errors.entry(code.clone()).or_default() += n;
        }
        ack.merge(&s.ack_latency);
        let got = by_pair.get(&s.pair).map_or(&empty, |x| &x.ids);
        let mut acked_got = 0u64;
        for id in &s.acked_ids {
            if got.contains(id) {
                acked_got += 1;
            } else {
                r.lost += 1;
                if r.lost_sample.len() < LOST_SAMPLE {
                    r.lost_sample.push(id.to_string());
                }
            }
        }
        r.synced_unacked += (got.len() as u64).saturating_sub(acked_got);
    }
    let mut last = 0u64;
    for x in &syncs {
        r.synced += x.ids.len() as u64;
        r.duplicates += x.duplicates;
        r.foreign += x.foreign;
        r.sync_requests += x.pages;
        if let Some(e) = &x.error {
            *r.sync_failures.entry(e.clone()).or_default() += 1;
        }
        catch_up.record_ns(x.done_ns);
        last = last.max(x.done_ns);
    }
    r.drain_secs = last as f64 / 1e9;
    r.synced_per_sec = if last == 0 {
        0.0
    } else {
        r.synced as f64 / r.drain_secs
    };
    r.catch_up = catch_up.summary();
    r.ack = ack.summary();
    r.intervals = BTreeMap::from([("ack".to_string(), ack.intervals())]);
    r
}

impl OfflineReport {
    /// The human table printed at the end of a run.
    pub fn table(&self) -> String {
        let mut o = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(
            o,
            "offline: {} pairs, {} messages per sender (window {}), sync pages of {}, {} frames",
            self.pairs, self.per_sender, self.window, self.limit, self.encoding
        );
        let _ = writeln!(
            o,
            "  sent {:>10}   acked {:>10}   pending {:>6}   errors {}   send phase {:.2} s",
            self.sent,
            self.acked,
            self.pending,
            counts(&self.errors),
            self.send_secs
        );
        let _ = writeln!(
            o,
            "  synced {:>8}   lost {:>6}   duplicates {}   synced-unacked {}   foreign {}",
            self.synced, self.lost, self.duplicates, self.synced_unacked, self.foreign
        );
        let _ = writeln!(
            o,
            "  catch-up: {:.3} s for all, {:.0} messages/s, {} sync requests, failures {}",
            self.drain_secs,
            self.synced_per_sec,
            self.sync_requests,
            counts(&self.sync_failures)
        );
        let _ = writeln!(o, "  {}", Summary::header());
        let _ = writeln!(o, "  {}", self.catch_up.row("catch-up"));
        let _ = writeln!(o, "  {}", self.ack.row("ack"));
        lost_sample_line(&mut o, &self.lost_sample);
        o
    }
}

impl Plot for OfflineReport {
    fn plot_title(&self) -> String {
        format!(
            "offline: {} pairs, send phase ({} per sender)",
            self.pairs, self.per_sender
        )
    }

    fn plot_series(&self) -> Vec<Series<'_>> {
        named_series(&self.intervals, &[("ack", "acks")])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_is_acked_ids_the_sync_did_not_return() {
        let s = SenderResult {
            pair: 0,
            sent: 3,
            acked_ids: vec![1, 2, 3],
            ..SenderResult::default()
        };
        let x = SyncResult {
            pair: 0,
            ids: [1, 3].into(),
            pages: 2,
            done_ns: 500_000_000,
            ..SyncResult::default()
        };
        let facts = OfflineFacts {
            pairs: 1,
            per_sender: 3,
            window: 1,
            limit: 100,
            encoding: "json",
            send_secs: 0.1,
        };
        let r = build(facts, vec![s], vec![x]);
        assert_eq!((r.acked, r.synced, r.lost, r.sync_requests), (3, 2, 1, 2));
        assert_eq!(r.lost_sample, vec!["2".to_string()]);
        assert!((r.synced_per_sec - 4.0).abs() < 1e-9);
    }
}
