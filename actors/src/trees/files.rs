//! The app's upload records, and which of them name each blob.
//!
//! - `F` + app + 0x00 + file uuid → `FileRecord` (in the App entity's
//!   shard)
//! - `Z` + blob sha256 (hex) + 0x00 + app + 0x00 + file uuid → empty, one
//!   per blob a record names (its file and its thumbnail), beside the
//!   record

use super::families::{BLOB_REFS, FILES};
use crate::app::files::FileRecord;

pub fn app_prefix(app: &str) -> Vec<u8> {
    let mut k = vec![FILES];
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k
}

pub fn key(app: &str, uuid: &str) -> Vec<u8> {
    let mut k = app_prefix(app);
    k.extend_from_slice(uuid.as_bytes());
    k
}

/// Every reference to the blob `sha256`.
pub fn blob_prefix(sha256: &str) -> Vec<u8> {
    let mut k = vec![BLOB_REFS];
    k.extend_from_slice(sha256.as_bytes());
    k.push(0);
    k
}

fn blob_ref(sha256: &str, app: &str, uuid: &str) -> Vec<u8> {
    let mut k = blob_prefix(sha256);
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k.extend_from_slice(uuid.as_bytes());
    k
}

/// The reference keys of the blobs `record` names.
pub fn blob_refs(app: &str, record: &FileRecord) -> Vec<Vec<u8>> {
    blob_names(record)
        .iter()
        .map(|sha| blob_ref(sha, app, &record.uuid))
        .collect()
}

/// The blobs `record` names.
pub fn blob_names(record: &FileRecord) -> Vec<String> {
    std::iter::once(&record.blob)
        .chain(record.thumbnail.as_ref())
        .map(|b| b.sha256.clone())
        .collect()
}
