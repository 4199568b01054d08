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
