//! What a scenario has done so far, for the progress bar: counters the
//! scenario's tasks bump (relaxed atomics, nothing on the hot path waits)
//! and the phase it is in. [`Bar`] draws them on stderr with `indicatif`;
//! it draws nothing when stderr is not a terminal, or when told to hide
//! (`--json`).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The phase a scenario is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    Connecting = 0,
    /// The timed phase (sending, calling, holding or syncing).
    Running = 1,
    /// Waiting for the last replies and deliveries.
    Draining = 2,
}

/// Counters of a running scenario, shared by its tasks.
#[derive(Debug, Default)]
pub struct Live {
    /// Sends (or REST calls) made.
    pub sent: AtomicU64,
    /// Sends acked (or REST calls answered 2xx).
    pub acked: AtomicU64,
    /// Messages delivered (or synced).
    pub delivered: AtomicU64,
    /// Sockets logged in.
    pub connected: AtomicU64,
    phase: AtomicU8,
    /// Name and planned length of the timed phase, and when it started.
    timed: Mutex<Option<(&'static str, Duration, Instant)>>,
}

impl Live {
    pub fn new() -> Arc<Live> {
        Arc::default()
    }

    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The timed phase `what` starts at `at` and is planned to last `planned`.
    pub fn running(&self, what: &'static str, at: Instant, planned: Duration) {
        if let Ok(mut t) = self.timed.lock() {
            *t = Some((what, planned, at));
        }
        self.phase.store(Phase::Running as u8, Ordering::Relaxed);
    }

    pub fn draining(&self) {
        self.phase.store(Phase::Draining as u8, Ordering::Relaxed);
    }

    fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Relaxed) {
            1 => Phase::Running,
            2 => Phase::Draining,
            _ => Phase::Connecting,
        }
    }

    /// The bar's line: the phase, elapsed against planned, the counters.
    fn line(&self) -> (u64, u64, String) {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let counts = format!(
            "connected {}  sent {}  acked {}  delivered {}",
            get(&self.connected),
            get(&self.sent),
            get(&self.acked),
            get(&self.delivered)
        );
        let timed = self.timed.lock().ok().and_then(|t| *t);
        match (self.phase(), timed) {
            (Phase::Connecting, _) | (_, None) => (0, 1, format!("connecting  {counts}")),
            (phase, Some((what, planned, at))) => {
                let elapsed = Instant::now().saturating_duration_since(at);
                let label = if phase == Phase::Draining {
                    "draining"
                } else {
                    what
                };
                let planned_ms = planned.as_millis().max(1) as u64;
                let pos = (elapsed.as_millis() as u64).min(planned_ms);
                (
                    pos,
                    planned_ms,
                    format!(
                        "{label} {:.1}/{:.1} s  {counts}",
                        elapsed.as_secs_f64(),
                        planned.as_secs_f64()
                    ),
                )
            }
        }
    }
}

/// A progress bar on stderr redrawn from a [`Live`] five times a second.
pub struct Bar {
    bar: ProgressBar,
    task: tokio::task::JoinHandle<()>,
}

impl Bar {
    /// Starts drawing (on the current tokio runtime); `hidden` draws nothing.
    pub fn start(live: Arc<Live>, hidden: bool) -> Bar {
        let target = if hidden {
            ProgressDrawTarget::hidden()
        } else {
            // indicatif draws nothing when stderr is not a terminal.
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(1), target);
        if let Ok(style) = ProgressStyle::with_template("[{bar:30}] {msg}") {
            bar.set_style(style.progress_chars("=> "));
        }
        let b = bar.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(200));
            loop {
                tick.tick().await;
                let (pos, len, msg) = live.line();
                b.set_length(len);
                b.set_position(pos);
                b.set_message(msg);
            }
        });
        Bar { bar, task }
    }

    /// Stops redrawing and clears the bar before the report is printed.
    pub fn finish(self) {
        self.task.abort();
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_follows_the_phase() {
        let live = Live::new();
        Live::add(&live.sent, 3);
        let (_, _, msg) = live.line();
        assert!(
            msg.starts_with("connecting") && msg.contains("sent 3"),
            "{msg}"
        );
        live.running("sending", Instant::now(), Duration::from_secs(10));
        let (pos, len, msg) = live.line();
        assert!(
            msg.starts_with("sending 0.") && msg.contains("/10.0 s"),
            "{msg}"
        );
        assert!(pos <= len && len == 10_000);
        live.draining();
        assert!(live.line().2.starts_with("draining"));
    }
}
