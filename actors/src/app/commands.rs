//! The commands of an App entity.

use super::files::FileRecord;
use super::{AppRecord, SettingsPatch};
use serde::{Deserialize, Serialize};

crate::commands! {
    /// What an App entity is asked.
    pub enum AppCmd as App {
        CreateApp => AppRecord,
        GetApp => AppRecord,
        PatchAppSettings => AppRecord,
        SetSuperAdmin => AppRecord,
        PutFile => (),
        GetFile => Option<FileRecord>,
        DeleteFile => Vec<String>,
    }
}

/// Creates the app (refused if it exists).
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateApp {
    pub record: AppRecord,
}

/// Reads the app's record.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetApp;

/// Changes some of the app's settings: all of the patch, or nothing and
/// the key that is out of range.
#[derive(Debug, Serialize, Deserialize)]
pub struct PatchAppSettings {
    pub patch: SettingsPatch,
}

/// Grants (`on`) or revokes a user's right to create chatrooms.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetSuperAdmin {
    pub user: String,
    pub on: bool,
}

/// Records an upload whose blobs are on disk.
#[derive(Debug, Serialize, Deserialize)]
pub struct PutFile {
    pub file: FileRecord,
}

/// The record of upload `uuid`, if any.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetFile {
    pub uuid: String,
}

/// Forgets upload `uuid` (its blob stays until no record names it).
#[derive(Debug, Serialize, Deserialize)]
pub struct DeleteFile {
    pub uuid: String,
}
