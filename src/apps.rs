//! The gateway's view of apps: a read-through cache of App entity records
//! (credentials and token keys are needed on every request), app creation,
//! and the demo app made on first start.

use crate::node::Node;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use imcloud_actors::app::{
    AppChanged, AppRecord, AppSettings, CreateApp, GetApp, PatchAppSettings, SettingsPatch,
};
use imcloud_actors::ids::AppKey;
use imcloud_actors::DomainError;
use imcloud_shards::bus::NodeBus;
use rand::RngCore;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast::error::RecvError;

/// Cache of app records by app key. The App entity is the owner; the cache
/// is filled from it on a miss, replaced by the record a change answers
/// with, and dropped when the node bus says a newer version was committed
/// (on any node).
#[derive(Clone, Default)]
pub struct AppDirectory {
    cache: Arc<RwLock<HashMap<String, Arc<AppRecord>>>>,
}

impl AppDirectory {
    /// A directory that drops what the bus says changed. Without a
    /// runtime (the offline CLI) nothing is cached for long: no watch.
    pub fn watching(bus: &NodeBus<AppChanged>) -> AppDirectory {
        let dir = AppDirectory::default();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let mut rx = bus.subscribe();
            let watched = dir.clone();
            rt.spawn(async move {
                loop {
                    match rx.recv().await {
                        Ok(changed) => watched.forget_older(&changed),
                        // Missed some: none of the cache can be trusted.
                        Err(RecvError::Lagged(_)) => watched.forget_all(),
                        Err(RecvError::Closed) => return,
                    }
                }
            });
        }
        dir
    }

    fn cached(&self, app: &AppKey) -> Option<Arc<AppRecord>> {
        self.cache.read().ok()?.get(app.as_str()).cloned()
    }

    pub fn remember(&self, record: AppRecord) -> Arc<AppRecord> {
        let record = Arc::new(record);
        if let Ok(mut c) = self.cache.write() {
            match c.get(&record.appkey) {
                // A newer copy is already here (changes raced).
                Some(have) if have.version > record.version => return have.clone(),
                _ => {
                    c.insert(record.appkey.clone(), record.clone());
                }
            }
        }
        record
    }

    /// Drops the cached record of `changed.appkey` if it is older.
    fn forget_older(&self, changed: &AppChanged) {
        if let Ok(mut c) = self.cache.write() {
            if c.get(&changed.appkey)
                .is_some_and(|r| r.version < changed.version)
            {
                c.remove(&changed.appkey);
            }
        }
    }

    /// Drops the cached record of `app` (it was deleted).
    pub fn forget(&self, app: &AppKey) {
        if let Ok(mut c) = self.cache.write() {
            c.remove(app.as_str());
        }
    }

    fn forget_all(&self) {
        if let Ok(mut c) = self.cache.write() {
            c.clear();
        }
    }
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

impl Node {
    /// The app's record, from cache or its entity. An app being deleted
    /// is not found: its tokens, logins and calls stop at once.
    pub async fn app(&self, app: &AppKey) -> Result<Arc<AppRecord>, DomainError> {
        let record = match self.apps.cached(app) {
            Some(r) => r,
            None => {
                let record = self.ask(app.entity_key(), GetApp).await?;
                self.apps.remember(record)
            }
        };
        if record.deleting {
            return Err(DomainError::AppNotFound);
        }
        Ok(record)
    }

    /// The app's settings, from the cached record or its entity (a
    /// cached record dropped by a change is fetched again).
    pub async fn app_settings(&self, app: &AppKey) -> Result<AppSettings, DomainError> {
        Ok(self.app(app).await?.settings.clone())
    }

    /// The app's record if it is cached (it is, for any app a socket
    /// authenticated to) and not being deleted.
    pub fn apps_cached(&self, app: &AppKey) -> Option<Arc<AppRecord>> {
        self.apps.cached(app).filter(|r| !r.deleting)
    }

