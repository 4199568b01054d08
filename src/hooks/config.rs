//! `[hooks]`: how post-send queues are delivered and pre-send rules
//! called. The §8.3 numbers are the defaults.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HooksConfig {
    /// The `host` field of post-send payloads (informational).
    pub host: String,
    /// How long a post-send request may take before it counts as failed, ms.
    pub request_timeout_ms: u64,
    /// After a failed request and its immediate retry, the wait before the
    /// next attempt, ms; it doubles with each failure up to
    /// `retry_max_ms`.
    pub retry_first_ms: u64,
    pub retry_max_ms: u64,
    /// This many failed requests within `suspend_window_secs` suspend the
    /// rule (§8.3: 90 in 30 s).
    pub suspend_failures: u32,
    pub suspend_window_secs: u64,
    /// A suspension lasts this many seconds times n, n being how many
    /// suspensions the rule had within 24 hours, at most
    /// `suspend_max_factor` (§8.3: 5 min × n, n ≤ 5).
    pub suspend_secs: u64,
    pub suspend_max_factor: u32,
    /// Events that happened while their rule was suspended are dropped
    /// (§8.3: "not replayed"); false keeps them for after it.
    pub drop_while_suspended: bool,
    /// How often a courier looks at its timers (retries, suspensions), ms.
    pub tick_ms: u64,
    /// Failed requests of a rule kept for `GET /callbacks/{name}/failures`.
    pub failures_kept: usize,
}

impl HooksConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.request_timeout_ms == 0 || self.tick_ms == 0 {
            return Err(
                "bad config: hooks.request_timeout_ms and hooks.tick_ms must be positive".into(),
            );
        }
        if self.retry_first_ms == 0 || self.retry_max_ms < self.retry_first_ms {
            return Err(
                "bad config: hooks.retry_first_ms must be positive and at most hooks.retry_max_ms"
                    .into(),
            );
        }
        if self.suspend_failures == 0
            || self.suspend_window_secs == 0
            || self.suspend_max_factor == 0
        {
            return Err("bad config: hooks.suspend_failures, suspend_window_secs and suspend_max_factor must be positive".into());
        }
        Ok(())
    }
}
