//! The App entity: one per `org#app`. Owns the app's record: uuid, client
//! credentials, the key that signs its tokens, its settings, its chatroom
//! super admins, its callback rules (`callbacks`) and push credentials
//! (`push`); the records of its uploads ([`files`]); its sensitive
//! words (`words`); and its deletion by the operator (`deletion`).

mod callbacks;
pub mod commands;
mod deletion;
pub mod files;
mod push;
pub mod settings;
mod words;

pub use commands::*;
pub use settings::{
    AppSettings, Plan, PushPolicy, SensitiveMode, SettingsPatch, MAX_RECALL_WINDOW_SECS,
};

use crate::command::Answer;
use crate::error::DomainError;
use crate::events::Event;
use crate::ChatEntity;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{EntityKey, StepCtx, StoreError};
use serde::{Deserialize, Serialize};

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
    /// Moves with every change to the record (and to the app's word
    /// list): a gateway's cached copy older than the last [`AppChanged`]
    /// is dropped.
    #[serde(default)]
    pub version: u64,
    /// How many sensitive words the app lists.
    #[serde(default)]
    pub word_count: u64,
    /// Callback rules (§14.3), at most `hooks::rules::MAX_RULES`.
    #[serde(default)]
    pub callbacks: Vec<crate::hooks::CallbackRule>,
    /// The id of the last rule made (ids are never reused).
    #[serde(default)]
    pub last_callback_id: u32,
    /// Push credentials (§14.4), by name.
    #[serde(default)]
    pub push_credentials: Vec<crate::push::PushCredential>,
    /// The operator asked to delete the app and its data is being removed
    /// (`deletion.rs`): every call for it is refused as if it did not
    /// exist, and the record goes last.
    #[serde(default)]
    pub deleting: bool,
}

impl AppRecord {
    /// Tells the node's hook registry what this record says of callbacks
    /// and push (it keeps the newest version it was told).
    pub fn install_hooks(&self, hooks: &crate::hooks::HookRegistry) {
        hooks.install(self);
    }
}

/// Published on the node bus once a change to what gateways cache of an
/// app (its record, its word list) is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppChanged {
    pub appkey: String,
    pub version: u64,
}

/// Most chatroom super admins of an app.
pub const MAX_SUPER_ADMINS: usize = 1_000;

#[derive(Debug, Default)]
pub struct AppState {
    record: Option<AppRecord>,
}

impl AppState {
    pub fn activate(
        key: &EntityKey,
        store: &ShardStore,
        env: &crate::DomainEnv,
    ) -> Result<Self, StoreError> {
        let record: Option<AppRecord> = store.load_snapshot(key)?;
        if let Some(r) = &record {
            r.install_hooks(&env.hooks);
        }
        Ok(AppState { record })
    }

    pub fn is_vacant(&self) -> bool {
        self.record.is_none()
    }

    pub fn handle(&mut self, cmd: AppCmd, ctx: &mut StepCtx<'_, ChatEntity>) {
        match cmd {
            AppCmd::CreateApp(CreateApp { record }) => {
                // An app being deleted still holds its key.
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
            AppCmd::PatchAppSettings(PatchAppSettings { patch }) => {
                let Some(record) = self.record.as_mut() else {
                    return ctx.answer_now::<PatchAppSettings>(Err(DomainError::AppNotFound));
                };
                match record.settings.patched(&patch) {
                    Ok(settings) => record.settings = settings,
                    Err(bad) => {
                        return ctx.answer_now::<PatchAppSettings>(Err(
                            DomainError::InvalidArgument(bad.to_string()),
                        ))
                    }
                }
                let saved = self.save(ctx);
                ctx.answer::<PatchAppSettings>(saved);
            }
            AppCmd::AddWords(c) => self.add_words(c, ctx),
            AppCmd::RemoveWords(c) => self.remove_words(c, ctx),
            AppCmd::ListWords(c) => self.list_words(c, ctx),
            AppCmd::PutFile(c) => self.put_file(c, ctx),
            AppCmd::GetFile(c) => self.get_file(c, ctx),
            AppCmd::DeleteFile(c) => self.delete_file(c, ctx),
            AppCmd::AddCallback(c) => self.add_callback(c, ctx),
            AppCmd::PatchCallback(c) => self.patch_callback(c, ctx),
            AppCmd::DeleteCallback(c) => self.delete_callback(c, ctx),
            AppCmd::PutPushCredential(c) => self.put_push_credential(c, ctx),
            AppCmd::DeletePushCredential(c) => self.delete_push_credential(c, ctx),
            AppCmd::MarkAppDeleting(c) => self.mark_deleting(c, ctx),
            AppCmd::ForgetApp(c) => self.forget(c, ctx),
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

    /// Stages the record (its version moved) and its event, and tells
    /// every gateway once it is committed; answers with the record.
    fn save(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) -> Result<AppRecord, DomainError> {
        let record = self.record.as_mut().ok_or(DomainError::AppNotFound)?;
        record.version += 1;
        let record = record.clone();
        ctx.append_event(&Event::AppCreated {
            app: record.clone(),
        });
        ctx.save_snapshot(&record);
        let changed = AppChanged {
            appkey: record.appkey.clone(),
            version: record.version,
        };
        let bus = ctx.env().app_changes.clone();
        let hooks = ctx.env().hooks.clone();
        let installed = record.clone();
        ctx.after_commit(move || {
            installed.install_hooks(&hooks);
            bus.publish(&changed);
        });
        Ok(record)
    }
}
