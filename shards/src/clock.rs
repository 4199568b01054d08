//! The clock seam: every reading of wall-clock time in the server goes
//! through one [`Clock`], so tests move time forward (mute expiry, token
//! lifetimes, the send rate, recall windows) instead of waiting for it.
//! Durations the runtime measures for itself (flush latency, idle
//! passivation) keep using `Instant`: they are not behaviour a client sees.
//! Rates a client sees (REST limits) read [`Clock::ticks`]: a manual clock
//! in tests, the monotonic clock otherwise (a wall clock stepped back must
//! not stall them).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Wall-clock time in Unix milliseconds: the system clock, or a manual one
/// that only moves when a test advances it. Cheap to clone; clones share
/// one time.
#[derive(Debug, Clone)]
pub struct Clock {
    manual: Option<Arc<AtomicI64>>,
    /// Added to the system's time (0 but in tests of a real binary).
    offset_ms: i64,
    /// Where [`Clock::ticks`] counts from: the monotonic instant this
    /// clock was made, and a manual clock's time then.
    origin: Instant,
    origin_ms: i64,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Clock {
    /// The system's wall clock.
    pub fn system() -> Clock {
        Clock::system_ahead(0)
    }

    /// The system's clock moved `offset_ms` ahead: a real binary under test
    /// that must see days pass (the retention sweep) while time still runs.
    pub fn system_ahead(offset_ms: i64) -> Clock {
        Clock {
            manual: None,
            offset_ms,
            origin: Instant::now(),
            origin_ms: 0,
        }
    }

    /// A clock that starts at the system's time now and then moves only
    /// by [`Clock::advance`].
    pub fn manual() -> Clock {
        let now = system_ms();
        Clock {
            manual: Some(Arc::new(AtomicI64::new(now))),
            offset_ms: 0,
            origin: Instant::now(),
            origin_ms: now,
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.manual {
            Some(ms) => ms.load(Ordering::SeqCst),
            None => system_ms() + self.offset_ms,
        }
    }

    /// Seconds since the Unix epoch.
    pub fn now_secs(&self) -> u64 {
        (self.now_ms() / 1000).max(0) as u64
    }

    /// Time since this clock was made, on a clock that never goes back: a
    /// manual clock's advances, else the system's monotonic clock.
    pub fn ticks(&self) -> Duration {
        match &self.manual {
            Some(ms) => {
                let moved = ms.load(Ordering::SeqCst).saturating_sub(self.origin_ms);
                Duration::from_millis(u64::try_from(moved).unwrap_or(0))
            }
            None => self.origin.elapsed(),
        }
    }

    /// Moves a manual clock forward; returns false (and does nothing) on the
    /// system clock.
    pub fn advance(&self, by: Duration) -> bool {
        match &self.manual {
            Some(ms) => {
                let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
                ms.fetch_add(by, Ordering::SeqCst);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_clones_share_it() {
        let c = Clock::manual();
        let t0 = c.now_ms();
        assert!(t0 > 1_700_000_000_000);
        let shared = c.clone();
        assert!(shared.advance(Duration::from_secs(90)));
        assert_eq!(c.now_ms(), t0 + 90_000);
        assert!(!Clock::system().advance(Duration::from_secs(1)));
    }

    #[test]
    fn ticks_follow_a_manual_clock_and_never_go_back() {
        let c = Clock::manual();
        assert_eq!(c.ticks(), Duration::ZERO);
        c.advance(Duration::from_millis(1500));
        assert_eq!(c.clone().ticks(), Duration::from_millis(1500));
        let s = Clock::system();
        let (a, b) = (s.ticks(), s.ticks());
        assert!(b >= a);
    }
}
