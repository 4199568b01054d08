//! Reading one outbox lane across the shards: for each shard, the newest
//! id known durable (from the outbox signals, or counted at start) and a
//! small buffer read ahead from the shard; the entries are taken in id
//! order across shards (ids are time-ordered), and deleted on their
//! shards once delivered or dropped.
//!
//! Only entries at or below a shard's durable id are read, so nothing a
//! crash could take back leaves the node. Memory is at most `per_shard`
//! entries per shard with something pending.

use crate::node::Node;
use imcloud_actors::hooks::queue::{OutboxDelete, OutboxEntry, OutboxPage};
use imcloud_actors::DomainError;
use std::collections::{BTreeMap, VecDeque};

/// One entry read from a shard.
#[derive(Debug, Clone)]
pub struct Entry {
    pub shard: u32,
    pub id: u64,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default)]
struct ShardCursor {
    /// The newest id known to be on disk.
    durable: u64,
    /// The last id read into `buffer` (or past).
    read: u64,
    buffer: VecDeque<(u64, Vec<u8>)>,
}

impl ShardCursor {
    fn more_on_disk(&self) -> bool {
        self.durable > self.read
    }
}

pub struct LaneReader {
    node: Node,
    app: String,
    lane: u32,
    shards: BTreeMap<u32, ShardCursor>,
}

impl LaneReader {
    pub fn new(node: Node, app: String, lane: u32) -> LaneReader {
        LaneReader {
            node,
            app,
            lane,
            shards: BTreeMap::new(),
        }
    }

    /// Entries up to `newest` on `shard` are on disk.
    pub fn durable(&mut self, shard: u32, newest: u64) {
        let c = self.shards.entry(shard).or_default();
        c.durable = c.durable.max(newest);
    }

    /// Whether anything waits (read or on disk).
    pub fn pending(&self) -> bool {
        self.shards
            .values()
            .any(|c| !c.buffer.is_empty() || c.more_on_disk())
    }

    /// Reads up to `per_shard` entries from every shard whose buffer is
    /// empty and that has more on disk. A shard that fails to answer is
    /// left for the next call.
    pub async fn fill(&mut self, per_shard: usize) -> Result<(), DomainError> {
        let wanted: Vec<(u32, u64, u64)> = self
            .shards
            .iter()
            .filter(|(_, c)| c.buffer.is_empty() && c.more_on_disk())
            .map(|(s, c)| (*s, c.read, c.durable))
            .collect();
        let reads = wanted.iter().map(|(shard, after, upto)| {
            self.node.ask_shard(
                *shard,
                OutboxPage {
                    app: self.app.clone(),
                    lane: self.lane,
                    after: *after,
                    upto: *upto,
                    limit: per_shard,
                },
            )
        });
        let pages: Vec<Result<Vec<OutboxEntry>, DomainError>> =
            futures_util::future::join_all(reads).await;
        let mut first_error = None;
        for ((shard, _, upto), page) in wanted.into_iter().zip(pages) {
            let Some(c) = self.shards.get_mut(&shard) else {
                continue;
            };
            match page {
                Ok(rows) if rows.is_empty() => c.read = upto,
                Ok(rows) => {
                    if let Some((last, _)) = rows.last() {
                        c.read = *last;
                    }
                    c.buffer.extend(rows);
                }
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Up to `max` entries in id order across the shards, left in place
    /// (see [`LaneReader::consume`]). Stops early where a shard's buffer
    /// runs out while it has more on disk: an entry there could come
    /// first.
    pub fn peek(&self, max: usize) -> Vec<Entry> {
        let mut heads: BTreeMap<u32, usize> = BTreeMap::new();
        let mut out = Vec::new();
        while out.len() < max {
            let next = self
                .shards
                .iter()
                .filter_map(|(s, c)| {
                    let at = heads.get(s).copied().unwrap_or(0);
                    c.buffer.get(at).map(|(id, _)| (*id, *s))
                })
                .min();
            let Some((id, shard)) = next else { break };
            let Some(c) = self.shards.get(&shard) else {
                break;
            };
            let at = heads.entry(shard).or_insert(0);
            if let Some((_, bytes)) = c.buffer.get(*at) {
                out.push(Entry {
                    shard,
                    id,
                    bytes: bytes.clone(),
                });
            }
            *at += 1;
            if *at == c.buffer.len() && c.more_on_disk() {
                break;
            }
        }
        out
    }

    /// The `n` first entries of [`LaneReader::peek`]`(n)` are done with
    /// (delivered or dropped): off the buffers and deleted on their shards.
    pub async fn consume(&mut self, done: &[Entry]) {
        let mut by_shard: BTreeMap<u32, Vec<u64>> = BTreeMap::new();
        for e in done {
            if let Some(c) = self.shards.get_mut(&e.shard) {
                if c.buffer.front().is_some_and(|(id, _)| *id == e.id) {
                    c.buffer.pop_front();
                }
            }
            by_shard.entry(e.shard).or_default().push(e.id);
        }
        let node = &self.node;
        let deletes = by_shard.into_iter().map(|(shard, ids)| {
            let del = OutboxDelete {
                app: self.app.clone(),
                lane: self.lane,
                ids,
            };
            async move { (shard, node.ask_shard(shard, del).await) }
        });
        for (shard, result) in futures_util::future::join_all(deletes).await {
            if let Err(e) = result {
                // Left on disk: delivered again after a restart (at least
                // once); never again by this reader, which moved past it.
                tracing::warn!(app = %self.app, lane = self.lane, shard, error = %e, "deleting delivered outbox entries failed");
            }
        }
    }
}
