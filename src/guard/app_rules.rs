//! What the guard derives from an app's settings, per app: its allow-list,
//! parsed once per app record version, and its rate limiters, kept as long
//! as `rest_rate_per_s` stays the same (another settings change does not
//! refill the budget; a new rate starts every class afresh). One entry per
//! app that has been called: apps are made by operators, and a path that
//! names no app is refused before it gets here, so clients cannot grow the
//! map.

use super::allow::AllowList;
use super::rates::ClassLimiters;
use imcloud_actors::app::AppRecord;
use imcloud_shards::Clock;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The rules of one app record version.
pub struct AppRules {
    /// The record they come from: the app's uuid (a re-created app is
    /// another) and its version.
    uuid: String,
    version: u64,
    pub allow: AllowList,
    pub rates: Arc<ClassLimiters>,
}

impl AppRules {
    /// Whether these rules are at least as new as `record`.
    fn covers(&self, record: &AppRecord) -> bool {
        self.uuid == record.uuid && self.version >= record.version
    }
}

/// The rules of every app called on this node, by app key.
pub struct AppRulesCache {
    clock: Clock,
    by_app: RwLock<HashMap<String, Arc<AppRules>>>,
}

impl AppRulesCache {
    pub fn new(clock: Clock) -> AppRulesCache {
        AppRulesCache {
            clock,
            by_app: RwLock::default(),
        }
    }

    /// The rules of `record`'s app. A record older than the rules held
    /// (a request that fetched it just before a change) gets the newer
    /// rules.
    pub fn rules(&self, record: &AppRecord) -> Arc<AppRules> {
        let held = self
            .by_app
            .read()
            .ok()
            .and_then(|m| m.get(&record.appkey).cloned());
        if let Some(rules) = held.as_ref().filter(|r| r.covers(record)) {
            return rules.clone();
        }
        let rate = record.settings.rest_rate_per_s;
        let rates = match held {
            Some(old) if old.rates.rate_per_s() == rate => old.rates.clone(),
            _ => Arc::new(ClassLimiters::new(rate, &self.clock)),
        };
        let fresh = Arc::new(AppRules {
            uuid: record.uuid.clone(),
            version: record.version,
            allow: AllowList::parse(&record.settings.rest_allow_list),
            rates,
        });
        let Ok(mut map) = self.by_app.write() else {
            return fresh;
        };
        // Another request may have stored newer rules meanwhile.
        match map.get(&record.appkey) {
            Some(newer) if newer.covers(record) => newer.clone(),
            _ => {
                map.insert(record.appkey.clone(), fresh.clone());
                fresh
            }
        }
    }

    /// Apps with rules held.
    pub fn len(&self) -> usize {
        self.by_app.read().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
