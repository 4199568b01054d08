//! The retention sweep's step on one shard: deletes the messages stored
//! before their app's cutoff (`retention_days`), a bounded batch per step,
//! so the shard's live traffic runs between steps. The gateway drives the
//! steps (`src/retention.rs`), a cursor at a time.
//!
//! Three passes over the keyspace, in key order:
//! 0. uploads (`F`): records created before the cutoff, with their blob
//!    references (`Z`); the blobs they named are answered, for the
//!    gateway to remove those no record names any more;
//! 1. timelines (`T`): per stream, the oldest entries while they are past
//!    the cutoff (a stream's seqs grow with time, so the first entry in
//!    time skips the rest of the stream), each with what indexes it: a
//!    user's conversation index entry (`C`), a group's `X`, `A` and `R`
//!    entries. A user stream whose entries go gets a head key (`H`) with
//!    the last seq deleted, so its seqs never restart: `load_head` is the
//!    larger of head key and last entry;
//! 2. the archive (`Y`): per app, everything before the cutoff.
//!
//! Each step is one atomic batch, every deleted message with its indexes:
//! a crash between steps leaves a consistent store, and the next sweep
//! starts over. The batch is applied on the shard actor between steps of
//! its entities, outside the group commit: a lost batch is swept again.

use crate::app::files::FileRecord;
use crate::conversation::is_countable;
use crate::error::DomainError;
use crate::message::{ChatType, StoredMessage};
use crate::trees::families::{ARCHIVE, FILES, TIMELINE};
use crate::trees::{archive, conversations, files, group_acks, msg_index, recalled, timeline};
use imcloud_shards::entity::{decode_seq, ShardStore};
use imcloud_shards::store::{prefix_end, Batch};
use imcloud_shards::{codec, EntityKey, EntityKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Entries read per range call.
const READ_CHUNK: usize = 64;
/// Most range calls of one step (streams with nothing to delete cost one
/// each).
const MAX_READS: usize = 256;

/// One step of a sweep over a shard.
#[derive(Debug, Serialize, Deserialize)]
pub struct SweepStep {
    /// The cutoff of each app met so far (Unix ms: older goes); `None`:
    /// the app keeps everything.
    pub cutoffs: Vec<(String, Option<i64>)>,
    /// Where the step starts (a key; empty: the beginning).
    pub from: Vec<u8>,
    /// Most messages deleted in this step.
    pub budget: usize,
}

/// What a step did and where the next one starts.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SweepProgress {
    /// Where the next step starts; `None`: the shard is swept.
    pub next: Option<Vec<u8>>,
    /// An app the step met without a cutoff: the next step (from `next`)
    /// needs it.
    pub unknown_app: Option<String>,
    /// Messages deleted from timelines.
    pub timeline_deleted: u64,
    /// Messages deleted from the archive.
    pub archive_deleted: u64,
    /// Upload records deleted.
    pub files_deleted: u64,
    /// The blobs those records named.
    pub released_blobs: Vec<String>,
}

/// The families swept, in the order of the passes (key order).
const PASSES: [u8; 3] = [FILES, TIMELINE, ARCHIVE];

/// Where a cursor points after the step: keep going, or stop.
enum Flow {
    /// Read on from this key.
    Continue(Vec<u8>),
    /// Stop the step; the next starts at `next`.
    Stop(SweepProgress),
}

/// Whether a pass goes on with an app's entries.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnApp {
    Next,
    Skip,
}

/// The smallest key after `key`.
fn just_after(key: &[u8]) -> Vec<u8> {
    let mut k = key.to_vec();
    k.push(0);
    k
}

struct Sweep<'a> {
    store: &'a ShardStore,
    cutoffs: HashMap<&'a str, Option<i64>>,
    budget: usize,
    batch: Batch,
    progress: SweepProgress,
    /// User streams that lost entries in this step, with the last seq gone.
    user_heads: HashMap<EntityKey, u64>,
}

