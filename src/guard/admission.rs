//! Admission control: a node-wide cap on requests in flight, so that under
//! overload a request is refused at once (REST 429 `server_busy`,
//! WebSocket code 302) instead of queueing behind others until the
//! request timeout. A request holds a [`Slot`] from the moment it is
//! admitted until it is answered.

use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A cap on requests in flight.
#[derive(Debug)]
pub struct InFlight {
    slots: Arc<Semaphore>,
    cap: usize,
}

/// A request admitted; dropping it frees its place.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl InFlight {
    /// At most `cap` requests at once (at least one).
    pub fn new(cap: usize) -> InFlight {
        let cap = cap.clamp(1, Semaphore::MAX_PERMITS);
        InFlight {
            slots: Arc::new(Semaphore::new(cap)),
            cap,
        }
    }

    /// A place for one more request, or `None` when all are taken.
    pub fn try_enter(&self) -> Option<Slot> {
        self.slots
            .clone()
            .try_acquire_owned()
            .ok()
            .map(|p| Slot { _permit: p })
    }

    /// Requests in flight now.
    pub fn current(&self) -> usize {
        self.cap.saturating_sub(self.slots.available_permits())
    }

    pub fn cap(&self) -> usize {
        self.cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_refuses_until_a_slot_is_freed() {
        let inflight = InFlight::new(2);
        let a = inflight.try_enter().unwrap();
        let _b = inflight.try_enter().unwrap();
        assert!(inflight.try_enter().is_none());
        assert_eq!(inflight.current(), 2);
        drop(a);
        assert_eq!(inflight.current(), 1);
        assert!(inflight.try_enter().is_some());
    }
}
