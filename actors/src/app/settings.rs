//! An app's settings (Easemob's console switches, imcloud REST §14.1): the
//! record, the plans that preset its limits, and the one place every key
//! is checked. A change is a [`SettingsPatch`] applied whole or not at all:
//! the first bad key refuses the patch and is named.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The longest recall window an app may set: 7 days.
pub const MAX_RECALL_WINDOW_SECS: u64 = 7 * 24 * 3600;
/// Most entries of the REST allow-list.
pub const MAX_ALLOW_LIST: usize = 8;
/// The longest retention an app may set (10 years; 0 keeps forever).
pub const MAX_RETENTION_DAYS: u32 = 3650;

/// A preset of limits (the seed's plans differ in group size, groups per
/// user, message retention, friends and REST call rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    #[default]
    Free,
    Pro,
    Flagship,
}

/// What the sensitive-word filter does with a message holding a listed
/// word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveMode {
    /// No filtering.
    #[default]
    Off,
    /// Each listed word becomes `***`.
    Replace,
    /// The message is refused (501) and neither stored nor delivered.
    Refuse,
}

/// When a message reaching a user is pushed to the user's bound devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PushPolicy {
    /// When none of the user's devices is online (Easemob's policy).
    #[default]
    AllOffline,
    /// To each bound device that is not online, even if another is.
    AnyOffline,
}

/// Per-app settings. Every field is a key of `GET /settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppSettings {
    /// The plan whose limits were last applied.
    pub plan: Plan,
    /// Messages per second a user may send over the client protocol (0 =
    /// unlimited).
    pub user_send_rate: u32,
    /// Burst above that rate.
    pub user_send_burst: u32,
    /// REST requests per second of the app's default endpoint class (the
    /// other classes keep their own budgets, scaled with it).
    pub rest_rate_per_s: u32,
    /// Lifetime of tokens without an explicit `ttl`, seconds.
    pub token_ttl_secs: u64,
    /// Whether `POST /users` needs no app token.
    pub open_registration: bool,
    /// Largest `maxusers` a group may have (members including the owner).
    pub group_max_users: u32,
    /// Groups a user may belong to.
    pub groups_per_user: u32,
    /// Largest `maxusers` of a chatroom.
    pub chatroom_max_users: u32,
    /// Friends a user may have.
    pub friends_per_user: u32,
    /// Whether messages may be recalled.
    pub recall_enabled: bool,
    /// How long after sending, seconds (at most 7 days).
    pub recall_window_secs: u64,
    /// Whether 1:1 messages between users who are not friends are refused
    /// (221); REST sends are not checked.
    pub friend_check: bool,
    /// What the sensitive-word filter does.
    pub sensitive_words: SensitiveMode,
    /// Addresses or CIDR blocks REST calls may come from (empty: any).
    pub rest_allow_list: Vec<String>,
    /// Devices online at once per user; the next login kicks the oldest.
    pub max_devices: u32,
    /// Bytes of a message's body and `ext` as JSON.
    pub max_message_bytes: u32,
    /// Stored messages older than this many days are swept (0: kept
    /// forever).
    pub retention_days: u32,
    /// When offline messages are pushed to bound devices.
    pub push_policy: PushPolicy,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            plan: Plan::Free,
            user_send_rate: 2,
            user_send_burst: 10,
            rest_rate_per_s: 100,
            token_ttl_secs: 7 * 24 * 3600,
            open_registration: false,
            group_max_users: 3000,
            groups_per_user: 500,
            chatroom_max_users: 10_000,
            friends_per_user: 3000,
            recall_enabled: true,
            recall_window_secs: 120,
            friend_check: false,
            sensitive_words: SensitiveMode::Off,
            rest_allow_list: Vec::new(),
            max_devices: 4,
            max_message_bytes: 5120,
            retention_days: 7,
            push_policy: PushPolicy::AllOffline,
        }
    }
}

/// The limits a plan sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    pub group_max_users: u32,
    pub groups_per_user: u32,
    pub chatroom_max_users: u32,
    pub friends_per_user: u32,
    pub retention_days: u32,
    pub rest_rate_per_s: u32,
}

impl Plan {
    /// The plan's limits (documented in `docs/rest.md`).
    pub fn limits(self) -> PlanLimits {
        match self {
            Plan::Free => PlanLimits {
                group_max_users: 100,
                groups_per_user: 100,
                chatroom_max_users: 1_000,
                friends_per_user: 100,
                retention_days: 3,
                rest_rate_per_s: 100,
            },
            Plan::Pro => PlanLimits {
                group_max_users: 3_000,
                groups_per_user: 600,
                chatroom_max_users: 10_000,
                friends_per_user: 3_000,
                retention_days: 7,
                rest_rate_per_s: 300,
            },
            Plan::Flagship => PlanLimits {
                group_max_users: 8_000,
                groups_per_user: 100_000,
                chatroom_max_users: 100_000,
                friends_per_user: 3_000,
                retention_days: 90,
                rest_rate_per_s: 1_000,
            },
        }
    }
}

