//! Sensitive words at the gateway: each app's list compiled once per
//! version of its record (every change to the list moves the version, and
//! the node bus drops stale records everywhere), and the screening every
//! client and REST send and every edit passes before it reaches an
//! entity.

use crate::node::Node;
use imcloud_actors::app::{AppRecord, ListWords, SensitiveMode};
use imcloud_actors::ids::AppKey;
use imcloud_actors::words::WordFilter;
use imcloud_actors::DomainError;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Words read from the App entity per page while compiling.
const PAGE: usize = 10_000;

/// One app's compiled list and the record version it was read at.
struct Compiled {
    version: u64,
    filter: Arc<WordFilter>,
}

/// The compiled lists of this node, by app key; one app compiles one at a
/// time (the first send after a change compiles, the others wait for it).
#[derive(Clone, Default)]
pub struct WordCache {
    compiled: Arc<Mutex<HashMap<String, Compiled>>>,
    building: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl WordCache {
    fn get(&self, app: &str, version: u64) -> Option<Arc<WordFilter>> {
        let map = self.compiled.lock().ok()?;
        map.get(app)
            .filter(|c| c.version >= version)
            .map(|c| c.filter.clone())
    }

    fn put(&self, app: &str, version: u64, filter: Arc<WordFilter>) {
        if let Ok(mut map) = self.compiled.lock() {
            map.insert(app.to_string(), Compiled { version, filter });
        }
    }

    fn build_lock(&self, app: &str) -> Arc<tokio::sync::Mutex<()>> {
        match self.building.lock() {
            Ok(mut m) => m.entry(app.to_string()).or_default().clone(),
            // A poisoned map: build without waiting for the others.
            Err(_) => Arc::default(),
        }
    }
}

impl Node {
    /// The app's words compiled at the version of `record` (or later).
    async fn word_filter(&self, record: &AppRecord) -> Result<Arc<WordFilter>, DomainError> {
        if let Some(f) = self.words.get(&record.appkey, record.version) {
            return Ok(f);
        }
        let lock = self.words.build_lock(&record.appkey);
        let _one_at_a_time = lock.lock().await;
        if let Some(f) = self.words.get(&record.appkey, record.version) {
            return Ok(f);
        }
        let app = AppKey::parse(&record.appkey)?;
        let mut words = Vec::with_capacity(record.word_count as usize);
        let mut after = None;
        loop {
            let page = self
                .ask(
                    app.entity_key(),
                    ListWords {
                        after: after.clone(),
                        limit: PAGE,
                    },
                )
                .await?;
            let done = page.len() < PAGE;
            after = page.last().cloned();
            words.extend(page);
            if done {
                break;
            }
        }
        // Compiling thousands of words takes milliseconds: off the
        // socket and HTTP workers.
        let filter = tokio::task::spawn_blocking(move || WordFilter::new(words))
            .await
            .map_err(|_| DomainError::Internal)??;
        let filter = Arc::new(filter);
        self.words
            .put(&record.appkey, record.version, filter.clone());
        Ok(filter)
    }

    /// Screens a message of the app of `record` (the caller's copy,
    /// fetched for the send anyway) for its sensitive words per the app's
    /// mode: replaced in place, or refused (`IllegalContent`).
    pub async fn screen(
        &self,
        record: &AppRecord,
        body: &mut Value,
        ext: Option<&mut Value>,
    ) -> Result<(), DomainError> {
        let mode = record.settings.sensitive_words;
        if mode == SensitiveMode::Off || record.word_count == 0 {
            return Ok(());
        }
        let filter = self.word_filter(record).await?;
        filter.screen(mode, body, ext)
    }
}
