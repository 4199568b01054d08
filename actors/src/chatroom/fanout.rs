//! `RoomFanout`: the node's chatroom delivery queue. A room hands it each
//! accepted message once, with the room's present devices on this node
//! (grouped per node: one job per node, whose worker pushes straight into
//! the device sockets' queues). The queue is bounded in deliveries: when
//! it backs up, low-priority messages are refused first, then normal ones,
//! then everything; a busy device skips low pushes first, then normal,
//! and high ones only when its queue is full (it is not closed for room
//! pushes). Every shed is counted in [`RoomStats`].

use super::Priority;
use crate::error::DomainError;
use crate::session::{Offered, Push, WeakSessionRef};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

/// When the queue sheds, in deliveries waiting (messages × devices).
#[derive(Debug, Clone, Copy)]
pub struct ShedThresholds {
    /// Low-priority messages are refused above this many.
    pub low: u64,
    /// Normal-priority messages are refused above this many.
    pub normal: u64,
    /// Every message is refused above this many.
    pub all: u64,
}

/// Counters the gateway's `/metrics` reports.
#[derive(Debug, Default)]
pub struct RoomStats {
    /// Pushes handed to device queues.
    pub deliveries: AtomicU64,
    /// Messages accepted for fan-out.
    pub messages: AtomicU64,
    /// Messages refused because the queue was backed up, by priority.
    pub shed_high: AtomicU64,
    pub shed_normal: AtomicU64,
    pub shed_low: AtomicU64,
    /// Pushes a busy device skipped (its queue was filling up or full).
    pub device_shed: AtomicU64,
}

impl RoomStats {
    fn shed(&self, p: Priority) -> &AtomicU64 {
        match p {
            Priority::High => &self.shed_high,
            Priority::Normal => &self.shed_normal,
            Priority::Low => &self.shed_low,
        }
    }
}

/// One message (or event) for the present devices of one room.
pub struct FanoutJob {
    pub devices: Arc<[WeakSessionRef]>,
    pub push: Push,
    pub priority: Priority,
    /// The sending device, which is not pushed its own message.
    pub skip_session: Option<u64>,
}

pub struct RoomFanout {
    queue: Mutex<VecDeque<FanoutJob>>,
    ready: Condvar,
    /// Deliveries queued and not yet pushed.
    pending: AtomicU64,
    thresholds: ShedThresholds,
    pub stats: RoomStats,
    /// Test hook: the worker stops taking jobs, as if overloaded (only
    /// set with the `fault-injection` feature).
    held: AtomicBool,
}

impl RoomFanout {
    /// Starts the queue and its worker thread, which ends once the last
    /// handle to the queue is dropped.
    pub fn start(thresholds: ShedThresholds) -> Arc<RoomFanout> {
        let fanout = Arc::new(RoomFanout {
            queue: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
            pending: AtomicU64::new(0),
            thresholds,
            stats: RoomStats::default(),
            held: AtomicBool::new(false),
        });
        let weak = Arc::downgrade(&fanout);
        let spawned = std::thread::Builder::new()
            .name("imcloud-rooms".into())
            .spawn(move || worker(weak));
        if let Err(e) = spawned {
            // Without its worker every room send is refused as busy (the
            // queue fills and sheds), which the metrics show.
            tracing::error!(error = %e, "cannot start the chatroom fan-out thread");
        }
        fanout
    }

    /// Refuses a message of `priority` for `devices` deliveries when the
    /// queue is backed up past that priority's threshold; counts it.
    pub fn admit(&self, priority: Priority, devices: usize) -> Result<(), DomainError> {
        let limit = match priority {
            Priority::Low => self.thresholds.low,
            Priority::Normal => self.thresholds.normal,
            Priority::High => self.thresholds.all,
        };
        let pending = self.pending.load(Ordering::Relaxed);
        if pending > 0 && pending.saturating_add(devices as u64) > limit {
            self.stats.shed(priority).fetch_add(1, Ordering::Relaxed);
            return Err(DomainError::RoomOverloaded(priority));
        }
        Ok(())
    }

    /// Queues a job (admitted before, or an event, which is never shed).
    pub fn enqueue(&self, job: FanoutJob) {
        if job.devices.is_empty() {
            return;
        }
        self.pending
            .fetch_add(job.devices.len() as u64, Ordering::Relaxed);
        if let Ok(mut q) = self.queue.lock() {
            q.push_back(job);
        }
        self.ready.notify_one();
    }

    /// Deliveries queued and not yet pushed.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Test hook: holds (or releases) the worker, so the queue backs up.
    #[cfg(feature = "fault-injection")]
    pub fn hold(&self, on: bool) {
        self.held.store(on, Ordering::SeqCst);
        self.ready.notify_all();
    }

    /// The next job, waiting up to `wait` for one.
    fn next_job(&self, wait: Duration) -> Option<FanoutJob> {
        let mut q = self.queue.lock().ok()?;
        loop {
            if !self.held.load(Ordering::SeqCst) {
                if let Some(job) = q.pop_front() {
                    return Some(job);
                }
            }
            let (guard, timeout) = self.ready.wait_timeout(q, wait).ok()?;
            q = guard;
            if timeout.timed_out() {
                return None;
            }
        }
    }

    fn deliver(&self, job: FanoutJob) {
        let FanoutJob {
            devices,
            push,
            priority,
            skip_session,
        } = job;
        let mut pushed = 0u64;
        let mut shed = 0u64;
        for d in devices.iter() {
            if Some(d.id) == skip_session {
                continue;
            }
            // A device keeps half its queue for normal and high pushes, and
            // a quarter for high ones.
            let reserve = |size: usize| match priority {
                Priority::High => 0,
                Priority::Normal => size / 4,
                Priority::Low => size / 2,
            };
            match d.offer(push.clone(), reserve) {
                Offered::Queued => pushed += 1,
                Offered::Shed => shed += 1,
                Offered::Gone => {}
            }
        }
        self.pending
            .fetch_sub(devices.len() as u64, Ordering::Relaxed);
        self.stats.deliveries.fetch_add(pushed, Ordering::Relaxed);
        if shed > 0 {
            self.stats.device_shed.fetch_add(shed, Ordering::Relaxed);
        }
    }
}

fn worker(fanout: Weak<RoomFanout>) {
    loop {
        let Some(f) = fanout.upgrade() else { return };
        // The wait is bounded so the thread notices the node is gone.
        if let Some(job) = f.next_job(Duration::from_millis(500)) {
            f.deliver(job);
        }
    }
}
