//! Pieces every scenario report shares: rates from counts and elapsed
//! nanoseconds, and the text of the pacing, error-count and lost-id lines.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// `count` per second over `ns` nanoseconds (0 when no time passed).
pub fn per_sec(count: u64, ns: u64) -> f64 {
    if ns == 0 {
        0.0
    } else {
        count as f64 / (ns as f64 / 1e9)
    }
}

/// "open loop, R msg/s scheduled" or "closed loop, window W per sender".
pub fn pace(rate: Option<f64>, window: Option<usize>) -> String {
    match (rate, window) {
        (Some(rate), _) => format!("open loop, {rate:.0} msg/s scheduled"),
        (_, Some(w)) => format!("closed loop, window {w} per sender"),
        _ => String::new(),
    }
}

/// `code=n code=n …`, or `none`.
pub fn counts(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".to_string();
    }
    map.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Appends the "lost msg ids" line when there are any.
pub fn lost_sample_line(out: &mut String, sample: &[String]) {
    if !sample.is_empty() {
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "  lost msg ids (first {}): {}",
            sample.len(),
            sample.join(" ")
        );
    }
}
