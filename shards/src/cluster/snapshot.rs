//! Shard snapshots in a JetStream object store (`{name}_snap`, one object
//! per shard), so a take reads a snapshot and the log after it instead of
//! the whole log (`docs/cluster.md`, "Snapshots").
//!
//! A snapshot "at `Q`" is a scan of the shard's keyspace started once
//! every record up to `Q` is applied locally; writes may go on during the
//! scan, because records hold whole values and replaying `Q+1..` over such
//! a state gives the right one. The caller keeps a snapshot only once every
//! batch applied before the scan ended is in the log (`handoff.rs`).
//!
//! An object is the sequence `Q` (u64, big-endian), then entries, each a
//! key and a value with big-endian `u32` lengths. The scan goes through a
//! temporary file, so a large shard never sits in memory.

use crate::cluster::shard_log::LogError;
use crate::placement::ShardId;
use crate::store::{Batch, Keyspace};
use async_nats::jetstream::object_store::{self, ObjectStore};
use async_nats::jetstream::Context;
use std::io::Write as _;
use std::path::PathBuf;
use tokio::io::AsyncReadExt;

/// Entries read or written per keyspace call.
const CHUNK: usize = 1024;
/// The longest key or value a snapshot may hold (a longer length is a
/// corrupt object, not an allocation).
const MAX_PART: usize = 64 << 20;

/// The snapshots of one cluster.
#[derive(Clone)]
pub struct Snapshots {
    store: ObjectStore,
    /// Where scans are staged before upload.
    staging: PathBuf,
}

fn nats(e: impl std::fmt::Display) -> LogError {
    LogError::Nats(e.to_string())
}

fn object_name(shard: ShardId) -> String {
    format!("shard-{shard}")
}

impl Snapshots {
    /// Opens (or creates) the bucket `{name}_snap`.
    pub async fn open(
        js: &Context,
        name: &str,
        replicas: usize,
        staging: PathBuf,
    ) -> Result<Snapshots, LogError> {
        let bucket = format!("{name}_snap");
        let store = match js.get_object_store(&bucket).await {
            Ok(store) => store,
            Err(_) => js
                .create_object_store(object_store::Config {
                    bucket: bucket.clone(),
                    num_replicas: replicas.max(1),
                    ..Default::default()
                })
                .await
                .map_err(nats)?,
        };
        std::fs::create_dir_all(&staging).map_err(nats)?;
        Ok(Snapshots { store, staging })
    }

    /// Scans `keyspace` into a staged file for a snapshot at `seq`; the
    /// file's path. Blocking disk work: run it off the async workers.
    pub fn stage(
        &self,
        shard: ShardId,
        seq: u64,
        keyspace: &dyn Keyspace,
    ) -> Result<PathBuf, LogError> {
        let path = self.staging.join(format!("{}.snap", object_name(shard)));
        let file = std::fs::File::create(&path).map_err(nats)?;
        let mut out = std::io::BufWriter::new(file);
        out.write_all(&seq.to_be_bytes()).map_err(nats)?;
        let end = vec![0xff; 64];
        let mut from: Vec<u8> = Vec::new();
        loop {
            let entries = keyspace.range(&from, &end, CHUNK).map_err(nats)?;
            let Some(last) = entries.last().map(|(k, _)| k.clone()) else {
                break;
            };
            for (k, v) in &entries {
                for part in [k, v] {
                    let len = u32::try_from(part.len()).map_err(nats)?;
                    out.write_all(&len.to_be_bytes()).map_err(nats)?;
                    out.write_all(part).map_err(nats)?;
                }
            }
            // The next key after `last`.
            from = last;
            from.push(0);
        }
        out.flush().map_err(nats)?;
        Ok(path)
    }

    /// Uploads a staged snapshot of `shard` (replacing the previous one).
    pub async fn upload(&self, shard: ShardId, staged: &PathBuf) -> Result<u64, LogError> {
        let mut file = tokio::fs::File::open(staged).await.map_err(nats)?;
        let info = self
            .store
            .put(object_name(shard).as_str(), &mut file)
            .await
            .map_err(nats)?;
        let _ = tokio::fs::remove_file(staged).await;
        Ok(info.size as u64)
    }

    /// Loads the snapshot of `shard` into `keyspace` (which must be
    /// empty); the sequence it is at, `None` when there is none.
    pub async fn load(
        &self,
        shard: ShardId,
        keyspace: &dyn Keyspace,
    ) -> Result<Option<u64>, LogError> {
        let mut object = match self.store.get(object_name(shard)).await {
            Ok(o) => o,
            Err(e) if e.kind() == object_store::GetErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(nats(e)),
        };
        let corrupt = || LogError::Corrupt { shard, seq: 0 };
        let mut head = [0u8; 8];
        object.read_exact(&mut head).await.map_err(|_| corrupt())?;
        let seq = u64::from_be_bytes(head);
        let mut batch = Batch::default();
        loop {
            let mut len = [0u8; 4];
            match object.read_exact(&mut len).await {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(nats(e)),
            }
            let part = |len: [u8; 4]| {
                let n = u32::from_be_bytes(len) as usize;
                (n <= MAX_PART).then(|| vec![0u8; n]).ok_or_else(corrupt)
            };
            let mut key = part(len)?;
            object.read_exact(&mut key).await.map_err(|_| corrupt())?;
            object.read_exact(&mut len).await.map_err(|_| corrupt())?;
            let mut value = part(len)?;
            object.read_exact(&mut value).await.map_err(|_| corrupt())?;
            batch.put(key, value);
            if batch.len() >= CHUNK {
                keyspace.apply(std::mem::take(&mut batch)).map_err(nats)?;
            }
        }
        if !batch.is_empty() {
            keyspace.apply(batch).map_err(nats)?;
        }
        Ok(Some(seq))
    }
}