/// Runs one step of a sweep over `store`.
pub fn step(req: &SweepStep, store: &ShardStore) -> Result<SweepProgress, DomainError> {
    let mut sweep = Sweep {
        store,
        cutoffs: req
            .cutoffs
            .iter()
            .map(|(app, c)| (app.as_str(), *c))
            .collect(),
        budget: req.budget.max(1),
        batch: Batch::default(),
        progress: SweepProgress::default(),
        user_heads: HashMap::new(),
    };
    let mut cursor = if req.from.is_empty() {
        vec![PASSES[0]]
    } else {
        req.from.clone()
    };
    let mut reads = 0;
    let outcome = loop {
        reads += 1;
        if reads > MAX_READS {
            break SweepProgress {
                next: Some(cursor),
                ..std::mem::take(&mut sweep.progress)
            };
        }
        let flow = match cursor.first() {
            Some(&FILES) => sweep.files(&cursor)?,
            Some(&TIMELINE) => sweep.timelines(&cursor)?,
            Some(&ARCHIVE) => sweep.archive(&cursor)?,
            // Between or past the passes: on to the next, or done.
            first => match PASSES.iter().find(|p| first.is_none_or(|b| **p > *b)) {
                Some(p) => Flow::Continue(vec![*p]),
                None => {
                    break SweepProgress {
                        next: None,
                        ..std::mem::take(&mut sweep.progress)
                    }
                }
            },
        };
        match flow {
            Flow::Continue(next) => cursor = next,
            Flow::Stop(p) => break p,
        }
    };
    for (stream, seq) in sweep.user_heads.drain() {
        let kept = store
            .get(&timeline::head_key(&stream))
            .map_err(failed)?
            .and_then(|v| decode_seq(&v))
            .unwrap_or(0);
        if seq > kept {
            sweep
                .batch
                .put(timeline::head_key(&stream), seq.to_be_bytes().to_vec());
        }
    }
    if !sweep.batch.is_empty() {
        store.keyspace().apply(sweep.batch).map_err(failed)?;
    }
    Ok(outcome)
}

fn failed(e: imcloud_shards::StoreError) -> DomainError {
    tracing::error!(error = %e, "retention sweep failed");
    DomainError::Internal
}

