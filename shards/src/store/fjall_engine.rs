//! The fjall engine behind the storage seam: an LSM tree with one journal
//! for all keyspaces. A batch is one journal append; `flush` makes the
//! journal durable for everything appended so far, which is what group
//! commit needs. Selected with `storage.engine = "fjall"`.
//!
//! fjall's own `persist(SyncData)` holds the journal's writer lock through
//! the fsync, so every batch applied meanwhile (every shard step that
//! writes) waits out the whole fsync. `flush` therefore hands fjall's
//! buffer to the OS under the lock (fast) and syncs the journal file
//! through its own handle after letting go. That is as durable: fjall
//! fully syncs a journal before it seals it and starts the next, so every
//! write applied before the flush is in a sealed, synced journal or in the
//! active one, which is the one synced here.

use super::{Batch, Engine, Entry, Keyspace, Write};
use crate::error::StoreError;
use fjall::{Database, KeyspaceCreateOptions, PersistMode};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub struct FjallEngine {
    db: Database,
    /// The directory of fjall's journal files (`<n>.jnl`).
    dir: PathBuf,
    /// The active journal, opened by the last flush.
    journal: Mutex<Option<(PathBuf, File)>>,
}

fn engine_err(e: fjall::Error) -> StoreError {
    match e {
        fjall::Error::Locked => {
            StoreError::Locked("fjall database is open in another process".into())
        }
        other => StoreError::Engine(other.to_string()),
    }
}

impl FjallEngine {
    /// Opens (or creates) the database in `dir/fjall`.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<Self, StoreError> {
        let dir = dir.join("fjall");
        let db = Database::builder(&dir)
            .cache_size(cache_bytes)
            // Durability is our group commit's job: it persists once per round.
            .manual_journal_persist(true)
            .open()
            .map_err(engine_err)?;
        Ok(FjallEngine {
            db,
            dir,
            journal: Mutex::new(None),
        })
    }

    /// The newest journal file: the active one.
    fn active_journal(&self) -> Result<PathBuf, StoreError> {
        let io = |e: std::io::Error| StoreError::Engine(format!("journal dir: {e}"));
        let mut newest: Option<(u64, PathBuf)> = None;
        for entry in std::fs::read_dir(&self.dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let id = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".jnl"))
                .and_then(|n| n.parse::<u64>().ok());
            if let Some(id) = id {
                if newest.as_ref().is_none_or(|(best, _)| id > *best) {
                    newest = Some((id, path));
                }
            }
        }
        newest
            .map(|(_, p)| p)
            .ok_or_else(|| StoreError::Engine("no journal file".into()))
    }

    /// Syncs the data of the active journal file.
    fn sync_journal(&self) -> Result<(), StoreError> {
        let path = self.active_journal()?;
        let mut open = self.journal.lock().unwrap_or_else(|p| p.into_inner());
        let reopen = open.as_ref().is_none_or(|(p, _)| *p != path);
        if reopen {
            let file = File::open(&path)
                .map_err(|e| StoreError::Engine(format!("journal {}: {e}", path.display())))?;
            *open = Some((path, file));
        }
        match open.as_ref() {
            Some((p, file)) => file
                .sync_data()
                .map_err(|e| StoreError::Engine(format!("syncing {}: {e}", p.display()))),
            None => Err(StoreError::Engine("no journal file".into())),
        }
    }
}

impl Engine for FjallEngine {
    fn keyspace(&self, name: &str) -> Result<Arc<dyn Keyspace>, StoreError> {
        let ks = self
            .db
            .keyspace(name, KeyspaceCreateOptions::default)
            .map_err(engine_err)?;
        Ok(Arc::new(FjallKeyspace {
            db: self.db.clone(),
            ks,
        }))
    }

    fn flush(&self) -> Result<(), StoreError> {
        // Under fjall's journal lock: only the buffer, into the OS.
        self.db.persist(PersistMode::Buffer).map_err(engine_err)?;
        // Outside it: the fsync (see the module doc).
        self.sync_journal()
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.disk_space().map_err(engine_err)
    }
}

struct FjallKeyspace {
    db: Database,
    ks: fjall::Keyspace,
}

fn collect(
    iter: impl Iterator<Item = fjall::Guard>,
    limit: usize,
) -> Result<Vec<Entry>, StoreError> {
    let mut out = Vec::new();
    for guard in iter.take(limit) {
        let (k, v) = guard.into_inner().map_err(engine_err)?;
        out.push((k.to_vec(), v.to_vec()));
    }
    Ok(out)
}

impl Keyspace for FjallKeyspace {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.ks.get(key).map_err(engine_err)?.map(|v| v.to_vec()))
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        let mut b = self.db.batch();
        for w in batch.into_writes() {
            match w {
                Write::Put(k, v) => b.insert(&self.ks, k, v),
                Write::Delete(k) => b.remove(&self.ks, k),
            }
        }
        b.commit().map_err(engine_err)
    }

    fn range(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        collect(self.ks.range(start..end), limit)
    }

    fn range_rev(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        collect(self.ks.range(start..end).rev(), limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_range_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let eng = FjallEngine::open(dir.path(), 1 << 20).unwrap();
            let ks = eng.keyspace("s0").unwrap();
            let mut b = Batch::default();
            for i in 0u8..10 {
                b.put(vec![b'T', i], vec![i]);
            }
            b.put(b"Z".to_vec(), b"z".to_vec());
            b.delete(vec![b'T', 4]);
            ks.apply(b).unwrap();
            eng.flush().unwrap();
            let got = ks.range(&[b'T', 3], &[b'T', 6], 10).unwrap();
            assert_eq!(
                got.iter().map(|(_, v)| v[0]).collect::<Vec<_>>(),
                vec![3, 5]
            );
            let last = ks.range_rev(b"T", b"U", 1).unwrap();
            assert_eq!(last[0].1, vec![9]);
        }
        let eng = FjallEngine::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(
            eng.keyspace("s0").unwrap().get(b"Z").unwrap(),
            Some(b"z".to_vec())
        );
    }
}
