//! A step of deleting an app's data from one shard (the operator's
//! `DELETE /_admin/apps/{org}/{app}`): up to a budget of keys per step, so
//! the shard's live traffic runs between steps. The gateway drives the
//! steps (`src/app_admin.rs`), a cursor at a time, after the App entity
//! marked the app as being deleted.
//!
//! Every family but two keys its entries by the app first (the family
//! byte, the app, a 0; an entity key starts the same way): their entries
//! are removed by prefix. The shard log (`L`, by sequence) and the blob references
//! (`Z`, by blob) are read whole: a log event naming the app and a
//! reference by one of its uploads go; the blobs those references named
//! are answered, for the gateway to remove the ones nothing names any
//! more. The App entity's own snapshot is left for `ForgetApp`, the last
//! step of a deletion.
//!
//! Before each step the shard drops the app's active entities (see
//! `Entity::evicts_app`), so no state in memory writes the data back; the
//! devices still attached are told to reconnect, and their logins are
//! refused since the app is marked.
//!
//! Steps are applied outside the group commit, like the retention sweep's:
//! the gateway flushes once every shard is done, before it answers. A
//! crash between steps leaves the app marked and listed; deleting it again
//! starts over and finds less to do.

use crate::error::DomainError;
use crate::events::Event;
use crate::trees::families::{self, BLOB_REFS, LOG, SNAPSHOT};
use imcloud_shards::entity::{snapshot_key, ShardStore};
use imcloud_shards::store::{prefix_end, Batch};
use imcloud_shards::{codec, EntityKey, EntityKind};
use serde::{Deserialize, Serialize};

/// Entries read per range call.
const READ_CHUNK: usize = 256;
/// Most range calls of one step.
const MAX_READS: usize = 64;

/// One step of purging `app` from a shard.
#[derive(Debug, Serialize, Deserialize)]
pub struct PurgeApp {
    pub app: String,
    /// Where the step starts (a key; empty: the beginning).
    pub from: Vec<u8>,
    /// Most keys deleted in this step.
    pub budget: usize,
}

/// What a step did and where the next one starts.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PurgeProgress {
    /// Where the next step starts; `None`: the shard holds nothing more
    /// of the app (but the App entity's record).
    pub next: Option<Vec<u8>>,
    /// Keys deleted by this step.
    pub deleted: u64,
    /// Blobs that references deleted by this step named.
    pub released_blobs: Vec<String>,
}

/// A family's range for `app`, and whether each entry in it must be
/// looked at (the whole family is read) or is the app's by its prefix.
struct Range {
    start: Vec<u8>,
    end: Vec<u8>,
    whole_family: bool,
}

fn ranges(app: &str) -> Vec<Range> {
    let mut prefixes: Vec<u8> = families::ALL.iter().map(|(_, p)| *p).collect();
    prefixes.sort_unstable();
    prefixes
        .into_iter()
        .map(|f| {
            if f == LOG || f == BLOB_REFS {
                Range {
                    start: vec![f],
                    end: prefix_end(&[f]),
                    whole_family: true,
                }
            } else {
                let mut start = vec![f];
                start.extend_from_slice(app.as_bytes());
                start.push(0);
                let end = prefix_end(&start);
                Range {
                    start,
                    end,
                    whole_family: false,
                }
            }
        })
        .collect()
}

/// The app an entry of the log or the blob references belongs to.
fn owner_of(key: &[u8], value: &[u8]) -> Option<String> {
    match key.first() {
        Some(&LOG) => codec::decode::<Event>(value)
            .ok()
            .map(|e| e.app().to_string()),
        Some(&BLOB_REFS) => {
            let rest = key.get(1..)?;
            let sha_end = rest.iter().position(|b| *b == 0)?;
            let after = rest.get(sha_end + 1..)?;
            let app_end = after.iter().position(|b| *b == 0)?;
            std::str::from_utf8(&after[..app_end])
                .ok()
                .map(String::from)
        }
        _ => None,
    }
}

/// The blob a reference key names.
fn blob_of(key: &[u8]) -> Option<String> {
    let rest = key.get(1..)?;
    let sha_end = rest.iter().position(|b| *b == 0)?;
    std::str::from_utf8(&rest[..sha_end]).ok().map(String::from)
}

fn failed(e: imcloud_shards::StoreError) -> DomainError {
    tracing::error!(error = %e, "purging an app failed");
    DomainError::Internal
}

/// Runs one step of purging `req.app` from `store`.
pub fn step(req: &PurgeApp, store: &ShardStore) -> Result<PurgeProgress, DomainError> {
    let keep = snapshot_key(&EntityKey::new(req.app.clone(), EntityKind::App, ""));
    let budget = req.budget.max(1);
    let mut batch = Batch::default();
    let mut progress = PurgeProgress::default();
    let mut cursor = req.from.clone();
    let mut reads = 0;
    let mut done = true;
    'families: for range in ranges(&req.app) {
        if cursor >= range.end {
            continue;
        }
        if cursor < range.start {
            cursor = range.start.clone();
        }
        loop {
            if reads >= MAX_READS || batch.len() >= budget {
                done = false;
                break 'families;
            }
            reads += 1;
            let rows = store
                .keyspace()
                .range(&cursor, &range.end, READ_CHUNK)
                .map_err(failed)?;
            let full = rows.len() == READ_CHUNK;
            for (k, v) in rows {
                cursor = k.clone();
                cursor.push(0);
                let theirs = if range.whole_family {
                    owner_of(&k, &v).is_some_and(|a| a == req.app)
                } else {
                    !(k.first() == Some(&SNAPSHOT) && k == keep)
                };
                if !theirs {
                    continue;
                }
                if k.first() == Some(&BLOB_REFS) {
                    progress.released_blobs.extend(blob_of(&k));
                }
                batch.delete(k);
                if batch.len() >= budget {
                    break;
                }
            }
            if !full && batch.len() < budget {
                cursor = range.end.clone();
                continue 'families;
            }
        }
    }
    progress.deleted = batch.len() as u64;
    if !batch.is_empty() {
        store.keyspace().apply(batch).map_err(failed)?;
    }
    progress.released_blobs.sort_unstable();
    progress.released_blobs.dedup();
    progress.next = (!done).then_some(cursor);
    Ok(progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_reference_names_its_app_and_blob() {
        let mut k = vec![BLOB_REFS];
        k.extend_from_slice(b"abc123\0o#a\0uuid-1");
        assert_eq!(owner_of(&k, &[]).as_deref(), Some("o#a"));
        assert_eq!(blob_of(&k).as_deref(), Some("abc123"));
    }

    #[test]
    fn every_family_is_covered_once_in_key_order() {
        let r = ranges("o#a");
        assert_eq!(r.len(), families::ALL.len());
        assert!(r.windows(2).all(|w| w[0].end <= w[1].start));
    }
}
