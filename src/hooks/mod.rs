//! Callbacks at the gateway: the HTTP side of the apps' rules (the domain
//! side is `imcloud_actors::hooks`). No entity waits for HTTP: pre-send
//! rules are called here before a device's message is routed, and the
//! post-send queues the entities write are delivered by one courier task
//! per lane.
//!
//! - [`config`]: the `[hooks]` settings.
//! - [`presend`]: calling an app's pre-send rules for a device's message.
//! - [`courier`]: delivering one rule's queue (order, batches, retries).
//! - [`health`]: a rule's retry timing and suspension (§8.3).
//! - [`reader`]: reading one outbox lane across the shards.
//! - [`render`]: the §8 JSON of an event and its signature.
//! - [`stats`]: what each lane did, for `/metrics` and the REST views.
//! - here: [`Hooks`] (the node's HTTP client and lanes) and the
//!   dispatcher: it counts the lanes on disk at start, then hands every
//!   outbox signal to its lane's courier (callbacks here, push
//!   notifications in `crate::push`), starting couriers as lanes appear.
//!   It must never panic or exit while the node runs.

pub mod config;
pub mod courier;
pub mod health;
pub mod presend;
pub mod reader;
pub mod render;
pub mod stats;

use crate::node::Node;
use imcloud_actors::hooks::queue::{LanesPage, OutboxLanes};
use imcloud_actors::hooks::{LaneKey, PUSH_LANE};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Keys read per shard query while counting the lanes at start.
const COUNT_BUDGET: usize = 10_000;

/// The node's callback machinery shared by the gateway.
pub struct Hooks {
    /// HTTP/1.1 client of callbacks (and of the push providers that are
    /// not APNs).
    pub http: reqwest::Client,
    /// Every lane's counters and failures.
    pub lanes: stats::Lanes,
    /// Pre-send calls by outcome, and their time.
    pub presend: presend::PresendStats,
    /// The APNs HTTP/2 client and provider tokens (`crate::push`).
    pub apns: crate::push::apns::Apns,
    /// FCM access tokens by service account.
    pub fcm_tokens: crate::push::fcm::Tokens,
    /// The phone vendors' access tokens by credential.
    pub vendor_tokens: crate::push::tokens::Tokens,
}

impl Hooks {
    pub fn new() -> Result<Hooks, String> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(32)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| format!("cannot build the callback HTTP client: {e}"))?;
        Ok(Hooks {
            http,
            lanes: stats::Lanes::default(),
            presend: presend::PresendStats::default(),
            apns: crate::push::apns::Apns::new()?,
            fcm_tokens: Default::default(),
            vendor_tokens: Default::default(),
        })
    }
}

/// What the dispatcher hands one courier: the newest durable id per shard,
/// and its wake-up.
#[derive(Default)]
pub struct LaneInbox {
    durable: Mutex<HashMap<u32, u64>>,
    notify: Notify,
    stopped: AtomicBool,
}

impl LaneInbox {
    fn give(&self, shards: &HashMap<u32, u64>) {
        if let Ok(mut d) = self.durable.lock() {
            for (shard, newest) in shards {
                let top = d.entry(*shard).or_insert(0);
                *top = (*top).max(*newest);
            }
        }
        self.notify.notify_one();
    }

    /// What was given since the last call.
    pub fn take(&self) -> HashMap<u32, u64> {
        self.durable
            .lock()
            .map(|mut d| std::mem::take(&mut *d))
            .unwrap_or_default()
    }

    pub async fn wait(&self) {
        self.notify.notified().await
    }

    /// The courier ended; the next signal starts another.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }
}

