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
        AddWords => WordsChanged,
        RemoveWords => WordsChanged,
        ListWords => Vec<String>,
        AddCallback => crate::hooks::CallbackRule,
        PatchCallback => crate::hooks::CallbackRule,
        DeleteCallback => (),
        PutPushCredential => crate::push::PushCredential,
        DeletePushCredential => (),
        MarkAppDeleting => AppRecord,
        ForgetApp => (),
    }
}

/// Marks the app as being deleted (the operator's `DELETE
/// /_admin/apps/{org}/{app}`): from its commit on, the gateways treat the
/// app as gone. Answers the marked record; marking twice is no error (a
/// deletion cut short is taken up again).
#[derive(Debug, Serialize, Deserialize)]
pub struct MarkAppDeleting;

/// Deletes the app's record, the last of its data (every shard has been
/// purged of the rest). Only an app marked as being deleted is forgotten.
#[derive(Debug, Serialize, Deserialize)]
pub struct ForgetApp;

/// Adds a callback rule (`patch` names at least `name`, `kind`, `url`)
/// with `secret`; answers the rule with its id.
#[derive(Debug, Serialize, Deserialize)]
pub struct AddCallback {
    pub patch: crate::hooks::RulePatch,
    pub secret: String,
}

/// Changes some fields of rule `name`.
#[derive(Debug, Serialize, Deserialize)]
pub struct PatchCallback {
    pub name: String,
    pub patch: crate::hooks::RulePatch,
}

/// Deletes rule `name` (its queue is purged by the gateway's courier).
#[derive(Debug, Serialize, Deserialize)]
pub struct DeleteCallback {
    pub name: String,
}

/// Adds a push credential, or replaces the one of the same name.
#[derive(Debug, Serialize, Deserialize)]
pub struct PutPushCredential {
    pub credential: crate::push::PushCredential,
}

/// Deletes push credential `name`.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeletePushCredential {
    pub name: String,
}

/// Adds sensitive words (1–10,000, each 1–64 characters); answers how
/// many were new and the app's record after the change.
#[derive(Debug, Serialize, Deserialize)]
pub struct AddWords {
    pub words: Vec<String>,
}

/// Removes sensitive words; answers how many were listed and the app's
/// record after the change.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemoveWords {
    pub words: Vec<String>,
}

/// What a change to the word list did. The record (its version moved
/// when a word did) lets the asking gateway replace its cached copy before
/// it answers, so the change applies to the very next message it checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WordsChanged {
    pub count: usize,
    pub record: AppRecord,
}

/// Up to `limit` words after `after` (the last of the previous page), in
/// order.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListWords {
    pub after: Option<String>,
    pub limit: usize,
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
