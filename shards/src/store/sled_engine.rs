//! The sled engine behind the storage seam. One sled `Db` per data
//! directory; one sled tree per keyspace.

use super::{Batch, Engine, Entry, Keyspace, Write};
use crate::error::StoreError;
use std::path::Path;
use std::sync::Arc;

pub struct SledEngine {
    db: sled::Db,
}

fn engine_err(e: sled::Error) -> StoreError {
    StoreError::Engine(e.to_string())
}

impl SledEngine {
    /// Opens (or creates) the database in `dir`. A directory held by another
    /// process is reported as [`StoreError::Locked`].
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<Self, StoreError> {
        let db = sled::Config::new()
            .path(dir.join("db"))
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(|e| match e {
                sled::Error::Io(io)
                    if io.kind() == std::io::ErrorKind::WouldBlock
                        || io.to_string().contains("lock") =>
                {
                    StoreError::Locked(format!("{}: {io}", dir.display()))
                }
                other => engine_err(other),
            })?;
        Ok(SledEngine { db })
    }
}

impl Engine for SledEngine {
    fn keyspace(&self, name: &str) -> Result<Arc<dyn Keyspace>, StoreError> {
        let tree = self.db.open_tree(name).map_err(engine_err)?;
        Ok(Arc::new(SledKeyspace { tree }))
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(engine_err)
    }

    fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(engine_err)
    }
}

struct SledKeyspace {
    tree: sled::Tree,
}

impl Keyspace for SledKeyspace {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree.get(key).map_err(engine_err)?.map(|v| v.to_vec()))
    }

    fn apply(&self, batch: Batch) -> Result<(), StoreError> {
        let mut sled_batch = sled::Batch::default();
        for w in batch.into_writes() {
            match w {
                Write::Put(k, v) => sled_batch.insert(k, v),
                Write::Delete(k) => sled_batch.remove(k),
            }
        }
        self.tree.apply_batch(sled_batch).map_err(engine_err)
    }

    fn range(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree.range(start..end).take(limit) {
            let (k, v) = item.map_err(engine_err)?;
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }

    fn range_rev(&self, start: &[u8], end: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree.range(start..end).rev().take(limit) {
            let (k, v) = item.map_err(engine_err)?;
            out.push((k.to_vec(), v.to_vec()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_range_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let eng = SledEngine::open(dir.path(), 1 << 20).unwrap();
            let ks = eng.keyspace("s0").unwrap();
            let mut b = Batch::default();
            for i in 0u8..10 {
                b.put(vec![b'T', i], vec![i]);
            }
            b.put(b"Z".to_vec(), b"z".to_vec());
            ks.apply(b).unwrap();
            eng.flush().unwrap();
            let got = ks.range(&[b'T', 3], &[b'T', 6], 10).unwrap();
            assert_eq!(
                got.iter().map(|(_, v)| v[0]).collect::<Vec<_>>(),
                vec![3, 4, 5]
            );
            let last = ks.range_rev(b"T", b"U", 1).unwrap();
            assert_eq!(last[0].1, vec![9]);
        }
        let eng = SledEngine::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(
            eng.keyspace("s0").unwrap().get(b"Z").unwrap(),
            Some(b"z".to_vec())
        );
    }
}
