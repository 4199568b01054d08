//! The shard side of the outbox: the couriers read a lane in id order
//! (only up to the newest id they were told is durable), delete what was
//! delivered, count the lanes a shard holds at start, and purge the lane
//! of a rule that is gone. These are shard queries, not entity steps: the
//! outbox belongs to no entity.
//!
//! Deletions are applied outside the group commit, like the retention
//! sweep's: a deletion lost in a crash leaves an entry that is delivered
//! again (delivery is at least once; receivers dedupe by `callId`).

use crate::error::DomainError;
use crate::trees::families::OUTBOX;
use crate::trees::outbox;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::store::{prefix_end, Batch};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most entries one page returns.
pub const MAX_PAGE: usize = 1_000;
/// Most keys one [`OutboxLanes`] step reads.
pub const MAX_SCAN: usize = 10_000;

/// Up to `limit` entries of a lane with `after < id <= upto`, in id order.
#[derive(Debug, Serialize, Deserialize)]
pub struct OutboxPage {
    pub app: String,
    pub lane: u32,
    pub after: u64,
    pub upto: u64,
    pub limit: usize,
}

/// One entry: its id and encoded value.
pub type OutboxEntry = (u64, Vec<u8>);

/// Deletes entries of a lane (delivered, or dropped); answers how many.
#[derive(Debug, Serialize, Deserialize)]
pub struct OutboxDelete {
    pub app: String,
    pub lane: u32,
    pub ids: Vec<u64>,
}

/// Deletes up to `limit` entries of a lane whose rule is gone; answers how
/// many (0: the lane is empty).
#[derive(Debug, Serialize, Deserialize)]
pub struct OutboxPurge {
    pub app: String,
    pub lane: u32,
    pub limit: usize,
}

/// Counts the lanes of the shard's outbox from key `from` (empty: the
/// start), reading at most `budget` keys.
#[derive(Debug, Serialize, Deserialize)]
pub struct OutboxLanes {
    pub from: Vec<u8>,
    pub budget: usize,
    /// Only entries with ids up to this one are counted (the newest id
    /// seen covers all).
    pub count_upto: u64,
}

/// One lane as an [`OutboxLanes`] step counted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneCount {
    pub app: String,
    pub lane: u32,
    /// Entries counted.
    pub entries: u64,
    /// The newest id seen.
    pub newest: u64,
}

/// What one [`OutboxLanes`] step counted.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct LanesPage {
    pub lanes: Vec<LaneCount>,
    /// Where the next step starts; `None`: the outbox is counted.
    pub next: Option<Vec<u8>>,
}

fn failed(what: &str, e: imcloud_shards::StoreError) -> DomainError {
    tracing::error!(error = %e, "outbox {what} failed");
    DomainError::Internal
}

pub fn page(q: &OutboxPage, store: &ShardStore) -> Result<Vec<OutboxEntry>, DomainError> {
    if q.upto <= q.after {
        return Ok(Vec::new());
    }
    let start = outbox::key(&q.app, q.lane, q.after.saturating_add(1));
    let end = match q.upto.checked_add(1) {
        Some(next) => outbox::key(&q.app, q.lane, next),
        None => prefix_end(&outbox::lane_prefix(&q.app, q.lane)),
    };
    let rows = store
        .keyspace()
        .range(&start, &end, q.limit.clamp(1, MAX_PAGE))
        .map_err(|e| failed("read", e))?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, v)| outbox::parse(&k).map(|(_, _, id)| (id, v)))
        .collect())
}

pub fn delete(q: &OutboxDelete, store: &ShardStore) -> Result<usize, DomainError> {
    let mut batch = Batch::default();
    for id in &q.ids {
        batch.delete(outbox::key(&q.app, q.lane, *id));
    }
    let n = batch.len();
    if n > 0 {
        store
            .keyspace()
            .apply(batch)
            .map_err(|e| failed("delete", e))?;
    }
    Ok(n)
}

pub fn purge(q: &OutboxPurge, store: &ShardStore) -> Result<usize, DomainError> {
    let prefix = outbox::lane_prefix(&q.app, q.lane);
    let rows = store
        .scan(&prefix, &[], q.limit.clamp(1, MAX_PAGE))
        .map_err(|e| failed("purge", e))?;
    let mut batch = Batch::default();
    for (k, _) in rows {
        batch.delete(k);
    }
    let n = batch.len();
    if n > 0 {
        store
            .keyspace()
            .apply(batch)
            .map_err(|e| failed("purge", e))?;
    }
    Ok(n)
}

pub fn lanes(q: &OutboxLanes, store: &ShardStore) -> Result<LanesPage, DomainError> {
    let budget = q.budget.clamp(1, MAX_SCAN);
    let rows = store
        .scan(&[OUTBOX], &q.from, budget)
        .map_err(|e| failed("count", e))?;
    let mut page = LanesPage::default();
    if rows.len() == budget {
        if let Some((last, _)) = rows.last() {
            let mut next = last.get(1..).unwrap_or_default().to_vec();
            // Just after the last key read.
            next.push(0);
            page.next = Some(next);
        }
    }
    let mut counted: BTreeMap<(String, u32), (u64, u64)> = BTreeMap::new();
    for (k, _) in rows {
        if let Some((app, lane, id)) = outbox::parse(&k) {
            let e = counted.entry((app, lane)).or_insert((0, 0));
            if id <= q.count_upto {
                e.0 += 1;
            }
            e.1 = e.1.max(id);
        }
    }
    page.lanes = counted
        .into_iter()
        .map(|((app, lane), (entries, newest))| LaneCount {
            app,
            lane,
            entries,
            newest,
        })
        .collect();
    Ok(page)
}
