//! What the entities of a node know of the apps' post-send rules, and how
//! they tell the gateway's couriers that events are durable.
//!
//! [`HookRegistry`] is a versioned cache of each app's enabled post-send
//! rules, compiled into [`PostFilter`]s. The owner (the App entity) fills
//! it when it activates and after every committed change; the gateway
//! fills it from every app record it fetches (in a cluster, the node that
//! does not host the App entity learns a change when its gateway fetches
//! the record the bus made it drop). An older version never replaces a
//! newer one. Every path that makes an event starts with a gateway
//! request that read the app's record on this node, so an app with rules
//! is known before its first event.
//!
//! [`Outbox`] is the other direction: a step that queued events tells it,
//! once the batch is durable (`after_commit`), the newest id it wrote per
//! shard and lane; the couriers take what changed and deliver only what
//! is on disk. It holds one entry per (app, lane) with a shard map, so
//! its memory is bounded by apps × lanes × shards whatever the traffic.

use super::event::HookEvent;
use super::rules::{CallbackRule, RuleKind};
use crate::app::{AppRecord, PushPolicy};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use tokio::sync::Notify;

/// Lane 0 of an app's outbox holds offline push notifications; lane `n`
/// (n ≥ 1) is callback rule `n`.
pub const PUSH_LANE: u32 = 0;

/// One enabled post-send rule, ready to match events.
#[derive(Debug, Clone)]
pub struct PostFilter {
    pub lane: u32,
    events: u16,
    include_rest: bool,
    from: Vec<String>,
    to: Vec<String>,
    groups: Vec<String>,
    ext_keys: Vec<String>,
}

fn listed(filter: &[String], value: Option<&str>) -> bool {
    filter.is_empty() || value.is_some_and(|v| filter.iter().any(|f| f == v))
}

impl PostFilter {
    pub fn compile(rule: &CallbackRule) -> Option<PostFilter> {
        (rule.enabled && rule.kind == RuleKind::PostSend).then(|| PostFilter {
            lane: rule.id,
            events: rule.events.iter().fold(0, |bits, k| bits | k.bit()),
            include_rest: rule.include_rest,
            from: rule.from.clone(),
            to: rule.to.clone(),
            groups: rule.groups.clone(),
            ext_keys: rule.ext_keys.clone(),
        })
    }

    /// Whether `event` goes to this rule: its kind is subscribed, and it
    /// passes every filter the rule sets (an event without the attribute
    /// a filter names does not pass it).
    pub fn matches(&self, event: &HookEvent) -> bool {
        if self.events & event.kind().bit() == 0 {
            return false;
        }
        if event.is_rest() && !self.include_rest {
            return false;
        }
        if !listed(&self.from, Some(event.from()))
            || !listed(&self.to, event.to())
            || !listed(&self.groups, event.group())
        {
            return false;
        }
        self.ext_keys.is_empty()
            || event
                .ext()
                .and_then(|e| e.as_object())
                .is_some_and(|ext| self.ext_keys.iter().any(|k| ext.contains_key(k)))
    }
}

/// An app's enabled post-send rules and push facts at one version of its
/// record.
#[derive(Debug, Default)]
pub struct AppHooks {
    pub version: u64,
    pub post: Vec<PostFilter>,
    /// The app has a push credential: offline messages may be pushed.
    pub can_push: bool,
    /// Push to each bound device not online, not only when none is.
    pub push_any_offline: bool,
}

impl AppHooks {
    /// The lanes of the rules `event` goes to.
    pub fn lanes_for(&self, event: &HookEvent) -> Vec<u32> {
        self.post
            .iter()
            .filter(|f| f.matches(event))
            .map(|f| f.lane)
            .collect()
    }
}

/// The node's cache of the apps' post-send rules and its outbox signals.
#[derive(Debug, Default)]
pub struct HookRegistry {
    apps: RwLock<HashMap<String, Arc<AppHooks>>>,
    pub outbox: Outbox,
}

impl HookRegistry {
    /// Records what `record` says, unless a newer version of it is
    /// already known.
    pub fn install(&self, record: &AppRecord) {
        let post = record
            .callbacks
            .iter()
            .filter_map(PostFilter::compile)
            .collect();
        self.put(
            &record.appkey,
            AppHooks {
                version: record.version,
                post,
                can_push: !record.push_credentials.is_empty(),
                push_any_offline: record.settings.push_policy == PushPolicy::AnyOffline,
            },
        );
    }

    fn put(&self, app: &str, hooks: AppHooks) {
        let Ok(mut apps) = self.apps.write() else {
            return;
        };
        if apps.get(app).is_some_and(|h| h.version >= hooks.version) {
            return;
        }
        apps.insert(app.to_string(), Arc::new(hooks));
    }

    /// The app's rules, if it has an enabled post-send rule.
    pub fn post_rules(&self, app: &str) -> Option<Arc<AppHooks>> {
        let apps = self.apps.read().ok()?;
        apps.get(app).filter(|h| !h.post.is_empty()).cloned()
    }

    /// The app's facts, if it can push.
    pub fn push_facts(&self, app: &str) -> Option<Arc<AppHooks>> {
        let apps = self.apps.read().ok()?;
        apps.get(app).filter(|h| h.can_push).cloned()
    }
}

/// One lane of one app's outbox.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LaneKey {
    pub app: String,
    pub lane: u32,
}

/// What became durable in one lane since the couriers last looked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Committed {
    /// The newest id on disk, by shard.
    pub shards: HashMap<u32, u64>,
    /// How many entries were added.
    pub added: u64,
}