    /// Creates an app with fresh credentials.
    pub async fn create_app(
        &self,
        app: &AppKey,
        settings: AppSettings,
    ) -> Result<AppRecord, DomainError> {
        let created = self.clock.now_ms();
        let record = AppRecord {
            appkey: app.to_string(),
            uuid: uuid::Uuid::new_v4().to_string(),
            client_id: format!("YXA6{}", random_token(16)),
            client_secret: format!("YXA6{}", random_token(24)),
            token_key: random_token(32),
            created,
            settings,
            chatroom_super_admins: Default::default(),
            // Above every version an earlier app of this key reached
            // (it changed less than a thousand times a millisecond), so
            // no cache keyed by version keeps the deleted app's copy.
            version: (created.max(0) as u64).saturating_mul(1_000),
            word_count: 0,
            callbacks: Vec::new(),
            last_callback_id: 0,
            push_credentials: Vec::new(),
            deleting: false,
        };
        let record = self.ask(app.entity_key(), CreateApp { record }).await?;
        self.apps.remember(record.clone());
        Ok(record)
    }

    /// Changes some of an app's settings (all of `patch` or nothing).
    pub async fn patch_app_settings(
        &self,
        app: &AppKey,
        patch: SettingsPatch,
    ) -> Result<Arc<AppRecord>, DomainError> {
        let record = self
            .ask(app.entity_key(), PatchAppSettings { patch })
            .await?;
        Ok(self.apps.remember(record))
    }

    /// On first start, creates `demo#chat` and writes its credentials to
    /// `<data_dir>/demo-app.json`; returns them when it created the app.
    pub async fn ensure_demo_app(
        &self,
        data_dir: &Path,
    ) -> Result<Option<serde_json::Value>, String> {
        let file = data_dir.join("demo-app.json");
        if file.exists() {
            return Ok(None);
        }
        let app = AppKey::new("demo", "chat").map_err(|e| e.to_string())?;
        let record = match self
            .create_app(&app, self.config.app_defaults.clone())
            .await
        {
            Ok(r) => r,
            Err(DomainError::AppExists) => self
                .app(&app)
                .await
                .map_err(|e| e.to_string())?
                .as_ref()
                .clone(),
            Err(e) => return Err(format!("creating demo app: {e}")),
        };
        let creds = credentials_json(&record);
        std::fs::write(&file, format!("{creds}\n"))
            .map_err(|e| format!("writing {}: {e}", file.display()))?;
        Ok(Some(creds))
    }
}

/// `{"appkey", "client_id", "client_secret"}` of an app.
pub fn credentials_json(record: &AppRecord) -> serde_json::Value {
    serde_json::json!({"appkey": record.appkey, "client_id": record.client_id, "client_secret": record.client_secret})
}

/// `imcloud app create ORG#APP`: opens the data dir (the server must be
/// stopped), creates the app through its entity, prints one JSON line.
pub fn create_offline(mut config: crate::config::Config, appkey: &str) -> Result<(), String> {
    let app = AppKey::parse(appkey).map_err(|e| e.to_string())?;
    if config.cluster.enabled() {
        // A cluster node's data dir is a copy of the shard logs, rebuilt
        // from them: an app written only here would be discarded.
        return Err(
            "in a cluster, create apps on a running node with the operator API (POST /_admin/apps)"
                .into(),
        );
    }
    config.server.create_demo_app = false;
    actix_web::rt::System::new().block_on(async move {
        let (node, shards) =
            Node::open(config, imcloud_shards::Clock::system(), None).map_err(|e| e.to_string())?;
        let result = node
            .create_app(&app, node.config.app_defaults.clone())
            .await;
        let flushed = node.flush();
        shards.stop();
        let record = result.map_err(|e| match e {
            DomainError::AppExists => format!("app {app} already exists"),
            other => format!("creating app {app}: {other}"),
        })?;
        flushed.map_err(|e| e.to_string())?;
        println!("{}", credentials_json(&record));
        Ok(())
    })
}
