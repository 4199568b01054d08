//! Attachment bytes on disk: content-addressed blobs under
//! `{data_dir}/files/blobs/{first two hex}/{sha256}`, each written to a
//! temporary file, fsynced and renamed into place (so a blob is whole or
//! absent), and thumbnails made from images. The records naming them live
//! in the App entity (`imcloud_actors::app::files`).

pub mod thumbnail;

use imcloud_actors::app::files::Blob;
use imcloud_actors::queries::{NamedBlobs, NAMED_BLOBS_MAX};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
        if path.exists() {
            // Named again: not idle, so no release removes it before the
            // new record lands (see `remove_idle`).
            std::fs::File::options()
                .append(true)
                .open(&path)?
                .set_modified(std::time::SystemTime::now())?;
        } else {
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

    /// Removes the blob `sha256` if it was not written or named again for
    /// `idle` (an upload of the same bytes may be about to record it);
    /// whether it was removed.
    pub fn remove_idle(&self, sha256: &str, idle: Duration) -> std::io::Result<bool> {
        let Some(path) = self.path(sha256) else {
            return Ok(false);
        };
        let modified = match std::fs::metadata(&path) {
            Ok(m) => m.modified()?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        if modified.elapsed().unwrap_or_default() < idle {
            return Ok(false);
        }
        std::fs::remove_file(&path)?;
        Ok(true)
    }
}

impl crate::node::Node {
    /// Removes those of `shas` (blobs whose records were deleted) that no
    /// upload of any app names any more. A failure only leaves a blob on
    /// disk.
    pub async fn release_blobs(&self, shas: Vec<String>) {
        if shas.is_empty() {
            return;
        }
        let mut unnamed = Vec::new();
        for chunk in shas.chunks(NAMED_BLOBS_MAX) {
            match self
                .ask_every_shard(|| NamedBlobs {
                    shas: chunk.to_vec(),
                })
                .await
            {
                Ok(named) => unnamed.extend(chunk.iter().filter(|s| !named.contains(s)).cloned()),
                Err(e) => {
                    tracing::warn!(error = %e, "checking released blobs failed; kept");
                    return;
                }
            }
        }
        let blobs = BlobStore::new(&self.config.server.data_dir);
        let grace = Duration::from_secs(self.config.retention.blob_grace_secs);
        let removed = actix_web::web::block(move || {
            unnamed
                .iter()
                .filter(|sha| match blobs.remove_idle(sha, grace) {
                    Ok(removed) => removed,
                    Err(e) => {
                        tracing::warn!(blob = %sha, error = %e, "removing a blob failed");
                        false
                    }
                })
                .count()
        })
        .await
        .unwrap_or(0);
        tracing::debug!(removed, "released blobs removed");
    }
}
