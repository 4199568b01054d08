//! Gateway counters and the Prometheus text rendering of `/metrics`;
//! [`distributions`] holds the histograms and per-app counters.

pub mod distributions;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct GatewayMetrics {
    /// WebSocket connections open now.
    pub connections: AtomicU64,
    /// Authenticated sockets open now.
    pub sessions: AtomicU64,
    /// `send` requests acked.
    pub messages_in: AtomicU64,
    /// Messages pushed to sockets.
    pub messages_out: AtomicU64,
    /// Sockets closed because their push queue was full.
    pub slow_consumers: AtomicU64,
    /// Client errors answered, by any code.
    pub client_errors: AtomicU64,
    /// Sends refused by the per-user rate limit.
    pub rate_limited: AtomicU64,
    /// REST calls refused by their app's rate limit (429 `reach_limit`).
    pub rest_rate_limited: AtomicU64,
    /// REST calls refused by their app's allow-list (403).
    pub rest_not_allowed: AtomicU64,
    /// REST calls refused at the node's in-flight cap (429 `server_busy`).
    pub rest_overloaded: AtomicU64,
    /// Device requests refused at the node's in-flight cap (302).
    pub ws_overloaded: AtomicU64,
    /// Socket requests answered later (sends, syncs…), and their time from
    /// the frame read to the answer ready to write, microseconds in all.
    pub deferred_replies: AtomicU64,
    pub deferred_reply_micros: AtomicU64,
    /// Retention: messages deleted from timelines and from the archive,
    /// and sweeps completed over every shard.
    pub retention_timeline_deleted: AtomicU64,
    pub retention_archive_deleted: AtomicU64,
    pub retention_sweeps: AtomicU64,
    /// Latency histograms and per-app counters.
    pub dist: distributions::Distributions,
}

fn line(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}

/// Each post-send rule's queue (`src/hooks/`), labelled by app and rule
/// id (a rule's name can change; its id names its queue).
fn hook_lines(out: &mut String, node: &crate::node::Node) {
    let lanes = node.hooks.lanes.all();
    let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
    type Read = fn(&crate::hooks::stats::LaneStats) -> u64;
    let families: [(&str, &str, &str, Read); 5] = [
        (
            "imcloud_callback_queued",
            "gauge",
            "post-send events on disk waiting for their rule",
            |s| s.queued.load(Ordering::Relaxed),
        ),
        (
            "imcloud_callback_delivered_total",
            "counter",
            "post-send events delivered",
            |s| s.delivered.load(Ordering::Relaxed),
        ),
        (
            "imcloud_callback_failed_requests_total",
            "counter",
            "post-send requests that failed (each attempt)",
            |s| s.failed.load(Ordering::Relaxed),
        ),
        (
            "imcloud_callback_dropped_total",
            "counter",
            "post-send events given up (they happened while the rule was suspended)",
            |s| s.dropped.load(Ordering::Relaxed),
        ),
        (
            "imcloud_callback_suspended",
            "gauge",
            "1 while the rule is suspended after repeated failures",
            |s| u64::from(s.state() == crate::hooks::stats::LaneState::Suspended),
        ),
    ];
    for (name, kind, help, read) in families {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (key, stats) in &lanes {
            let _ = writeln!(
                out,
                "{name}{{app=\"{}\",rule_id=\"{}\"}} {}",
                key.app,
                key.lane,
                read(stats)
            );
        }
    }
    let p = &node.hooks.presend;
    let _ = writeln!(
        out,
        "# HELP imcloud_presend_total pre-send rule calls by outcome\n# TYPE imcloud_presend_total counter"
    );
    for (outcome, counter) in [
        ("passed", &p.passed),
        ("replaced", &p.replaced),
        ("refused", &p.refused),
        ("failed_passed", &p.failed_passed),
        ("failed_blocked", &p.failed_blocked),
    ] {
        let _ = writeln!(
            out,
            "imcloud_presend_total{{outcome=\"{outcome}\"}} {}",
            l(counter)
        );
    }
    // The HTTP call alone (a device's ack also waits for its earlier
    // sends): tells a slow app server from a slow queue.
    let _ = writeln!(
        out,
        "# HELP imcloud_presend_call_seconds time of each pre-send rule call, answer included\n# TYPE imcloud_presend_call_seconds histogram"
    );
    let mut seen = 0;
    for (i, le) in crate::hooks::presend::BUCKETS_MS.iter().enumerate() {
        seen += l(&p.buckets[i]);
        let _ = writeln!(
            out,
            "imcloud_presend_call_seconds_bucket{{le=\"{}\"}} {seen}",
            *le as f64 / 1000.0
        );
    }
    seen += l(&p.buckets[crate::hooks::presend::BUCKETS_MS.len()]);
    let _ = writeln!(
        out,
        "imcloud_presend_call_seconds_bucket{{le=\"+Inf\"}} {seen}"
    );
    let _ = writeln!(
        out,
        "imcloud_presend_call_seconds_sum {}",
        l(&p.micros) as f64 / 1e6
    );
    let _ = writeln!(out, "imcloud_presend_call_seconds_count {seen}");
}