impl Sweep<'_> {
    fn deleted(&self) -> u64 {
        self.progress.timeline_deleted + self.progress.archive_deleted + self.progress.files_deleted
    }

    /// One chunk of a pass over a family keyed by app first (`F`, `Y`):
    /// `each` sees every entry of an app with a cutoff and says whether to
    /// go on with the app; an app that keeps everything is skipped whole.
    fn app_pass(
        &mut self,
        family: u8,
        from: &[u8],
        mut each: impl FnMut(&mut Self, &str, i64, &[u8], &[u8]) -> OnApp,
    ) -> Result<Flow, DomainError> {
        let rows = self
            .store
            .keyspace()
            .range(from, &[family + 1], READ_CHUNK)
            .map_err(failed)?;
        let Some((first, _)) = rows.first() else {
            return Ok(Flow::Continue(vec![family + 1]));
        };
        let mut next = just_after(first);
        for (key, value) in &rows {
            if let Some(stop) = self.spent(key) {
                return Ok(stop);
            }
            let Some(app_len) = key[1..].iter().position(|b| *b == 0) else {
                next = just_after(key);
                continue;
            };
            let app = String::from_utf8_lossy(&key[1..1 + app_len]).into_owned();
            let go_on = match self.cutoff(&app, key) {
                Err(stop) => return Ok(stop),
                Ok(None) => OnApp::Skip,
                Ok(Some(cutoff)) => each(self, &app, cutoff, key, value),
            };
            if go_on == OnApp::Skip {
                return Ok(Flow::Continue(prefix_end(&key[..app_len + 2])));
            }
            next = just_after(key);
        }
        Ok(Flow::Continue(next))
    }

    fn files(&mut self, from: &[u8]) -> Result<Flow, DomainError> {
        self.app_pass(FILES, from, |sweep, app, cutoff, key, value| {
            // Records are by uuid, not time: each is read.
            if let Ok(record) = codec::decode::<FileRecord>(value) {
                if record.created < cutoff {
                    sweep.batch.delete(key.to_vec());
                    for k in files::blob_refs(app, &record) {
                        sweep.batch.delete(k);
                    }
                    sweep
                        .progress
                        .released_blobs
                        .extend(files::blob_names(&record));
                    sweep.progress.files_deleted += 1;
                }
            }
            OnApp::Next
        })
    }

    /// Stops here if the budget is spent.
    fn spent(&mut self, at: &[u8]) -> Option<Flow> {
        (self.deleted() >= self.budget as u64).then(|| {
            Flow::Stop(SweepProgress {
                next: Some(at.to_vec()),
                ..std::mem::take(&mut self.progress)
            })
        })
    }

    /// The cutoff of `app`, or a stop asking for it.
    fn cutoff(&mut self, app: &str, at: &[u8]) -> Result<Option<i64>, Flow> {
        match self.cutoffs.get(app) {
            Some(c) => Ok(*c),
            None => Err(Flow::Stop(SweepProgress {
                next: Some(at.to_vec()),
                unknown_app: Some(app.to_string()),
                ..std::mem::take(&mut self.progress)
            })),
        }
    }

    fn timelines(&mut self, from: &[u8]) -> Result<Flow, DomainError> {
        let rows = self
            .store
            .keyspace()
            .range(from, &[TIMELINE + 1], READ_CHUNK)
            .map_err(failed)?;
        let Some((first, _)) = rows.first() else {
            return Ok(Flow::Continue(vec![ARCHIVE]));
        };
        let mut next = just_after(first);
        for (key, value) in &rows {
            if let Some(stop) = self.spent(key) {
                return Ok(stop);
            }
            let Some((stream, used)) = EntityKey::read_bytes(&key[1..]) else {
                next = just_after(key);
                continue;
            };
            let stream_end = prefix_end(&timeline::entry_prefix(&stream));
            let cutoff = match self.cutoff(&stream.app, key) {
                Ok(c) => c,
                Err(stop) => return Ok(stop),
            };
            let Some(cutoff) = cutoff else {
                // This app keeps everything: past all of its streams.
                let mut app_start = vec![TIMELINE];
                app_start.extend_from_slice(stream.app.as_bytes());
                app_start.push(0);
                return Ok(Flow::Continue(prefix_end(&app_start)));
            };
            let seq = key.get(1 + used..).and_then(decode_seq);
            let message = codec::decode::<StoredMessage>(value).ok();
            match (seq, message) {
                (Some(seq), Some(m)) if m.ts < cutoff => {
                    self.delete_entry(&stream, seq, &m, key);
                    next = just_after(key);
                }
                (Some(_), Some(_)) => return Ok(Flow::Continue(stream_end)),
                // Undecodable: left alone, past it.
                _ => next = just_after(key),
            }
        }
        Ok(Flow::Continue(next))
    }

    fn delete_entry(&mut self, stream: &EntityKey, seq: u64, m: &StoredMessage, key: &[u8]) {
        self.batch.delete(key.to_vec());
        match stream.kind {
            EntityKind::User => {
                if m.chat == ChatType::Single && is_countable(m) {
                    let peer = if m.from == stream.id { &m.to } else { &m.from };
                    self.batch
                        .delete(conversations::index_key(stream, peer, m.msg_id));
                }
                let head = self.user_heads.entry(stream.clone()).or_insert(0);
                *head = (*head).max(seq);
            }
            EntityKind::Group => {
                self.batch.delete(msg_index::key(stream, m.msg_id));
                self.batch.delete(group_acks::ack_key(stream, seq));
                self.batch.delete(recalled::key(stream, seq));
            }
            EntityKind::App | EntityKind::Chatroom => {}
        }
        self.progress.timeline_deleted += 1;
    }

    fn archive(&mut self, from: &[u8]) -> Result<Flow, DomainError> {
        self.app_pass(ARCHIVE, from, |sweep, app, cutoff, key, _| {
            match archive::parse(archive::app_prefix(app).len(), key) {
                Some((ts, _)) if ts < cutoff => {
                    sweep.batch.delete(key.to_vec());
                    sweep.progress.archive_deleted += 1;
                    OnApp::Next
                }
                // Kept from here on: the app's entries are in time order.
                Some(_) => OnApp::Skip,
                None => OnApp::Next,
            }
        })
    }
}
