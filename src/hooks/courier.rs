//! The courier of one post-send rule: delivers the rule's queue in id
//! order across the shards, one request at a time (so a retry never
//! overtakes), each carrying the events waiting up to the rule's
//! `batch_max` (1: one JSON object per request, Easemob's form; more: a
//! JSON array, so a receiver slower than the events gets them in fewer
//! requests). A request succeeds on HTTP 200 with a body of at most 1,000
//! characters; anything else is a failure (`health.rs` says when to try
//! again, or that the rule is suspended). Delivered entries are deleted.
//!
//! The task reads the rule from the app's cached record before each
//! request: a disabled rule waits; a deleted one has its queue purged and
//! the task ends. It must never panic: every error is counted, kept in
//! the lane's failures and retried.

use super::health::{AfterFailure, Health};
use super::reader::{Entry, LaneReader};
use super::render::event_json;
use super::stats::{Failure, LaneState, LaneStats};
use super::LaneInbox;
use crate::node::Node;
use imcloud_actors::hooks::queue::OutboxPurge;
use imcloud_actors::hooks::{CallbackRule, LaneKey, QueuedEvent};
use imcloud_actors::ids::AppKey;
use imcloud_actors::DomainError;
use imcloud_shards::codec;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The longest answer a receiver may give (§8: 1,000 characters).
const MAX_ANSWER: usize = 1_000;
/// Entries purged per shard query when a rule is gone.
const PURGE_PAGE: usize = 1_000;

/// How a request ended.
enum Sent {
    Ok,
    Failed { status: Option<u16>, error: String },
}

/// Whether the rule still exists: its current form, or `None`.
async fn current_rule(
    node: &Node,
    app: &AppKey,
    lane: u32,
) -> Result<Option<CallbackRule>, DomainError> {
    match node.app(app).await {
        Ok(record) => Ok(record.callbacks.iter().find(|r| r.id == lane).cloned()),
        Err(DomainError::AppNotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Deletes every entry of a lane whose rule is gone.
pub(super) async fn purge(node: &Node, key: &LaneKey) {
    for shard in 0..node.shard_count() {
        loop {
            let q = OutboxPurge {
                app: key.app.clone(),
                lane: key.lane,
                limit: PURGE_PAGE,
            };
            match node.ask_shard(shard, q).await {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(app = %key.app, lane = key.lane, shard, error = %e, "purging a deleted rule's queue failed; retried at its next event or restart");
                    break;
                }
            }
        }
    }
}

async fn post(node: &Node, url: &str, body: &Value) -> Sent {
    let timeout = Duration::from_millis(node.config.hooks.request_timeout_ms);
    let response = node
        .hooks
        .http
        .post(url)
        .json(body)
        .timeout(timeout)
        .send()
        .await;
    let mut response = match response {
        Ok(r) => r,
        Err(e) => {
            return Sent::Failed {
                status: None,
                error: e.to_string(),
            }
        }
    };
    let status = response.status().as_u16();
    let mut read = 0usize;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len();
                if read > MAX_ANSWER {
                    return Sent::Failed {
                        status: Some(status),
                        error: format!("answer longer than {MAX_ANSWER} characters"),
                    };
                }
            }
            Ok(None) => break,
            Err(e) => {
                return Sent::Failed {
                    status: Some(status),
                    error: format!("reading the answer: {e}"),
                }
            }
        }
    }
    if status == 200 {
        Sent::Ok
    } else {
        Sent::Failed {
            status: Some(status),
            error: format!("HTTP {status}"),
        }
    }
}