/// Some settings to change; `None` keeps the current value. `plan` is
/// applied first, so the other keys of the same patch override its limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsPatch {
    pub plan: Option<Plan>,
    pub user_send_rate: Option<u32>,
    pub user_send_burst: Option<u32>,
    pub rest_rate_per_s: Option<u32>,
    pub token_ttl_secs: Option<u64>,
    pub open_registration: Option<bool>,
    pub group_max_users: Option<u32>,
    pub groups_per_user: Option<u32>,
    pub chatroom_max_users: Option<u32>,
    pub friends_per_user: Option<u32>,
    pub recall_enabled: Option<bool>,
    pub recall_window_secs: Option<u64>,
    pub friend_check: Option<bool>,
    pub sensitive_words: Option<SensitiveMode>,
    pub rest_allow_list: Option<Vec<String>>,
    pub max_devices: Option<u32>,
    pub max_message_bytes: Option<u32>,
    pub retention_days: Option<u32>,
    pub push_policy: Option<PushPolicy>,
}

/// A setting that is out of range, with the key that is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("setting `{key}`: {why}")]
pub struct BadSetting {
    pub key: &'static str,
    pub why: String,
}

fn bad(key: &'static str, why: impl Into<String>) -> BadSetting {
    BadSetting {
        key,
        why: why.into(),
    }
}

fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
    key: &'static str,
    v: T,
    lo: T,
    hi: T,
) -> Result<T, BadSetting> {
    if v < lo || v > hi {
        return Err(bad(key, format!("must be between {lo} and {hi}")));
    }
    Ok(v)
}

/// One allow-list entry in its normal form: the network of the block as
/// `addr/len` (a bare address is a block of one).
pub fn normalize_allow_entry(entry: &str) -> Option<String> {
    let entry = entry.trim();
    let net = match entry.parse::<IpNet>() {
        Ok(net) => net,
        Err(_) => IpNet::from(entry.parse::<IpAddr>().ok()?),
    };
    Some(net.trunc().to_string())
}

impl AppSettings {
    /// These settings with `patch` applied, or the first key that is out
    /// of range (nothing is applied then).
    pub fn patched(&self, patch: &SettingsPatch) -> Result<AppSettings, BadSetting> {
        let mut s = self.clone();
        if let Some(plan) = patch.plan {
            let l = plan.limits();
            s.plan = plan;
            s.group_max_users = l.group_max_users;
            s.groups_per_user = l.groups_per_user;
            s.chatroom_max_users = l.chatroom_max_users;
            s.friends_per_user = l.friends_per_user;
            s.retention_days = l.retention_days;
            s.rest_rate_per_s = l.rest_rate_per_s;
        }
        let p = patch;
        if let Some(v) = p.user_send_rate {
            s.user_send_rate = in_range("user_send_rate", v, 0, 100_000)?;
        }
        if let Some(v) = p.user_send_burst {
            s.user_send_burst = in_range("user_send_burst", v, 1, 100_000)?;
        }
        if let Some(v) = p.rest_rate_per_s {
            s.rest_rate_per_s = in_range("rest_rate_per_s", v, 1, 1_000_000)?;
        }
        if let Some(v) = p.token_ttl_secs {
            // At most 10 years; 0 would be a token that never expires.
            s.token_ttl_secs = in_range("token_ttl_secs", v, 60, 10 * 365 * 24 * 3600)?;
        }
        if let Some(v) = p.open_registration {
            s.open_registration = v;
        }
        if let Some(v) = p.group_max_users {
            s.group_max_users = in_range("group_max_users", v, 3, 100_000)?;
        }
        if let Some(v) = p.groups_per_user {
            s.groups_per_user = in_range("groups_per_user", v, 1, 100_000)?;
        }
        if let Some(v) = p.chatroom_max_users {
            s.chatroom_max_users = in_range("chatroom_max_users", v, 1, 1_000_000)?;
        }
        if let Some(v) = p.friends_per_user {
            s.friends_per_user = in_range("friends_per_user", v, 1, 10_000)?;
        }
        if let Some(v) = p.recall_enabled {
            s.recall_enabled = v;
        }
        if let Some(v) = p.recall_window_secs {
            s.recall_window_secs = in_range("recall_window_secs", v, 1, MAX_RECALL_WINDOW_SECS)?;
        }
        if let Some(v) = p.friend_check {
            s.friend_check = v;
        }
        if let Some(v) = p.sensitive_words {
            s.sensitive_words = v;
        }
        if let Some(list) = &p.rest_allow_list {
            if list.len() > MAX_ALLOW_LIST {
                return Err(bad(
                    "rest_allow_list",
                    format!("at most {MAX_ALLOW_LIST} addresses or CIDR blocks"),
                ));
            }
            let mut normal = Vec::with_capacity(list.len());
            for entry in list {
                let n = normalize_allow_entry(entry).ok_or_else(|| {
                    bad(
                        "rest_allow_list",
                        format!("`{entry}` is not an IPv4/IPv6 address or CIDR block"),
                    )
                })?;
                if !normal.contains(&n) {
                    normal.push(n);
                }
            }
            s.rest_allow_list = normal;
        }
        if let Some(v) = p.max_devices {
            s.max_devices = in_range("max_devices", v, 1, 64)?;
        }
        if let Some(v) = p.max_message_bytes {
            s.max_message_bytes = in_range("max_message_bytes", v, 256, 64 * 1024)?;
        }
        if let Some(v) = p.retention_days {
            s.retention_days = in_range("retention_days", v, 0, MAX_RETENTION_DAYS)?;
        }
        if let Some(v) = p.push_policy {
            s.push_policy = v;
        }
        if s.user_send_rate > 0 && s.user_send_burst < s.user_send_rate.min(100_000) {
            // A bucket smaller than a second of the rate never fills to it.
            return Err(bad(
                "user_send_burst",
                "must be at least user_send_rate when the rate is on",
            ));
        }
        Ok(s)
    }

