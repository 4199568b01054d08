//! The commands of an App entity.

use super::{AppRecord, AppSettings};
use serde::{Deserialize, Serialize};

crate::commands! {
    /// What an App entity is asked.
    pub enum AppCmd as App {
        CreateApp => AppRecord,
        GetApp => AppRecord,
        SetAppSettings => AppRecord,
        SetSuperAdmin => AppRecord,
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

/// Replaces the app's settings.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetAppSettings {
    pub settings: AppSettings,
}

/// Grants (`on`) or revokes a user's right to create chatrooms.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetSuperAdmin {
    pub user: String,
    pub on: bool,
}
