//! The distributions and labelled counters of `/metrics`: request latency
//! per `/ws` op and per REST route, and messages and REST calls per app.
//! Labels are bounded: ops and routes are the server's own (an unknown op
//! is refused before it is timed; a path no route serves is `unmatched`),
//! and apps are counted under their own name for the first
//! [`MAX_APP_LABELS`] apps seen, under `other` after that.

use imcloud_shards::metrics::{buckets, RuntimeMetrics};
use prometheus::core::Collector;
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, TextEncoder};
use std::collections::HashSet;
use std::sync::RwLock;
use std::time::Duration;

/// Apps given a label of their own; the rest share `other`.
pub const MAX_APP_LABELS: usize = 1_000;

pub struct Distributions {
    /// Time from a `/ws` request read to its answer ready, by op.
    pub ws_request_seconds: HistogramVec,
    /// Time of a REST call through the routes, by method and route pattern.
    pub rest_request_seconds: HistogramVec,
    /// Sends acked, by app (`/ws`, msync and REST).
    pub app_messages: IntCounterVec,
    /// REST calls that named an existing app, by app.
    pub app_rest_calls: IntCounterVec,
    apps: RwLock<HashSet<String>>,
}

fn latency_buckets() -> Vec<f64> {
    buckets(0.000_1, 2.0, 16)
}

fn histogram_vec(name: &str, help: &str, labels: &[&str]) -> HistogramVec {
    // Constant names, buckets and labels: checked by the tests below.
    HistogramVec::new(
        HistogramOpts::new(name, help).buckets(latency_buckets()),
        labels,
    )
    .expect("constant histogram options are valid")
}

fn counter_vec(name: &str, help: &str) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help), &["app"]).expect("constant counter options are valid")
}

impl Default for Distributions {
    fn default() -> Self {
        Distributions {
            ws_request_seconds: histogram_vec(
                "imcloud_ws_request_seconds",
                "time from a /ws request read to its answer ready, by op",
                &["op"],
            ),
            rest_request_seconds: histogram_vec(
                "imcloud_rest_request_seconds",
                "time of a REST call, by method and route",
                &["method", "route"],
            ),
            app_messages: counter_vec("imcloud_app_messages_total", "sends acked, by app"),
            app_rest_calls: counter_vec(
                "imcloud_app_rest_calls_total",
                "REST calls to an existing app, by app",
            ),
            apps: RwLock::new(HashSet::new()),
        }
    }
}

impl std::fmt::Debug for Distributions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Distributions")
    }
}

impl Distributions {
    /// The label `app` is counted under.
    fn app_label<'a>(&self, app: &'a str) -> &'a str {
        if self.apps.read().is_ok_and(|s| s.contains(app)) {
            return app;
        }
        let Ok(mut seen) = self.apps.write() else {
            return "other";
        };
        if seen.contains(app) || seen.len() < MAX_APP_LABELS {
            seen.insert(app.to_string());
            app
        } else {
            "other"
        }
    }

    pub fn message_acked(&self, app: &str) {
        self.app_messages
            .with_label_values(&[self.app_label(app)])
            .inc();
    }

    pub fn rest_call(&self, app: &str) {
        self.app_rest_calls
            .with_label_values(&[self.app_label(app)])
            .inc();
    }

    pub fn ws_request(&self, op: &str, took: Duration) {
        self.ws_request_seconds
            .with_label_values(&[op])
            .observe(took.as_secs_f64());
    }

    pub fn rest_request(&self, method: &str, route: &str, took: Duration) {
        self.rest_request_seconds
            .with_label_values(&[method, route])
            .observe(took.as_secs_f64());
    }

    /// Appends these and the runtime's histograms in the text format.
    pub fn render(&self, runtime: &RuntimeMetrics, out: &mut String) {
        let mut families = Vec::new();
        for c in [
            &self.ws_request_seconds as &dyn Collector,
            &self.rest_request_seconds,
            &self.app_messages,
            &self.app_rest_calls,
            &runtime.commit.flush_seconds,
            &runtime.commit.round_requests,
        ] {
            families.extend(c.collect());
        }
        // A labelled family nothing was counted in yet has no samples,
        // which the encoder refuses.
        families.retain(|f| !f.get_metric().is_empty());
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&families, &mut buf) {
            tracing::error!(error = %e, "rendering histograms failed");
            return;
        }
        out.push_str(&String::from_utf8_lossy(&buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_past_the_cap_share_one_label() {
        let d = Distributions::default();
        for i in 0..MAX_APP_LABELS + 5 {
            d.message_acked(&format!("org#app{i}"));
        }
        d.message_acked("org#app0");
        assert_eq!(d.app_messages.with_label_values(&["org#app0"]).get(), 2);
        assert_eq!(d.app_messages.with_label_values(&["other"]).get(), 5);
    }

    #[test]
    fn everything_renders_in_the_text_format() {
        let d = Distributions::default();
        let r = RuntimeMetrics::default();
        d.ws_request("send", Duration::from_millis(3));
        d.rest_request("GET", "/{org}/{app}/users", Duration::from_millis(1));
        r.record_flush(Duration::from_micros(500), 4);
        let mut out = String::new();
        d.render(&r, &mut out);
        for needle in [
            "imcloud_ws_request_seconds_bucket{op=\"send\",le=",
            "imcloud_rest_request_seconds_count{method=\"GET\",route=\"/{org}/{app}/users\"} 1",
            "imcloud_flush_seconds_count 1",
            "imcloud_commit_round_requests_sum 4",
        ] {
            assert!(out.contains(needle), "{needle} missing from:\n{out}");
        }
    }
}
