//! The `group` report: sends and acks, deliveries expected (each acked
//! message to every member but its sender) against deliveries made, exact
//! loss by msg id, duplicates, throughput and latency percentiles.

use super::member::MemberResult;
use crate::chatroom::shed::ShedCounts;
use crate::direct::sender::SenderResult;
use crate::latency::{Interval, Summary, Timed};
use crate::plot::{named_series, Plot, Series};
use crate::report_text::{counts, lost_sample_line, pace, per_sec};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

/// Most lost msg ids listed in the report.
const LOST_SAMPLE: usize = 20;

/// Everything `group` measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GroupReport {
    /// `group` or `chatroom`.
    pub scenario: String,
    /// The group or room id.
    pub group: String,
    /// Chatrooms: the senders' priority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Chatrooms: what the server shed during the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shed: Option<ShedCounts>,
    /// `open` or `closed`.
    pub mode: String,
    pub members: u32,
    pub senders: u32,
    pub rate: Option<f64>,
    pub window: Option<usize>,
    pub encoding: String,
    pub payload_bytes: usize,
    /// Time from the run's start to the last send, s.
    pub send_secs: f64,
    pub sent: u64,
    pub acked: u64,
    /// Error replies by code, plus local failures.
    pub errors: BTreeMap<String, u64>,
    pub pending: u64,
    /// Acked messages times the members other than their sender.
    pub deliveries_expected: u64,
    /// Distinct (member, acked msg id) deliveries.
    pub delivered: u64,
    /// Expected deliveries that never came.
    pub missing_deliveries: u64,
    /// Acked msg ids some member never got.
    pub lost: u64,
    pub lost_sample: Vec<String>,
    /// Delivered although the sender saw no ack.
    pub delivered_unacked: u64,
    pub duplicates: u64,
    /// Pushes of a member's own messages to its sending socket.
    pub own_copies: u64,
    pub foreign: u64,
    pub members_closed_early: u64,
    pub acked_per_sec: f64,
    /// Deliveries per second, from the start to the last delivery.
    pub deliveries_per_sec: f64,
    pub e2e: Summary,
    pub ack: Summary,
    /// Per second of the run: `e2e` (deliveries) and `ack` (acks).
    pub intervals: BTreeMap<String, Vec<Interval>>,
}

