//! A callback rule's health: when its courier may try next, and whether
//! the rule is suspended (§8.3). Pure bookkeeping on the node's clock (a
//! test's manual clock moves it), no I/O.
//!
//! - A failed request is retried at once, then after `retry_first_ms`,
//!   doubling up to `retry_max_ms`; a success ends the series. While a
//!   series runs only one request is in flight (the receiver is the same
//!   for every event), so a receiver that is down is tried about 7 times
//!   in 30 s with the defaults and never suspended for it.
//! - `suspend_failures` failed requests within `suspend_window_secs`
//!   (a receiver that fails at volume, between successes) suspend the
//!   rule for `suspend_secs` × n, n the rule's suspensions within 24 h
//!   (at most `suspend_max_factor`).
//! - The suspensions of the last 24 h are remembered: with
//!   `drop_while_suspended`, events that happened during one are dropped
//!   when the courier reaches them.

use super::config::HooksConfig;
use std::collections::VecDeque;

const DAY_MS: i64 = 86_400_000;

/// What a failure leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again at this time (Unix ms).
    RetryAt(i64),
    /// The rule is suspended until this time.
    SuspendedUntil(i64),
}

#[derive(Debug, Default)]
pub struct Health {
    /// Times of the failed requests within the window.
    failures: VecDeque<i64>,
    /// Suspensions of the last 24 h: `(from, until)`.
    suspensions: VecDeque<(i64, i64)>,
    /// Failures since the last success.
    consecutive: u32,
    retry_at: i64,
}

impl Health {
    /// Whether a request may go at `now`.
    pub fn ready(&self, now: i64) -> bool {
        !self.suspended(now) && now >= self.retry_at
    }

    pub fn suspended(&self, now: i64) -> bool {
        self.suspensions
            .back()
            .is_some_and(|(_, until)| now < *until)
    }

    /// Whether the last request failed and the series goes on.
    pub fn retrying(&self) -> bool {
        self.consecutive > 0
    }

    pub fn success(&mut self) {
        self.consecutive = 0;
        self.retry_at = 0;
    }

    pub fn failure(&mut self, now: i64, cfg: &HooksConfig) -> AfterFailure {
        let window = (cfg.suspend_window_secs as i64).saturating_mul(1000);
        while self.failures.front().is_some_and(|t| now - *t >= window) {
            self.failures.pop_front();
        }
        self.failures.push_back(now);
        while self
            .suspensions
            .front()
            .is_some_and(|(from, _)| now - *from >= DAY_MS)
        {
            self.suspensions.pop_front();
        }
        if self.failures.len() >= cfg.suspend_failures as usize {
            let n = (self.suspensions.len() as u32 + 1).min(cfg.suspend_max_factor);
            let until = now + (cfg.suspend_secs as i64).saturating_mul(1000) * i64::from(n);
            self.suspensions.push_back((now, until));
            self.failures.clear();
            self.consecutive = 0;
            self.retry_at = until;
            return AfterFailure::SuspendedUntil(until);
        }
        self.consecutive += 1;
        // The first failure is retried at once; then the waits double.
        let wait = match self.consecutive {
            1 => 0,
            n => {
                let doublings = (n - 2).min(20);
                (cfg.retry_first_ms << doublings).min(cfg.retry_max_ms)
            }
        };
        self.retry_at = now + wait as i64;
        AfterFailure::RetryAt(self.retry_at)
    }

    /// Whether an event of time `at` happened during a suspension.
    pub fn during_suspension(&self, at: i64) -> bool {
        self.suspensions
            .iter()
            .any(|(from, until)| (*from..*until).contains(&at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> HooksConfig {
        crate::config::Config::load(None, &Default::default())
            .expect("defaults load")
            .hooks
    }

    #[test]
    fn a_dead_receiver_is_retried_at_once_then_less_and_less_often() {
        let c = cfg();
        let mut h = Health::default();
        let mut now = 1_000_000;
        let mut attempts = 0;
        // 30 s of a receiver that is down.
        while now < 1_000_000 + 30_000 {
            if h.ready(now) {
                attempts += 1;
                assert!(matches!(h.failure(now, &c), AfterFailure::RetryAt(_)));
            }
            now += 100;
        }
        assert!((6..=8).contains(&attempts), "{attempts} attempts");
        assert!(!h.suspended(now));
        h.success();
        assert!(h.ready(now));
    }

    #[test]
    fn failures_at_volume_suspend_for_longer_each_time() {
        let c = cfg();
        let mut h = Health::default();
        let t0 = 5_000_000;
        let mut last = AfterFailure::RetryAt(0);
        for i in 0..c.suspend_failures as i64 {
            h.success();
            last = h.failure(t0 + i * 100, &c);
        }
        let first_end = t0 + (c.suspend_failures as i64 - 1) * 100 + 300_000;
        assert_eq!(last, AfterFailure::SuspendedUntil(first_end));
        assert!(h.suspended(first_end - 1) && !h.ready(first_end - 1));
        assert!(h.ready(first_end));
        assert!(h.during_suspension(first_end - 10) && !h.during_suspension(first_end));
        for i in 0..c.suspend_failures as i64 {
            h.success();
            last = h.failure(first_end + i, &c);
        }
        let second_from = first_end + c.suspend_failures as i64 - 1;
        assert_eq!(last, AfterFailure::SuspendedUntil(second_from + 600_000));
    }
}
