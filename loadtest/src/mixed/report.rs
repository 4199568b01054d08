//! The `mixed` report: the idle part (sockets connected and still held at
//! the end), and the `direct` and `group` parts' own reports.

use crate::connect::idle::Logins;
use crate::direct::report::DirectReport;
use crate::group::report::GroupReport;
use crate::plot::{Plot, Series};
use crate::report_text::counts;
use serde::Serialize;
use std::fmt::Write as _;

/// The idle sockets' figures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IdleReport {
    pub sockets: u32,
    /// Connected, failed by kind, login time.
    #[serde(flatten)]
    pub logins: Logins,
    /// Sockets the server closed before the run ended.
    pub closed_during_run: u64,
    /// Connected and still open when the send phase and drain were over.
    pub held: u64,
}

/// Everything `mixed` measured.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MixedReport {
    pub duration_secs: f64,
    /// Users the run logged in as (`setup --users` at least this).
    pub users_needed: u32,
    pub idle: IdleReport,
    pub direct: Option<DirectReport>,
    pub group: Option<GroupReport>,
}

impl MixedReport {
    /// The human table printed at the end of a run: the idle line, then
    /// the `direct` and `group` tables indented.
    pub fn table(&self) -> String {
        let mut o = String::new();
        // Writing to a String cannot fail.
        let _ = writeln!(
            o,
            "mixed: send phase {:.1} s, {} users",
            self.duration_secs, self.users_needed
        );
        let i = &self.idle;
        let l = &i.logins;
        let _ = writeln!(
            o,
            "  idle: {} sockets, {} connected, {} held to the end, {} closed early, failed {}; login p50 {:.3} ms p99 {:.3} ms",
            i.sockets,
            l.connected,
            i.held,
            i.closed_during_run,
            counts(&l.failed),
            l.login.p50_ms,
            l.login.p99_ms
        );
        if let Some(f) = &l.first_failure {
            let _ = writeln!(o, "  idle first failure: {f}");
        }
        let parts = [
            self.direct.as_ref().map(DirectReport::table),
            self.group.as_ref().map(GroupReport::table),
        ];
        for table in parts.into_iter().flatten() {
            for line in table.lines() {
                let _ = writeln!(o, "  {line}");
            }
        }
        o
    }
}

impl Plot for MixedReport {
    fn plot_title(&self) -> String {
        format!(
            "mixed: {} idle, {} pairs, group of {}",
            self.idle.sockets,
            self.direct.as_ref().map_or(0, |d| d.pairs),
            self.group.as_ref().map_or(0, |g| g.members)
        )
    }

    fn plot_series(&self) -> Vec<Series<'_>> {
        let direct = self.direct.as_ref().and_then(|d| d.intervals.get("e2e"));
        let group = self.group.as_ref().and_then(|g| g.intervals.get("e2e"));
        [("1:1 deliveries", direct), ("group deliveries", group)]
            .into_iter()
            .filter_map(|(name, iv)| {
                iv.map(|iv| Series {
                    name: name.into(),
                    intervals: iv,
                })
            })
            .collect()
    }
}
