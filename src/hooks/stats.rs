//! What an operator sees of each outbox lane (a callback rule's queue, or
//! an app's push notifications): how many entries wait, how many were
//! delivered, failed and dropped, whether the rule is suspended, and the
//! last failed requests. Shared by the lane's courier (which writes it),
//! `/metrics` and the REST views of the rules (which read it).

use imcloud_actors::hooks::LaneKey;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// A lane's delivery state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneState {
    /// Delivering (or nothing to deliver).
    Active,
    /// The last request failed; the next attempt waits its turn.
    Retrying,
    /// Too many failures: nothing is sent until `suspended_until`.
    Suspended,
    /// The rule is disabled: events are neither queued nor sent.
    Disabled,
}

impl LaneState {
    fn from_u8(v: u8) -> LaneState {
        match v {
            1 => LaneState::Retrying,
            2 => LaneState::Suspended,
            3 => LaneState::Disabled,
            _ => LaneState::Active,
        }
    }
}

/// One failed request (or events dropped).
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// When (Unix ms).
    pub at: i64,
    /// The HTTP status, if an answer came.
    pub status: Option<u16>,
    pub error: String,
    /// Events in the request.
    pub events: usize,
    /// The `callId` of its first event.
    pub first_call_id: String,
}

/// Counters of one lane.
#[derive(Debug)]
pub struct LaneStats {
    /// Entries on disk not yet delivered or dropped.
    pub queued: AtomicU64,
    pub delivered: AtomicU64,
    /// Failed requests (each attempt counts).
    pub failed: AtomicU64,
    /// Entries given up: events of a suspension, notifications past their
    /// attempts, tokens a provider refused.
    pub dropped: AtomicU64,
    state: AtomicU8,
    pub suspended_until: AtomicI64,
    failures: Mutex<VecDeque<Failure>>,
    kept: usize,
}

impl LaneStats {
    pub fn new(kept: usize) -> LaneStats {
        LaneStats {
            queued: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            state: AtomicU8::new(0),
            suspended_until: AtomicI64::new(0),
            failures: Mutex::new(VecDeque::new()),
            kept: kept.max(1),
        }
    }

    pub fn state(&self) -> LaneState {
        LaneState::from_u8(self.state.load(Ordering::Relaxed))
    }

    pub fn set_state(&self, s: LaneState) {
        self.state.store(s as u8, Ordering::Relaxed);
    }

    /// Records a failure (the newest `failures_kept` are kept).
    pub fn record(&self, f: Failure) {
        if let Ok(mut list) = self.failures.lock() {
            if list.len() >= self.kept {
                list.pop_front();
            }
            list.push_back(f);
        }
    }

    /// The failures kept, newest first.
    pub fn failures(&self) -> Vec<Failure> {
        self.failures
            .lock()
            .map(|l| l.iter().rev().cloned().collect())
            .unwrap_or_default()
    }

    pub fn last_failure(&self) -> Option<Failure> {
        self.failures.lock().ok()?.back().cloned()
    }

    /// Takes `n` entries off the queued count.
    pub fn unqueue(&self, n: u64) {
        // Saturating: a count from before a restart may be short.
        let _ = self
            .queued
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |q| {
                Some(q.saturating_sub(n))
            });
    }
}

/// The lanes this node delivers, by app and lane.
#[derive(Debug, Default)]
pub struct Lanes {
    lanes: RwLock<BTreeMap<LaneKey, Arc<LaneStats>>>,
}

impl Lanes {
    /// The stats of `key`, made if new.
    pub fn get_or_add(&self, key: &LaneKey, kept: usize) -> Arc<LaneStats> {
        if let Some(s) = self.get(key) {
            return s;
        }
        match self.lanes.write() {
            Ok(mut l) => l
                .entry(key.clone())
                .or_insert_with(|| Arc::new(LaneStats::new(kept)))
                .clone(),
            Err(_) => Arc::new(LaneStats::new(kept)),
        }
    }

    pub fn get(&self, key: &LaneKey) -> Option<Arc<LaneStats>> {
        self.lanes.read().ok()?.get(key).cloned()
    }

    pub fn remove(&self, key: &LaneKey) {
        if let Ok(mut l) = self.lanes.write() {
            l.remove(key);
        }
    }

    /// Every lane with its stats, in key order.
    pub fn all(&self) -> Vec<(LaneKey, Arc<LaneStats>)> {
        self.lanes
            .read()
            .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }
}
