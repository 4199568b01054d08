//! The retention sweep's driver: at start and every
//! `retention.sweep_interval_secs`, every shard is swept a step at a time
//! (`imcloud_actors::retention`), with a pause between steps. Each app's
//! cutoff (now − `retention_days`) is looked up the first time a shard
//! meets the app. Nothing is remembered between sweeps: one cut short by
//! a crash starts over at the next start.

use crate::node::Node;
use imcloud_actors::ids::AppKey;
use imcloud_actors::queries::SweepStep;
use imcloud_actors::retention::SweepProgress;
use imcloud_actors::DomainError;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;

/// What one sweep deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub timeline: u64,
    pub archive: u64,
    /// Upload records.
    pub files: u64,
}

/// Runs sweeps forever on the current runtime (none if the interval is 0).
pub fn spawn(node: Node) {
    let every = node.config.retention.sweep_interval_secs;
    if every == 0 {
        return;
    }
    actix_web::rt::spawn(async move {
        // A cluster node sweeps the shards it serves, once it serves them.
        node.serving_its_shards().await;
        loop {
            match sweep(&node).await {
                Ok(s) => tracing::info!(
                    timeline = s.timeline,
                    archive = s.archive,
                    files = s.files,
                    "retention sweep done"
                ),
                Err(e) => tracing::warn!(error = %e, "retention sweep stopped"),
            }
            tokio::time::sleep(Duration::from_secs(every)).await;
        }
    });
}

/// The cutoff of `app`: messages before it go (`None`: kept forever).
async fn cutoff(node: &Node, app: &str) -> Result<Option<i64>, DomainError> {
    let Ok(key) = AppKey::parse(app) else {
        // Not an app key: nothing of a real app, kept.
        return Ok(None);
    };
    let days = match node.app(&key).await {
        Ok(record) => record.settings.retention_days,
        // Data of an app that is gone: by the defaults.
        Err(DomainError::AppNotFound) => node.config.app_defaults.retention_days,
        Err(e) => return Err(e),
    };
    Ok((days > 0).then(|| node.clock.now_ms() - i64::from(days) * DAY_MS))
}

/// One sweep over every shard this node serves (all of them on a single
/// node).
pub async fn sweep(node: &Node) -> Result<Swept, DomainError> {
    let settings = &node.config.retention;
    let pause = Duration::from_millis(settings.pause_ms);
    let mut cutoffs: HashMap<String, Option<i64>> = HashMap::new();
    let mut swept = Swept::default();
    for shard in 0..node.shard_count() {
        if !node.router.serves(shard) {
            // Another node's: it sweeps its own.
            continue;
        }
        let mut from = Vec::new();
        loop {
            let step = SweepStep {
                cutoffs: cutoffs.iter().map(|(a, c)| (a.clone(), *c)).collect(),
                from,
                budget: settings.step_budget,
            };
            let p: SweepProgress = node.ask_shard(shard, step).await?;
            swept.timeline += p.timeline_deleted;
            swept.archive += p.archive_deleted;
            swept.files += p.files_deleted;
            // After the step's batch: the records are gone.
            node.release_blobs(p.released_blobs).await;
            let g = &node.gateway;
            g.retention_timeline_deleted
                .fetch_add(p.timeline_deleted, Ordering::Relaxed);
            g.retention_archive_deleted
                .fetch_add(p.archive_deleted, Ordering::Relaxed);
            if let Some(app) = p.unknown_app {
                let c = cutoff(node, &app).await?;
                cutoffs.insert(app, c);
            }
            match p.next {
                Some(next) => from = next,
                None => break,
            }
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
    }
    node.gateway
        .retention_sweeps
        .fetch_add(1, Ordering::Relaxed);
    Ok(swept)
}