/// Counts what the outboxes hold (events that waited through a stop or a
/// crash), then starts the dispatcher on the current runtime. Awaited
/// before the server takes traffic, so the queue depths on `/metrics` are
/// whole from the first request (the count's cutoff keeps an event
/// committed meanwhile from being counted twice).
pub async fn start(node: Node) {
    let mut d = Dispatcher {
        node: node.clone(),
        lanes: HashMap::new(),
    };
    if node.cluster.is_some() {
        // A cluster node counts the outboxes of the shards it serves, once
        // it serves them; the HTTP server starts meanwhile.
        actix_web::rt::spawn(async move {
            node.serving_its_shards().await;
            let _ = node.env.hooks.outbox.take();
            d.recover().await;
            dispatch(d).await;
        });
        return;
    }
    // Whatever was signalled so far is on disk: the count takes it.
    let _ = node.env.hooks.outbox.take();
    d.recover().await;
    actix_web::rt::spawn(dispatch(d));
}

struct Dispatcher {
    node: Node,
    lanes: HashMap<LaneKey, Arc<LaneInbox>>,
}

impl Dispatcher {
    /// Hands `shards` (newest durable id by shard) and `added` entries to
    /// the courier of `key`, starting one if none runs.
    fn give(&mut self, key: LaneKey, shards: &HashMap<u32, u64>, added: u64) {
        let kept = self.node.config.hooks.failures_kept;
        let stats = self.node.hooks.lanes.get_or_add(&key, kept);
        stats.queued.fetch_add(added, Ordering::Relaxed);
        let inbox = match self.lanes.get(&key) {
            Some(inbox) if !inbox.stopped() => inbox.clone(),
            _ => {
                let inbox = Arc::new(LaneInbox::default());
                self.lanes.insert(key.clone(), inbox.clone());
                let node = self.node.clone();
                if key.lane == PUSH_LANE {
                    actix_web::rt::spawn(crate::push::courier::run(
                        node,
                        key.clone(),
                        inbox.clone(),
                        stats,
                    ));
                } else {
                    actix_web::rt::spawn(courier::run(node, key.clone(), inbox.clone(), stats));
                }
                inbox
            }
        };
        inbox.give(shards);
    }

    /// Counts what every shard's outbox holds (after a restart: the
    /// events that waited) and hands it to the couriers.
    async fn recover(&mut self) {
        // Entries up to here are counted by this scan, newer ones by their
        // signals: none twice, whenever it lands during the scan.
        let cutoff = self.node.env.msg_ids.next();
        self.node.env.hooks.outbox.scan_counts_upto(cutoff);
        let mut found: HashMap<LaneKey, (HashMap<u32, u64>, u64)> = HashMap::new();
        for shard in 0..self.node.shard_count() {
            if !self.node.router.serves(shard) {
                // Another node's: its couriers deliver what it holds.
                continue;
            }
            let mut from = Vec::new();
            loop {
                let q = OutboxLanes {
                    from: from.clone(),
                    budget: COUNT_BUDGET,
                    count_upto: cutoff,
                };
                let page: LanesPage = match self.node.ask_shard(shard, q).await {
                    Ok(p) => p,
                    Err(e) => {
                        // Busy at start: try the same page again shortly.
                        tracing::warn!(shard, error = %e, "counting the outbox failed; retrying");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                for l in page.lanes {
                    let key = LaneKey {
                        app: l.app,
                        lane: l.lane,
                    };
                    let e = found.entry(key).or_default();
                    let top = e.0.entry(shard).or_insert(0);
                    *top = (*top).max(l.newest);
                    e.1 += l.entries;
                }
                match page.next {
                    Some(next) => from = next,
                    None => break,
                }
            }
        }
        for (key, (shards, count)) in found {
            tracing::info!(app = %key.app, lane = key.lane, count, "outbox entries waiting since before the start");
            self.give(key, &shards, count);
        }
    }
}

async fn dispatch(mut d: Dispatcher) {
    let registry = d.node.env.hooks.clone();
    loop {
        registry.outbox.wait().await;
        for (key, committed) in registry.outbox.take() {
            d.give(key, &committed.shards, committed.added);
        }
    }
}
