//! The App entity: one per `org#app`. Owns the app's record: uuid, client
//! credentials, the key that signs its tokens, its settings and its
//! chatroom super admins; and the records of its uploads ([`files`]).

pub mod commands;
pub mod files;

pub use commands::*;

use crate::command::Answer;
use crate::error::DomainError;
use crate::events::Event;
use crate::ChatEntity;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{EntityKey, StepCtx, StoreError};
use serde::{Deserialize, Serialize};

/// Per-app settings (Easemob console settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppSettings {
    /// Messages per second a user may send over the client protocol (0 =
    /// unlimited).
    pub user_send_rate: u32,
    /// Burst above that rate.
    pub user_send_burst: u32,
    /// Lifetime of tokens without an explicit `ttl`, seconds.
    pub token_ttl_secs: u64,
    /// Whether `POST /users` needs no app token.
    pub open_registration: bool,
    /// Largest `maxusers` a group may have (members including the owner).
    pub group_max_users: u32,
    /// Groups a user may belong to.
    pub groups_per_user: u32,
    /// Whether messages may be recalled.
    pub recall_enabled: bool,
    /// How long after sending, seconds (at most 7 days).
    pub recall_window_secs: u64,
    /// Stored messages older than this many days are swept (0: kept
    /// forever).
    pub retention_days: u32,
}

/// The longest recall window an app may set: 7 days.
pub const MAX_RECALL_WINDOW_SECS: u64 = 7 * 24 * 3600;

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            user_send_rate: 2,
            user_send_burst: 10,
            token_ttl_secs: 7 * 24 * 3600,
            open_registration: false,
            group_max_users: 3000,
            groups_per_user: 500,
            recall_enabled: true,
            recall_window_secs: 120,
            retention_days: 7,
        }
    }
}

/// Everything the node knows about an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRecord {
    pub appkey: String,
    pub uuid: String,
    pub client_id: String,
    pub client_secret: String,
    /// Base64 of the HMAC key that signs this app's tokens.
    pub token_key: String,
    pub created: i64,
    #[serde(default)]
    pub settings: AppSettings,
    /// Users who may create chatrooms from their devices.
    #[serde(default)]
    pub chatroom_super_admins: std::collections::BTreeSet<String>,
}

/// Most chatroom super admins of an app.
pub const MAX_SUPER_ADMINS: usize = 1_000;

#[derive(Debug, Default)]
pub struct AppState {
    record: Option<AppRecord>,
}

impl AppState {
    pub fn activate(key: &EntityKey, store: &ShardStore) -> Result<Self, StoreError> {
        Ok(AppState {
            record: store.load_snapshot(key)?,
        })
    }

    pub fn is_vacant(&self) -> bool {
        self.record.is_none()
    }

    pub fn handle(&mut self, cmd: AppCmd, ctx: &mut StepCtx<'_, ChatEntity>) {
        match cmd {
            AppCmd::CreateApp(CreateApp { record }) => {
                if self.record.is_some() {
                    return ctx.answer_now::<CreateApp>(Err(DomainError::AppExists));
                }
                self.record = Some(record);
                let saved = self.save(ctx);
                ctx.answer::<CreateApp>(saved);
            }
            AppCmd::GetApp(_) => {
                ctx.answer_now::<GetApp>(self.record.clone().ok_or(DomainError::AppNotFound))
            }
            AppCmd::SetAppSettings(SetAppSettings { settings }) => {
                let Some(record) = self.record.as_mut() else {
                    return ctx.answer_now::<SetAppSettings>(Err(DomainError::AppNotFound));
                };
                record.settings = settings;
                let saved = self.save(ctx);
                ctx.answer::<SetAppSettings>(saved);
            }
            AppCmd::PutFile(c) => self.put_file(c, ctx),
            AppCmd::GetFile(c) => self.get_file(c, ctx),
            AppCmd::DeleteFile(c) => self.delete_file(c, ctx),
            AppCmd::SetSuperAdmin(SetSuperAdmin { user, on }) => {
                let result = self.set_super_admin(user, on);
                let saved = result.and_then(|()| self.save(ctx));
                ctx.answer::<SetSuperAdmin>(saved);
            }
        }
    }

    fn set_super_admin(&mut self, user: String, on: bool) -> Result<(), DomainError> {
        let Some(record) = self.record.as_mut() else {
            return Err(DomainError::AppNotFound);
        };
        let admins = &mut record.chatroom_super_admins;
        let changed = if on {
            if !admins.contains(&user) && admins.len() >= MAX_SUPER_ADMINS {
                return Err(DomainError::InvalidArgument(format!(
                    "an app has at most {MAX_SUPER_ADMINS} chatroom super admins"
                )));
            }
            admins.insert(user)
        } else {
            admins.remove(&user)
        };
        if !changed {
            let msg = if on { "is already" } else { "is not" };
            return Err(DomainError::InvalidArgument(format!(
                "the user {msg} a chatroom super admin"
            )));
        }
        Ok(())
    }

    /// Stages the record and its event; answers with the record.
    fn save(&self, ctx: &mut StepCtx<'_, ChatEntity>) -> Result<AppRecord, DomainError> {
        let record = self.record.clone().ok_or(DomainError::AppNotFound)?;
        ctx.append_event(&Event::AppCreated {
            app: record.clone(),
        });
        ctx.save_snapshot(&record);
        Ok(record)
    }
}
