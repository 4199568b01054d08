//! The app's attachments: one record per upload (`F` keys in the App
//! entity's shard), naming the content-addressed blob the gateway wrote
//! under the data dir, its thumbnail and who may fetch it. The record is
//! written after the blob is on disk, so a record never names a blob that
//! is not there.

use super::{AppState, DeleteFile, GetFile, PutFile};
use crate::command::Answer;
use crate::error::DomainError;
use crate::trees::files;
use crate::ChatEntity;
use imcloud_shards::{codec, StepCtx};
use serde::{Deserialize, Serialize};

/// A stored blob: its SHA-256 (hex, the blob's name), size and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blob {
    pub sha256: String,
    pub size: u64,
    pub content_type: String,
}

/// One upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    pub uuid: String,
    pub blob: Blob,
    pub thumbnail: Option<Blob>,
    pub filename: String,
    /// Fetching needs `secret` (`restrict-access: true` at upload).
    pub restricted: bool,
    pub secret: String,
    pub created: i64,
}

impl AppState {
    pub(super) fn put_file(&mut self, req: PutFile, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<PutFile>(Err(DomainError::AppNotFound));
        }
        let app = ctx.key().app.clone();
        ctx.put(files::key(&app, &req.file.uuid), &req.file);
        for k in files::blob_refs(&app, &req.file) {
            ctx.put_raw(k, Vec::new());
        }
        ctx.answer::<PutFile>(Ok(()));
    }

    pub(super) fn get_file(&mut self, req: GetFile, ctx: &mut StepCtx<'_, ChatEntity>) {
        let app = ctx.key().app.clone();
        let found = match ctx.get(&files::key(&app, &req.uuid)) {
            Ok(Some(bytes)) => codec::decode::<FileRecord>(&bytes)
                .map(Some)
                .map_err(|_| DomainError::Internal),
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::error!(app = %app, error = %e, "reading a file record failed");
                Err(DomainError::Internal)
            }
        };
        // After the flush: a record is shown only once it is durable.
        ctx.answer::<GetFile>(found);
    }

    /// Deletes an upload's record; answers the blobs it named (the caller
    /// removes those no other record names).
    pub(super) fn delete_file(&mut self, req: DeleteFile, ctx: &mut StepCtx<'_, ChatEntity>) {
        let app = ctx.key().app.clone();
        let key = files::key(&app, &req.uuid);
        let record = match ctx.get(&key) {
            Ok(bytes) => bytes.and_then(|b| codec::decode::<FileRecord>(&b).ok()),
            Err(e) => return ctx.fail(e),
        };
        ctx.delete(key);
        let released = record.map_or_else(Vec::new, |r| {
            for k in files::blob_refs(&app, &r) {
                ctx.delete(k);
            }
            files::blob_names(&r)
        });
        ctx.answer::<DeleteFile>(Ok(released));
    }
}
