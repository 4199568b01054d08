//! The REST rate limiters of one app: a GCRA limiter (governor) per
//! endpoint class, each a single atomic, built for the app's
//! `rest_rate_per_s`. A class allows its whole budget as a burst, then one
//! call every period / budget. Time is the node's [`Clock::ticks`], so a
//! test moves it and a wall clock stepped back stalls nothing.

use super::classes::{Budget, EndpointClass, Period};
use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use imcloud_shards::Clock;
use std::num::NonZeroU32;
use std::time::Duration;

/// The node's clock as governor reads it.
#[derive(Debug, Clone)]
pub struct RateClock(pub Clock);

impl GovernorClock for RateClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::from(self.0.ticks())
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, RateClock, NoOpMiddleware<Nanos>>;

/// One limiter per endpoint class, for one `rest_rate_per_s`.
pub struct ClassLimiters {
    rate_per_s: u32,
    clock: RateClock,
    by_class: Vec<Limiter>,
}

fn quota(budget: Budget) -> Quota {
    // `budget` never gives 0 calls; 1 is the floor if it ever did.
    let calls = NonZeroU32::new(budget.calls).unwrap_or(NonZeroU32::MIN);
    match budget.per {
        Period::Second => Quota::per_second(calls),
        Period::Minute => Quota::per_minute(calls),
    }
}

impl ClassLimiters {
    /// Fresh limiters (every class at its full burst) for an app whose
    /// `rest_rate_per_s` is `rate_per_s`.
    pub fn new(rate_per_s: u32, clock: &Clock) -> ClassLimiters {
        let clock = RateClock(clock.clone());
        let by_class = EndpointClass::ALL
            .iter()
            .map(|c| Limiter::direct_with_clock(quota(c.budget(rate_per_s)), clock.clone()))
            .collect();
        ClassLimiters {
            rate_per_s,
            clock,
            by_class,
        }
    }

    /// The `rest_rate_per_s` these limiters were built for.
    pub fn rate_per_s(&self) -> u32 {
        self.rate_per_s
    }

    /// Counts one call of `class`, or says how long until one would pass.
    pub fn check(&self, class: EndpointClass) -> Result<(), Duration> {
        let Some(limiter) = self.by_class.get(class.index()) else {
            // Every class has a limiter (`ALL` lists them all).
            return Ok(());
        };
        limiter
            .check()
            .map_err(|refused| refused.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_allows_its_burst_then_one_call_per_interval() {
        let clock = Clock::manual();
        let limits = ClassLimiters::new(5, &clock);
        for _ in 0..5 {
            assert_eq!(limits.check(EndpointClass::Default), Ok(()));
        }
        let wait = limits.check(EndpointClass::Default).unwrap_err();
        assert_eq!(wait, Duration::from_millis(200));
        // Other classes keep their own budget.
        assert_eq!(limits.check(EndpointClass::Token), Ok(()));
        clock.advance(Duration::from_millis(200));
        assert_eq!(limits.check(EndpointClass::Default), Ok(()));
        assert!(limits.check(EndpointClass::Default).is_err());
    }

    #[test]
    fn a_per_minute_class_waits_minutes() {
        let clock = Clock::manual();
        let limits = ClassLimiters::new(10, &clock);
        assert_eq!(limits.check(EndpointClass::Export), Ok(()));
        let wait = limits.check(EndpointClass::Export).unwrap_err();
        assert_eq!(wait, Duration::from_secs(60));
    }
}