/// Durable entries not yet taken by the couriers, by lane, and the wake-up
/// of whoever waits for them.
#[derive(Debug, Default)]
pub struct Outbox {
    pending: Mutex<HashMap<LaneKey, Committed>>,
    notify: Notify,
    /// Entries with ids up to this one are counted by the start-up scan of
    /// the shards, not by their signals (so none is counted twice).
    counted_by_scan: std::sync::atomic::AtomicU64,
}

impl Outbox {
    /// `added` entries of `lanes` up to id `newest` on `shard` are on
    /// disk. Runs on the release thread: a lock and a map update.
    pub fn committed(&self, app: &str, lanes: &[u32], shard: u32, newest: u64, added: u64) {
        let scanned = newest
            <= self
                .counted_by_scan
                .load(std::sync::atomic::Ordering::Relaxed);
        let added = if scanned { 0 } else { added };
        if let Ok(mut pending) = self.pending.lock() {
            for &lane in lanes {
                let c = pending
                    .entry(LaneKey {
                        app: app.to_string(),
                        lane,
                    })
                    .or_default();
                let top = c.shards.entry(shard).or_insert(0);
                *top = (*top).max(newest);
                c.added += added;
            }
        }
        self.notify.notify_one();
    }

    /// The start-up scan counts the entries with ids up to `cutoff`; from
    /// now on signals count only the newer ones.
    pub fn scan_counts_upto(&self, cutoff: u64) {
        self.counted_by_scan
            .store(cutoff, std::sync::atomic::Ordering::Relaxed);
        // Signalled before: on disk below the cutoff, so the scan counts them.
        if let Ok(mut pending) = self.pending.lock() {
            for c in pending.values_mut() {
                c.added = 0;
            }
        }
    }

    /// Everything committed since the last call.
    pub fn take(&self) -> HashMap<LaneKey, Committed> {
        match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(_) => HashMap::new(),
        }
    }

    /// Resolves once something was committed since the last `take` (or
    /// was before anyone waited).
    pub async fn wait(&self) {
        self.notify.notified().await
    }
}

#[cfg(test)]
mod tests {
    use super::super::rules::{EventKind, RulePatch};
    use super::*;
    use crate::message::{ChatType, StoredMessage};
    use serde_json::json;

    fn rule(id: u32, patch: RulePatch) -> CallbackRule {
        let p = RulePatch {
            name: Some(format!("r{id}")),
            kind: Some(RuleKind::PostSend),
            url: Some("http://127.0.0.1:1/".into()),
            ..patch
        };
        CallbackRule::new(id, "s".into(), 0, &p).unwrap()
    }

    fn message(from: &str, to: &str, chat: ChatType, ext: Option<serde_json::Value>) -> HookEvent {
        HookEvent::Message {
            offline: false,
            rest: false,
            message: StoredMessage {
                msg_id: 1,
                chat,
                from: from.into(),
                to: to.into(),
                seq: 1,
                ts: 0,
                body: Arc::new(json!({"type": "txt", "msg": "hi"})),
                ext: ext.map(Arc::new),
                edits: 0,
            },
        }
    }

    #[test]
    fn filters_select_exactly_the_matching_events() {
        let reg = HookRegistry::default();
        let rules = vec![
            rule(1, RulePatch::default()),
            rule(
                2,
                RulePatch {
                    from: Some(vec!["Alice".into()]),
                    ..Default::default()
                },
            ),
            rule(
                3,
                RulePatch {
                    groups: Some(vec!["77".into()]),
                    events: Some(vec![EventKind::Chat, EventKind::Muc]),
                    ..Default::default()
                },
            ),
            rule(
                4,
                RulePatch {
                    ext_keys: Some(vec!["order".into()]),
                    ..Default::default()
                },
            ),
        ];
        let install = |version: u64, rules: &[CallbackRule]| {
            let post = rules.iter().filter_map(PostFilter::compile).collect();
            reg.put(
                "a#b",
                AppHooks {
                    version,
                    post,
                    ..Default::default()
                },
            )
        };
        install(1, &rules);
        let hooks = reg.post_rules("a#b").unwrap();
        let lanes = |e: &HookEvent| hooks.lanes_for(e);
        assert_eq!(
            lanes(&message("bob", "carl", ChatType::Single, None)),
            vec![1]
        );
        assert_eq!(
            lanes(&message("alice", "carl", ChatType::Single, None)),
            vec![1, 2]
        );
        assert_eq!(
            lanes(&message("bob", "77", ChatType::Group, None)),
            vec![1, 3]
        );
        assert_eq!(
            lanes(&message(
                "bob",
                "c",
                ChatType::Single,
                Some(json!({"order": 1}))
            )),
            vec![1, 4]
        );
        let muc = HookEvent::Muc {
            chat: ChatType::Group,
            group: "77".into(),
            operation: "presence".into(),
            user: "alice".into(),
            event_id: 9,
        };
        assert_eq!(lanes(&muc), vec![3]);
        // An older version never replaces a newer one.
        install(0, &[]);
        assert!(reg.post_rules("a#b").is_some());
        install(2, &[]);
        assert!(reg.post_rules("a#b").is_none());
    }

    #[test]
    fn the_outbox_keeps_the_newest_id_per_shard() {
        let o = Outbox::default();
        o.committed("a#b", &[1, 2], 3, 10, 1);
        o.committed("a#b", &[1], 3, 12, 1);
        o.committed("a#b", &[1], 4, 5, 1);
        let taken = o.take();
        let one = &taken[&LaneKey {
            app: "a#b".into(),
            lane: 1,
        }];
        assert_eq!(one.shards[&3], 12);
        assert_eq!(one.shards[&4], 5);
        assert_eq!(one.added, 3);
        assert!(o.take().is_empty());
    }
}