/// The lane's courier; returns when its rule is gone (after purging).
pub(super) async fn run(node: Node, key: LaneKey, inbox: Arc<LaneInbox>, stats: Arc<LaneStats>) {
    let Ok(app) = AppKey::parse(&key.app) else {
        tracing::error!(app = %key.app, "an outbox lane of no valid app; left alone");
        return;
    };
    let cfg = node.config.hooks.clone();
    let mut reader = LaneReader::new(node.clone(), key.app.clone(), key.lane);
    let mut health = Health::default();
    let mut tick = tokio::time::interval(Duration::from_millis(cfg.tick_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut idle = false;
    loop {
        if idle {
            tokio::select! {
                _ = inbox.wait() => {}
                _ = tick.tick() => {}
            }
        }
        idle = true;
        for (shard, newest) in inbox.take() {
            reader.durable(shard, newest);
        }
        let rule = match current_rule(&node, &app, key.lane).await {
            Ok(Some(rule)) => rule,
            Ok(None) => {
                purge(&node, &key).await;
                node.hooks.lanes.remove(&key);
                inbox.stop();
                return;
            }
            Err(e) => {
                tracing::warn!(app = %key.app, error = %e, "reading the app's rules failed");
                continue;
            }
        };
        let now = node.clock.now_ms();
        if !rule.enabled {
            stats.set_state(LaneState::Disabled);
            continue;
        }
        if health.suspended(now) {
            stats.set_state(LaneState::Suspended);
            continue;
        }
        stats.set_state(if health.retrying() {
            LaneState::Retrying
        } else {
            LaneState::Active
        });
        if !health.ready(now) || !reader.pending() {
            continue;
        }
        let batch_max = rule.batch_max.max(1) as usize;
        if let Err(e) = reader.fill(batch_max).await {
            tracing::warn!(app = %key.app, lane = key.lane, error = %e, "reading a rule's queue failed");
            continue;
        }
        let batch = reader.peek(batch_max);
        if batch.is_empty() {
            continue;
        }
        let decoded: Vec<(Entry, Option<QueuedEvent>)> = batch
            .into_iter()
            .map(|e| {
                let q = codec::decode::<QueuedEvent>(&e.bytes).ok();
                (e, q)
            })
            .collect();
        // Dropped first, if the queue starts with events to drop: an
        // event that does not decode, or (by default) one that happened
        // while the rule was suspended.
        let drop = |q: &Option<QueuedEvent>| match q {
            None => true,
            Some(q) => cfg.drop_while_suspended && health.during_suspension(q.at),
        };
        let dropped: Vec<Entry> = decoded
            .iter()
            .take_while(|(_, q)| drop(q))
            .map(|(e, _)| e.clone())
            .collect();
        if !dropped.is_empty() {
            let n = dropped.len();
            reader.consume(&dropped).await;
            stats.dropped.fetch_add(n as u64, Ordering::Relaxed);
            stats.unqueue(n as u64);
            stats.record(Failure {
                at: now,
                status: None,
                error: format!("{n} events dropped: they happened while the rule was suspended (or do not decode)"),
                events: n,
                first_call_id: String::new(),
            });
            idle = false;
            continue;
        }
        let sending: Vec<(Entry, QueuedEvent)> = decoded
            .into_iter()
            .map_while(|(e, q)| match q {
                Some(q) if !(cfg.drop_while_suspended && health.during_suspension(q.at)) => {
                    Some((e, q))
                }
                _ => None,
            })
            .collect();
        let bodies: Vec<Value> = sending
            .iter()
            .map(|(e, q)| event_json(&key.app, &cfg.host, &rule.secret, e.id, q))
            .collect();
        let first_call_id = bodies
            .first()
            .and_then(|b| b["callId"].as_str())
            .unwrap_or_default()
            .to_string();
        let body = if rule.batch_max > 1 {
            Value::Array(bodies)
        } else {
            bodies.into_iter().next().unwrap_or(Value::Null)
        };
        match post(&node, &rule.url, &body).await {
            Sent::Ok => {
                let done: Vec<Entry> = sending.into_iter().map(|(e, _)| e).collect();
                let n = done.len() as u64;
                reader.consume(&done).await;
                health.success();
                stats.delivered.fetch_add(n, Ordering::Relaxed);
                stats.unqueue(n);
                stats.set_state(LaneState::Active);
                idle = false;
            }
            Sent::Failed { status, error } => {
                let now = node.clock.now_ms();
                stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(app = %key.app, rule = %rule.name, error = %error, "callback request failed");
                stats.record(Failure {
                    at: now,
                    status,
                    error,
                    events: sending.len(),
                    first_call_id,
                });
                match health.failure(now, &cfg) {
                    AfterFailure::RetryAt(at) => {
                        stats.set_state(LaneState::Retrying);
                        // The immediate retry goes without waiting.
                        idle = at > now;
                    }
                    AfterFailure::SuspendedUntil(until) => {
                        tracing::warn!(app = %key.app, rule = %rule.name, until, "callback rule suspended after repeated failures");
                        stats.suspended_until.store(until, Ordering::Relaxed);
                        stats.set_state(LaneState::Suspended);
                    }
                }
            }
        }
    }
}