    /// Checks settings that did not come through a patch (the config's
    /// `app_defaults`), key by key.
    pub fn check(&self) -> Result<(), BadSetting> {
        let patch = SettingsPatch {
            plan: None,
            user_send_rate: Some(self.user_send_rate),
            user_send_burst: Some(self.user_send_burst),
            rest_rate_per_s: Some(self.rest_rate_per_s),
            token_ttl_secs: Some(self.token_ttl_secs),
            open_registration: None,
            group_max_users: Some(self.group_max_users),
            groups_per_user: Some(self.groups_per_user),
            chatroom_max_users: Some(self.chatroom_max_users),
            friends_per_user: Some(self.friends_per_user),
            recall_enabled: None,
            recall_window_secs: Some(self.recall_window_secs),
            friend_check: None,
            sensitive_words: None,
            rest_allow_list: Some(self.rest_allow_list.clone()),
            max_devices: Some(self.max_devices),
            max_message_bytes: Some(self.max_message_bytes),
            retention_days: Some(self.retention_days),
            push_policy: None,
        };
        self.patched(&patch).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_sets_its_limits_and_later_keys_of_the_patch_override_them() {
        let s = AppSettings::default()
            .patched(&SettingsPatch {
                plan: Some(Plan::Flagship),
                groups_per_user: Some(7),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(s.plan, Plan::Flagship);
        assert_eq!(s.group_max_users, 8_000);
        assert_eq!(s.retention_days, 90);
        assert_eq!(s.groups_per_user, 7);
    }

    #[test]
    fn an_out_of_range_key_refuses_the_whole_patch_and_is_named() {
        let before = AppSettings::default();
        let e = before
            .patched(&SettingsPatch {
                friend_check: Some(true),
                recall_window_secs: Some(MAX_RECALL_WINDOW_SECS + 1),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(e.key, "recall_window_secs");
        let e = before
            .patched(&SettingsPatch {
                rest_allow_list: Some(vec!["10.0.0.0/8".into(), "nope".into()]),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(e.key, "rest_allow_list");
        assert!(AppSettings::default().check().is_ok());
    }

    #[test]
    fn allow_list_entries_are_normalized() {
        assert_eq!(
            normalize_allow_entry("127.0.0.2").as_deref(),
            Some("127.0.0.2/32")
        );
        assert_eq!(normalize_allow_entry("::1").as_deref(), Some("::1/128"));
        assert_eq!(
            normalize_allow_entry(" 10.1.2.3/16 ").as_deref(),
            Some("10.1.0.0/16")
        );
        assert_eq!(normalize_allow_entry("10.0.0.0/33"), None);
        assert_eq!(normalize_allow_entry("fe80::/129"), None);
        assert_eq!(normalize_allow_entry("host.example"), None);
    }
}
