//! Sensitive words at the gateway: each app's list compiled once per
//! version of its record (every change to the list moves the version, and
//! the node bus drops stale records everywhere), and the screening every
//! client and REST send and every edit passes before it reaches an
//! entity, with the `keyword_alert` of a refused send.

use crate::node::Node;
use imcloud_actors::app::{AppRecord, ListWords, SensitiveMode};
use imcloud_actors::hooks::{AlertReason, HookEvent};
use imcloud_actors::ids::AppKey;
use imcloud_actors::message::ChatType;
use imcloud_actors::user::QueueHookEvent;
use imcloud_actors::words::WordFilter;
use imcloud_actors::DomainError;
use imcloud_shards::{EntityKey, EntityKind};
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
    /// mode: replaced in place (the words are returned, for the
    /// `keyword_alert` the stored message carries), or refused
    /// (`IllegalContent`). A refused message of `sending` is reported to
    /// the app's `keyword_alert` rules before the refusal is answered: its
    /// events are queued in a step of the sender's entity (nothing else
    /// of it is stored).
    pub async fn screen(
        &self,
        record: &AppRecord,
        body: &mut Value,
        ext: Option<&mut Value>,
        sending: Option<Sending<'_>>,
    ) -> Result<Vec<String>, DomainError> {
        let mode = record.settings.sensitive_words;
        if mode == SensitiveMode::Off || record.word_count == 0 {
            return Ok(Vec::new());
        }
        let filter = self.word_filter(record).await?;
        let screened = filter.screen(mode, body, ext);
        if screened.refused {
            if let Some(s) = sending {
                self.alert_refused(s, body, &screened.words).await?;
            }
        }
        screened.into_result()
    }

    /// Queues the `keyword_alert` of a refused message, one per target,
    /// if a rule of the app takes them; answers once they are on disk.
    async fn alert_refused(
        &self,
        s: Sending<'_>,
        body: &Value,
        words: &[String],
    ) -> Result<(), DomainError> {
        let Some(hooks) = self.env.hooks.post_rules(s.app.as_str()) else {
            return Ok(());
        };
        let type_name = body.get("type").and_then(Value::as_str).unwrap_or("");
        let events: Vec<HookEvent> =
            s.to.iter()
                .map(|to| HookEvent::KeywordAlert {
                    chat: s.chat,
                    from: s.from.to_string(),
                    to: to.clone(),
                    // The id the message would have had: its `contentUri`.
                    msg_id: self.env.msg_ids.next(),
                    type_name: type_name.to_string(),
                    reason: AlertReason::Intercepted,
                    words: words.to_vec(),
                })
                .filter(|e| !hooks.lanes_for(e).is_empty())
                .collect();
        if events.is_empty() {
            return Ok(());
        }
        let sender = EntityKey::new(s.app.to_string(), EntityKind::User, s.from);
        self.ask(sender, QueueHookEvent { events }).await
    }
}

/// A message being screened: who sends it to whom (one message per
/// target), for the `keyword_alert` of a refusal.
#[derive(Clone, Copy)]
pub struct Sending<'a> {
    pub app: &'a AppKey,
    pub chat: ChatType,
    pub from: &'a str,
    pub to: &'a [String],
}
