//! The fjall engine behind the storage seam: an LSM tree with one journal
//! for all keyspaces. A batch is one journal append; `flush` is one fsync of
//! the journal for everything appended so far, which is what group commit
//! needs. Selected with `storage.engine = "fjall"`.

use super::{Batch, Engine, Entry, Keyspace, Write};
use crate::error::StoreError;
use fjall::{Database, KeyspaceCreateOptions, PersistMode};
use std::path::Path;
use std::sync::Arc;

pub struct FjallEngine {
    db: Database,
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
        let db = Database::builder(dir.join("fjall"))
            .cache_size(cache_bytes)
            // Durability is our group commit's job: it persists once per round.
            .manual_journal_persist(true)
            .open()
            .map_err(engine_err)?;
        Ok(FjallEngine { db })
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
        self.db.persist(PersistMode::SyncData).map_err(engine_err)
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
