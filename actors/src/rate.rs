//! The per-user send token bucket (default 2 messages/s with a burst of 10).

use std::time::Instant;

#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    last: Instant,
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
            last: Instant::now(),
        }
    }

    /// Takes one token if there is one, refilling at `rate` per second up to
    /// `burst`. A `rate` of 0 means unlimited.
    pub fn try_take(&mut self, rate: u32, burst: u32) -> bool {
        if rate == 0 {
            return true;
        }
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * f64::from(rate);
        self.tokens = (self.tokens + refill).min(f64::from(burst.max(1)));
        self.last = now;
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
    fn burst_then_refused() {
        let mut b = TokenBucket::new();
        let taken = (0..20).filter(|_| b.try_take(2, 10)).count();
        // 10 from the burst, at most one more from refill during the loop.
        assert!((10..=11).contains(&taken), "took {taken}");
        let mut unlimited = TokenBucket::new();
        assert!((0..1000).all(|_| unlimited.try_take(0, 0)));
    }
}