/// The run's settings the report repeats.
pub struct GroupFacts {
    pub group: String,
    /// Chatrooms: the priority sent at and what the server shed.
    pub chatroom: Option<(&'static str, ShedCounts)>,
    pub mode: &'static str,
    pub members: u32,
    pub rate: Option<f64>,
    pub window: Option<usize>,
    pub encoding: &'static str,
    pub payload_bytes: usize,
    pub send_secs: f64,
}

/// Merges the results. `senders[i]` is sender index `i`; a member's
/// `sender` says which one it is.
pub fn build(
    facts: GroupFacts,
    senders: Vec<SenderResult>,
    members: Vec<MemberResult>,
) -> GroupReport {
    let mut r = GroupReport {
        scenario: if facts.chatroom.is_some() {
            "chatroom"
        } else {
            "group"
        }
        .into(),
        group: facts.group,
        priority: facts.chatroom.map(|(p, _)| p.to_string()),
        shed: facts.chatroom.map(|(_, s)| s),
        mode: facts.mode.into(),
        members: facts.members,
        senders: senders.len() as u32,
        rate: facts.rate,
        window: facts.window,
        encoding: facts.encoding.into(),
        payload_bytes: facts.payload_bytes,
        send_secs: facts.send_secs,
        ..GroupReport::default()
    };
    let mut ack = Timed::default();
    let mut e2e = Timed::default();
    let mut last_ack = 0u64;
    let mut last_delivery = 0u64;
    for (i, s) in senders.iter().enumerate() {
        r.sent += s.sent;
        r.acked += s.acked_ids.len() as u64;
        r.pending += s.pending;
        for (code, n) in &s.errors {
            *r.errors.entry(code.clone()).or_default() += n;
        }
        ack.merge(&s.ack_latency);
        last_ack = last_ack.max(s.last_ack_ns);
        let receivers: Vec<&MemberResult> = members
            .iter()
            .filter(|m| m.sender != Some(i as u32))
            .collect();
        // Members that never reported count as receivers that got nothing.
        let absent = u64::from(facts.members)
            .saturating_sub(1)
            .saturating_sub(receivers.len() as u64);
        let acked: HashSet<u64> = s.acked_ids.iter().copied().collect();
        r.deliveries_expected += acked.len() as u64 * u64::from(facts.members.saturating_sub(1));
        for id in &s.acked_ids {
            let got = receivers
                .iter()
                .filter(|m| m.ids.get(i).is_some_and(|set| set.contains(id)))
                .count() as u64;
            let missing = receivers.len() as u64 - got + absent;
            r.delivered += got;
            r.missing_deliveries += missing;
            if missing > 0 {
                r.lost += 1;
                if r.lost_sample.len() < LOST_SAMPLE {
                    r.lost_sample.push(id.to_string());
                }
            }
        }
        for m in &receivers {
            if let Some(set) = m.ids.get(i) {
                r.delivered_unacked += set.iter().filter(|id| !acked.contains(id)).count() as u64;
            }
        }
    }
    for m in &members {
        r.duplicates += m.duplicates;
        r.own_copies += m.own;
        r.foreign += m.foreign;
        r.members_closed_early += u64::from(m.closed_early);
        e2e.merge(&m.e2e);
        last_delivery = last_delivery.max(m.last_ns);
    }
    r.acked_per_sec = per_sec(r.acked, last_ack);
    r.deliveries_per_sec = per_sec(r.delivered + r.delivered_unacked, last_delivery);
    r.e2e = e2e.summary();
    r.ack = ack.summary();
    r.intervals = BTreeMap::from([
        ("e2e".to_string(), e2e.intervals()),
        ("ack".to_string(), ack.intervals()),
    ]);
    r
}

impl GroupReport {
    /// The human table printed at the end of a run.
    pub fn table(&self) -> String {
        let mut o = String::new();
        let pace = pace(self.rate, self.window);
        let errors = counts(&self.errors);
        // Writing to a String cannot fail.
        let priority = match &self.priority {
            Some(p) => format!(", {p} priority"),
            None => String::new(),
        };
        let _ = writeln!(
            o,
            "{} {}: {} members, {} senders, {pace}{priority}, {} frames, {} B payload, send phase {:.1} s",
            self.scenario,
            self.group,
            self.members,
            self.senders,
            self.encoding,
            self.payload_bytes,
            self.send_secs
        );
        let _ = writeln!(
            o,
            "  sent {:>10}   acked {:>10}   pending {:>6}   errors {errors}",
            self.sent, self.acked, self.pending
        );
        let _ = writeln!(
            o,
            "  deliveries expected {:>9}   delivered {:>9}   missing {:>6}",
            self.deliveries_expected, self.delivered, self.missing_deliveries
        );
        let _ = writeln!(
            o,
            "  lost msgs {}   duplicates {}   delivered-unacked {}   own copies {}   foreign {}   members closed early {}",
            self.lost, self.duplicates, self.delivered_unacked, self.own_copies, self.foreign, self.members_closed_early
        );
        let _ = writeln!(
            o,
            "  throughput: {:.0} acked/s, {:.0} deliveries/s",
            self.acked_per_sec, self.deliveries_per_sec
        );
        if let Some(shed) = &self.shed {
            let _ = writeln!(
                o,
                "  server shed: refused high {} normal {} low {}; pushes skipped by busy devices {}",
                shed.high, shed.normal, shed.low, shed.device
            );
        }
        let _ = writeln!(o, "  {}", Summary::header());
        let _ = writeln!(o, "  {}", self.e2e.row("end-to-end"));
        let _ = writeln!(o, "  {}", self.ack.row("ack"));
        lost_sample_line(&mut o, &self.lost_sample);
        o
    }
}

impl Plot for GroupReport {
    fn plot_title(&self) -> String {
        format!(
            "group {}: {} members, {} senders, {}",
            self.group,
            self.members,
            self.senders,
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

    fn facts(members: u32) -> GroupFacts {
        GroupFacts {
            group: "g".into(),
            chatroom: None,
            mode: "closed",
            members,
            rate: None,
            window: Some(1),
            encoding: "json",
            payload_bytes: 1,
            send_secs: 1.0,
        }
    }

    fn member(index: u32, sender: Option<u32>, ids: Vec<Vec<u64>>) -> MemberResult {
        MemberResult {
            index,
            sender,
            ids: ids.into_iter().map(|v| v.into_iter().collect()).collect(),
            ..MemberResult::default()
        }
    }

    #[test]
    fn every_member_but_the_sender_is_owed_each_acked_message() {
        let s0 = SenderResult {
            pair: 0,
            sent: 2,
            acked_ids: vec![1, 2],
            ..SenderResult::default()
        };
        let s1 = SenderResult {
            pair: 1,
            sent: 1,
            acked_ids: vec![7],
            ..SenderResult::default()
        };
        // 3 members: m0 sends as 0, m1 as 1, m2 only receives. m2 missed 2.
        let m0 = member(0, Some(0), vec![vec![], vec![7]]);
        let m1 = member(1, Some(1), vec![vec![1, 2], vec![]]);
        let m2 = member(2, None, vec![vec![1], vec![7]]);
        let r = build(facts(3), vec![s0, s1], vec![m0, m1, m2]);
        assert_eq!((r.sent, r.acked, r.deliveries_expected), (3, 3, 6));
        assert_eq!((r.delivered, r.missing_deliveries, r.lost), (5, 1, 1));
        assert_eq!(r.lost_sample, vec!["2".to_string()]);
        assert!(r.table().contains("lost msg ids (first 1): 2"));
    }

    #[test]
    fn a_member_that_never_reported_misses_everything() {
        let s0 = SenderResult {
            pair: 0,
            sent: 1,
            acked_ids: vec![4],
            ..SenderResult::default()
        };
        let m0 = member(0, Some(0), vec![vec![]]);
        let r = build(facts(3), vec![s0], vec![m0]);
        assert_eq!(
            (
                r.deliveries_expected,
                r.delivered,
                r.missing_deliveries,
                r.lost
            ),
            (2, 0, 2, 1)
        );
    }
}