/// The guard's refusals and requests in flight (`src/guard/`).
fn guard_lines(out: &mut String, node: &crate::node::Node) {
    let g = &node.gateway;
    let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let counters = [
        (
            "imcloud_rest_rate_limited_total",
            "REST calls refused by their app's rate limit (429 reach_limit)",
            l(&g.rest_rate_limited),
        ),
        (
            "imcloud_rest_not_allowed_total",
            "REST calls refused by their app's allow-list (403)",
            l(&g.rest_not_allowed),
        ),
        (
            "imcloud_rest_overloaded_total",
            "REST calls refused at the node's in-flight cap (429 server_busy)",
            l(&g.rest_overloaded),
        ),
        (
            "imcloud_ws_overloaded_total",
            "device requests refused at the node's in-flight cap (302)",
            l(&g.ws_overloaded),
        ),
    ];
    for (name, help, value) in counters {
        line(out, name, "counter", help, value);
    }
    let guard = &node.guard;
    line(
        out,
        "imcloud_rest_in_flight",
        "gauge",
        "REST requests in flight (capped by rest.max_inflight)",
        guard.rest_requests.current() as u64,
    );
    line(
        out,
        "imcloud_ws_requests_in_flight",
        "gauge",
        "device requests in flight (capped by ws.max_node_inflight)",
        guard.device_requests.current() as u64,
    );
}

