//! The `rest` report: per kind of call, calls made, 2xx answers, errors by
//! HTTP status (or `timeout`, `connect`, ... when there was no answer),
//! answers per second and latency percentiles from the intended time; the
//! same over all calls; and per-second series for `--plot`.

use super::{Kind, Outcome};
use crate::latency::{Interval, Summary, Timed};
use crate::plot::{Plot, Series};
use crate::report_text::{counts, per_sec};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One kind of call's figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KindReport {
    pub calls: u64,
    /// Answered 2xx.
    pub ok: u64,
    /// Non-2xx answers by HTTP status, and calls without an answer by why.
    pub errors: BTreeMap<String, u64>,
    /// 2xx answers per second, from the start to the last answer.
    pub ok_per_sec: f64,
    pub latency: Summary,
}

/// Everything `rest` measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RestReport {
    /// Calls per second scheduled.
    pub rate: f64,
    pub users: u32,
    pub send_share: f64,
    pub payload_bytes: usize,
    /// From the start to the last call scheduled, s.
    pub send_secs: f64,
    /// Over all kinds.
    pub all: KindReport,
    /// By kind: `send`, `get_user`, `status`, `offline_count`.
    pub kinds: BTreeMap<String, KindReport>,
    /// Per second: `all` and each kind (answers and their latency).
    pub intervals: BTreeMap<String, Vec<Interval>>,
}

/// The run's settings the report repeats.
pub struct RestFacts {
    pub rate: f64,
    pub users: u32,
    pub send_share: f64,
    pub payload_bytes: usize,
    pub send_secs: f64,
}

#[derive(Default)]
struct Acc {
    calls: u64,
    ok: u64,
    errors: BTreeMap<String, u64>,
    latency: Timed,
    last_ns: u64,
}

impl Acc {
    fn add(&mut self, o: &Outcome) {
        self.calls += 1;
        match o.status {
            Ok(s) if (200..300).contains(&s) => self.ok += 1,
            Ok(s) => *self.errors.entry(s.to_string()).or_default() += 1,
            Err(why) => *self.errors.entry(why.to_string()).or_default() += 1,
        }
        self.latency.record(o.at_ns, o.latency_ns);
        self.last_ns = self.last_ns.max(o.at_ns);
    }

    fn report(&self) -> KindReport {
        KindReport {
            calls: self.calls,
            ok: self.ok,
            errors: self.errors.clone(),
            ok_per_sec: per_sec(self.ok, self.last_ns),
            latency: self.latency.summary(),
        }
    }
}

/// Merges the outcomes of every call.
pub fn build(facts: RestFacts, outcomes: &[Outcome]) -> RestReport {
    let mut all = Acc::default();
    let mut by_kind: BTreeMap<Kind, Acc> = BTreeMap::new();
    for o in outcomes {
        all.add(o);
        by_kind.entry(o.kind).or_default().add(o);
    }
    let mut intervals = BTreeMap::from([("all".to_string(), all.latency.intervals())]);
    let mut kinds = BTreeMap::new();
    for (kind, acc) in &by_kind {
        kinds.insert(kind.name().to_string(), acc.report());
        intervals.insert(kind.name().to_string(), acc.latency.intervals());
    }
    RestReport {
        rate: facts.rate,
        users: facts.users,
        send_share: facts.send_share,
        payload_bytes: facts.payload_bytes,
        send_secs: facts.send_secs,
        all: all.report(),
        kinds,
        intervals,
    }
}

impl RestReport {
    /// The human table printed at the end of a run.
    pub fn table(&self) -> String {
        let mut o = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(
            o,
            "rest: open loop, {:.0} calls/s scheduled, {:.0} % sends, {} users, {} B payload, call phase {:.1} s",
            self.rate,
            self.send_share * 100.0,
            self.users,
            self.payload_bytes,
            self.send_secs
        );
        let _ = writeln!(
            o,
            "  {:<14} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}  errors",
            "call", "calls", "ok", "ok/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        let rows = self
            .kinds
            .iter()
            .map(|(k, r)| (k.as_str(), r))
            .chain(std::iter::once(("all", &self.all)));
        for (name, r) in rows {
            let l = &r.latency;
            let _ = writeln!(
                o,
                "  {name:<14} {:>9} {:>9} {:>9.0} {:>9.3} {:>9.3} {:>9.3} {:>9.3}  {}",
                r.calls,
                r.ok,
                r.ok_per_sec,
                l.p50_ms,
                l.p90_ms,
                l.p99_ms,
                l.max_ms,
                counts(&r.errors)
            );
        }
        o
    }
}

impl Plot for RestReport {
    fn plot_title(&self) -> String {
        format!(
            "rest: {:.0} calls/s scheduled, {:.0} % sends",
            self.rate,
            self.send_share * 100.0
        )
    }

    fn plot_series(&self) -> Vec<Series<'_>> {
        self.intervals
            .get("all")
            .map(|iv| Series {
                name: "all calls".into(),
                intervals: iv,
            })
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_counted_by_status_and_kind() {
        let o = |kind, status, ms: u64| Outcome {
            kind,
            status,
            at_ns: ms * 1_000_000,
            latency_ns: 1_000_000,
        };
        let outcomes = vec![
            o(Kind::Send, Ok(200), 100),
            o(Kind::Send, Ok(429), 200),
            o(Kind::GetUser, Ok(404), 300),
            o(Kind::Status, Err("timeout"), 1500),
        ];
        let r = build(
            RestFacts {
                rate: 4.0,
                users: 2,
                send_share: 0.5,
                payload_bytes: 1,
                send_secs: 1.0,
            },
            &outcomes,
        );
        assert_eq!((r.all.calls, r.all.ok), (4, 1));
        assert_eq!(r.kinds["send"].errors.get("429"), Some(&1));
        assert_eq!(r.kinds["get_user"].errors.get("404"), Some(&1));
        assert_eq!(r.kinds["status"].errors.get("timeout"), Some(&1));
        assert_eq!(r.intervals["all"].len(), 2);
        assert!(r.table().contains("429=1"));
    }
}
