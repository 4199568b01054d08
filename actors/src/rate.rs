//! The per-user send token bucket (default 2 messages/s with a burst of 10),
//! on the domain's clock (ms), so tests can move time instead of waiting.

#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    /// When the bucket was last refilled, ms; `None` before its first use.
    last_ms: Option<i64>,
}

impl Default for TokenBucket {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenBucket {
    /// A bucket that starts full at whatever burst its first `try_take`
    /// names (the policy travels with each send).
    pub fn new() -> Self {
        TokenBucket {
            tokens: f64::INFINITY,
            last_ms: None,
        }
    }

    /// Takes one token at `now_ms` if there is one, refilling at `rate` per
    /// second up to `burst`. A `rate` of 0 means unlimited.
    pub fn try_take(&mut self, rate: u32, burst: u32, now_ms: i64) -> bool {
        if rate == 0 {
            return true;
        }
        let elapsed_ms = self
            .last_ms
            .map_or(0, |last| now_ms.saturating_sub(last).max(0));
        let refill = elapsed_ms as f64 / 1000.0 * f64::from(rate);
        self.tokens = (self.tokens + refill).min(f64::from(burst.max(1)));
        self.last_ms = Some(now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refused_then_refilled_by_the_clock() {
        let mut b = TokenBucket::new();
        let taken = (0..20).filter(|_| b.try_take(2, 10, 1_000)).count();
        assert_eq!(taken, 10, "the burst, then nothing at the same instant");
        assert!(!b.try_take(2, 10, 1_499), "half a token after 499 ms");
        assert!(b.try_take(2, 10, 1_600), "a token after 600 ms at 2/s");
        let mut unlimited = TokenBucket::new();
        assert!((0..1000).all(|_| unlimited.try_take(0, 0, 0)));
    }
}