/// Renders gateway and runtime metrics plus process RSS.
pub fn render(node: &crate::node::Node) -> String {
    let g = &node.gateway;
    let r = &node.runtime;
    let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let mut out = String::new();
    line(
        &mut out,
        "imcloud_connections",
        "gauge",
        "WebSocket connections open",
        l(&g.connections),
    );
    line(
        &mut out,
        "imcloud_sessions",
        "gauge",
        "authenticated sockets open",
        l(&g.sessions),
    );
    line(
        &mut out,
        "imcloud_messages_in_total",
        "counter",
        "sends acked",
        l(&g.messages_in),
    );
    line(
        &mut out,
        "imcloud_messages_out_total",
        "counter",
        "messages pushed to sockets",
        l(&g.messages_out),
    );
    line(
        &mut out,
        "imcloud_slow_consumer_closes_total",
        "counter",
        "sockets closed for a full push queue",
        l(&g.slow_consumers),
    );
    line(
        &mut out,
        "imcloud_client_errors_total",
        "counter",
        "error replies on sockets",
        l(&g.client_errors),
    );
    line(
        &mut out,
        "imcloud_rate_limited_total",
        "counter",
        "sends refused by the per-user rate limit",
        l(&g.rate_limited),
    );
    guard_lines(&mut out, node);
    hook_lines(&mut out, node);
    line(
        &mut out,
        "imcloud_deferred_replies_total",
        "counter",
        "socket requests answered later (sends, syncs)",
        l(&g.deferred_replies),
    );
    line(
        &mut out,
        "imcloud_deferred_reply_micros_total",
        "counter",
        "time from reading such a request to its answer, microseconds",
        l(&g.deferred_reply_micros),
    );
    line(
        &mut out,
        "imcloud_entity_restarts_total",
        "counter",
        "entities restarted after a panic",
        l(&r.entity_restarts),
    );
    line(
        &mut out,
        "imcloud_shard_restarts_total",
        "counter",
        "shard actors restarted",
        l(&r.shard_restarts),
    );
    line(
        &mut out,
        "imcloud_mailbox_full_total",
        "counter",
        "commands refused by a full shard mailbox",
        l(&r.mailbox_full),
    );
    line(
        &mut out,
        "imcloud_flushes_total",
        "counter",
        "group-commit flushes",
        l(&r.flushes),
    );
    line(
        &mut out,
        "imcloud_flush_failures_total",
        "counter",
        "failed flushes",
        l(&r.flush_failures),
    );
    line(
        &mut out,
        "imcloud_flushed_requests_total",
        "counter",
        "commit requests covered by flushes",
        l(&r.flushed_requests),
    );
    line(
        &mut out,
        "imcloud_flush_micros_total",
        "counter",
        "time spent flushing, microseconds",
        l(&r.flush_micros),
    );
    line(
        &mut out,
        "imcloud_encoded_commands_total",
        "counter",
        "commands and notices encoded on their way between entities (shards.encode_commands)",
        l(&r.encoded),
    );
    line(
        &mut out,
        "imcloud_steps_total",
        "counter",
        "entity steps run",
        l(&r.steps),
    );
    line(
        &mut out,
        "imcloud_step_wait_micros_total",
        "counter",
        "time steps waited in shard mailboxes, microseconds",
        l(&r.step_wait_micros),
    );
    line(
        &mut out,
        "imcloud_step_run_micros_total",
        "counter",
        "time steps ran, microseconds",
        l(&r.step_run_micros),
    );
    line(
        &mut out,
        "imcloud_commit_pending",
        "gauge",
        "commit requests waiting for their flush",
        l(&r.commit_pending),
    );
    line(
        &mut out,
        "imcloud_commit_released_total",
        "counter",
        "commit requests whose actions were released",
        l(&r.released_requests),
    );
    line(
        &mut out,
        "imcloud_commit_wait_micros_total",
        "counter",
        "time commit requests waited from submission to release, microseconds",
        l(&r.commit_wait_micros),
    );
    line(
        &mut out,
        "imcloud_active_entities",
        "gauge",
        "entities in memory",
        l(&r.active_entities),
    );
    line(
        &mut out,
        "imcloud_passivations_total",
        "counter",
        "entities dropped for idleness",
        l(&r.passivations),
    );
    line(
        &mut out,
        "imcloud_fanout_batches_total",
        "counter",
        "fan-out notices sent to shards (one per shard holding members, per group message or event)",
        l(&r.fanout_batches),
    );
    line(
        &mut out,
        "imcloud_fanout_notices_total",
        "counter",
        "active entities told a fan-out notice",
        l(&r.fanout_notices),
    );
    let rooms = &node.env.rooms.stats;
    line(
        &mut out,
        "imcloud_chatroom_messages_total",
        "counter",
        "chatroom messages accepted for fan-out",
        l(&rooms.messages),
    );
    line(
        &mut out,
        "imcloud_chatroom_deliveries_total",
        "counter",
        "chatroom pushes handed to device queues",
        l(&rooms.deliveries),
    );
    line(
        &mut out,
        "imcloud_chatroom_pending_deliveries",
        "gauge",
        "chatroom deliveries queued on this node",
        node.env.rooms.pending(),
    );
    let name = "imcloud_chatroom_shed_total";
    let _ = writeln!(
        out,
        "# HELP {name} chatroom messages refused because the node's fan-out queue was backed up\n# TYPE {name} counter"
    );
    for (priority, counter) in [
        ("high", &rooms.shed_high),
        ("normal", &rooms.shed_normal),
        ("low", &rooms.shed_low),
    ] {
        let _ = writeln!(out, "{name}{{priority=\"{priority}\"}} {}", l(counter));
    }
    line(
        &mut out,
        "imcloud_chatroom_device_shed_total",
        "counter",
        "chatroom pushes a busy device skipped (low first, then normal, high only when its queue is full)",
        l(&rooms.device_shed),
    );
    line(
        &mut out,
        "imcloud_retention_deleted_total",
        "counter",
        "stored messages the retention sweep deleted from timelines",
        l(&g.retention_timeline_deleted),
    );
    line(
        &mut out,
        "imcloud_retention_archive_deleted_total",
        "counter",
        "archived messages (export copies) the retention sweep deleted",
        l(&g.retention_archive_deleted),
    );
    line(
        &mut out,
        "imcloud_retention_sweeps_total",
        "counter",
        "retention sweeps completed over every shard",
        l(&g.retention_sweeps),
    );
    line(
        &mut out,
        "imcloud_shard_mailbox_depth",
        "gauge",
        "mail queued in shard mailboxes, all shards",
        l(&r.mailbox_depth),
    );
    g.dist.render(r, &mut out);
    line(
        &mut out,
        "imcloud_process_resident_bytes",
        "gauge",
        "resident set size",
        resident_bytes(),
    );
    out
}

/// Resident set size of this process from /proc (0 where unavailable).
pub fn resident_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4096
}
