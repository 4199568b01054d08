//! Attachment bytes on disk: content-addressed blobs under
//! `{data_dir}/files/blobs/{first two hex}/{sha256}`, each written to a
//! temporary file, fsynced and renamed into place (so a blob is whole or
//! absent), and thumbnails made from images. The records naming them live
//! in the App entity (`imcloud_actors::app::files`).

pub mod thumbnail;

use imcloud_actors::app::files::Blob;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The blob directory of a data dir.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

impl BlobStore {
    pub fn new(data_dir: &Path) -> BlobStore {
        BlobStore {
            dir: data_dir.join("files").join("blobs"),
        }
    }

    /// Where the blob `sha256` (hex) lives; `None` for a name that is not
    /// 64 hex digits (never a path outside the store).
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.dir.join(&sha256[..2]).join(sha256))
    }

    /// Writes `bytes` durably (blocking: run it off the async workers) and
    /// describes the blob. A blob already there is kept as it is.
    pub fn put(&self, bytes: &[u8], content_type: &str) -> std::io::Result<Blob> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self
            .path(&sha256)
            .ok_or_else(|| std::io::Error::other("bad blob name"))?;
        if !path.exists() {
            let parent = path
                .parent()
                .ok_or_else(|| std::io::Error::other("blob without a directory"))?;
            std::fs::create_dir_all(parent)?;
            let tmp = parent.join(format!(".{sha256}.{}", uuid::Uuid::new_v4()));
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, &path)?;
            // The rename itself must survive a crash.
            std::fs::File::open(parent)?.sync_all()?;
        }
        Ok(Blob {
            sha256,
            size: bytes.len() as u64,
            content_type: content_type.to_string(),
        })
    }
}
