//! Latency histograms (HdrHistogram, microseconds, 3 significant digits)
//! and the percentile summary the reports print.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::time::Duration;

/// Highest latency tracked: larger values are clamped to it.
const MAX_MICROS: u64 = 120_000_000;

/// A histogram of latencies in microseconds.
pub struct Latency(Histogram<u64>);

impl Default for Latency {
    fn default() -> Self {
        Self::new()
    }
}

impl Latency {
    pub fn new() -> Latency {
        // 1 µs .. 120 s at 3 digits is a valid configuration.
        Latency(
            Histogram::new_with_bounds(1, MAX_MICROS, 3)
                .expect("static histogram bounds are valid"),
        )
    }

    /// Records a latency given in nanoseconds.
    pub fn record_ns(&mut self, ns: u64) {
        self.0.saturating_record((ns / 1_000).clamp(1, MAX_MICROS));
    }

    pub fn record(&mut self, d: Duration) {
        self.record_ns(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    }

    pub fn merge(&mut self, other: &Latency) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.0.add(&other.0);
    }

    pub fn summary(&self) -> Summary {
        let ms = |q: f64| self.0.value_at_quantile(q) as f64 / 1000.0;
        Summary {
            count: self.0.len(),
            mean_ms: self.0.mean() / 1000.0,
            p50_ms: ms(0.50),
            p90_ms: ms(0.90),
            p99_ms: ms(0.99),
            p999_ms: ms(0.999),
            max_ms: self.0.max() as f64 / 1000.0,
        }
    }
}

/// Percentiles of one histogram, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    /// One table row: `name  count  p50  p90  p99  p99.9  max`.
    pub fn row(&self, name: &str) -> String {
        format!(
            "{name:<10} {:>10} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
            self.count, self.p50_ms, self.p90_ms, self.p99_ms, self.p999_ms, self.max_ms
        )
    }

    /// The header matching [`Summary::row`].
    pub fn header() -> String {
        format!(
            "{:<10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "latency", "count", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"
        )
    }
}

/// One second of a run: how many events ended in it and their latency
/// percentiles (ms). `t` is the second since the run's start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Interval {
    pub t: u32,
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Most seconds [`Timed::intervals`] reports (a day).
const MAX_SECONDS: u32 = 86_400;

/// A whole-run histogram plus what is needed for one histogram per second.
///
/// A histogram per socket per second would cost 20–150 KB each (hundreds
/// of sockets, tens of seconds), so each socket keeps its events raw, 8
/// bytes each (second, µs), and [`Timed::intervals`] bins the merged events
/// into one histogram per second at the end.
#[derive(Default)]
pub struct Timed {
    pub all: Latency,
    events: Vec<(u32, u32)>,
}

impl Timed {
    /// Records an event that ended `at_ns` after the run's start and took
    /// `latency_ns`.
    pub fn record(&mut self, at_ns: u64, latency_ns: u64) {
        self.all.record_ns(latency_ns);
        let sec = u32::try_from(at_ns / 1_000_000_000).unwrap_or(u32::MAX);
        let micros = (latency_ns / 1_000).clamp(1, MAX_MICROS);
        self.events
            .push((sec, u32::try_from(micros).unwrap_or(u32::MAX)));
    }

    pub fn merge(&mut self, other: &Timed) {
        self.all.merge(&other.all);
        self.events.extend_from_slice(&other.events);
    }

    pub fn summary(&self) -> Summary {
        self.all.summary()
    }

    /// One [`Interval`] per second from 0 to the last second with an event
    /// (seconds without events have count 0).
    pub fn intervals(&self) -> Vec<Interval> {
        let Some(last) = self.events.iter().map(|e| e.0).max() else {
            return Vec::new();
        };
        // Runs are bounded well below this; it only bounds the allocation.
        let last = last.min(MAX_SECONDS);
        let mut hists: Vec<Latency> = (0..=last).map(|_| Latency::new()).collect();
        for &(sec, us) in &self.events {
            if let Some(h) = hists.get_mut(sec as usize) {
                h.record_ns(u64::from(us) * 1_000);
            }
        }
        hists
            .iter()
            .enumerate()
            .map(|(t, h)| {
                let s = h.summary();
                Interval {
                    t: t as u32,
                    count: s.count,
                    p50_ms: s.p50_ms,
                    p90_ms: s.p90_ms,
                    p99_ms: s.p99_ms,
                    max_ms: s.max_ms,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_binned_by_the_second_they_ended_in() {
        let mut a = Timed::default();
        a.record(100_000_000, 2_000_000);
        a.record(2_500_000_000, 10_000_000);
        let mut b = Timed::default();
        b.record(2_900_000_000, 30_000_000);
        a.merge(&b);
        let iv = a.intervals();
        assert_eq!(iv.len(), 3);
        assert_eq!(
            iv.iter().map(|i| i.count).collect::<Vec<_>>(),
            vec![1, 0, 2]
        );
        assert!((iv[0].p50_ms - 2.0).abs() < 0.01, "{iv:?}");
        assert!((iv[2].max_ms - 30.0).abs() < 0.05, "{iv:?}");
        assert_eq!(a.summary().count, 3);
        assert!(Timed::default().intervals().is_empty());
    }
}
