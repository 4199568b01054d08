//! Callback rules (REST §14.3, Easemob §8): what an app asks to be called
//! about, where, and how. A rule is kept in the app's record (the App
//! entity); its `id` names its delivery queue (`trees::outbox`) and is
//! never reused, so a rule deleted and made again under the same name
//! never receives the old one's events.
//!
//! Every field is checked here, once, for a new rule and for a change
//! ([`RulePatch`]); the first bad field is named.

use crate::message::ChatType;
use serde::{Deserialize, Serialize};

/// Most rules of an app, pre-send and post-send together (Easemob's 4).
pub const MAX_RULES: usize = 4;
/// Most entries of each post-send filter (`from`, `to`, `groups`,
/// `ext_keys`).
pub const MAX_FILTER: usize = 50;
/// Longest entry of a filter.
const MAX_FILTER_ENTRY: usize = 128;
/// The pre-send wait of a rule that names none (§8.2).
pub const DEFAULT_TIMEOUT_MS: u32 = 200;
/// Bounds of a pre-send rule's wait.
pub const MIN_TIMEOUT_MS: u32 = 10;
pub const MAX_TIMEOUT_MS: u32 = 10_000;
/// Most events one post-send request carries (`batch_max`).
pub const MAX_BATCH: u32 = 1_000;
/// Longest callback URL.
const MAX_URL: usize = 1_024;
/// Longest rule name.
const MAX_NAME: usize = 32;

/// When a rule is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// Before a device's message is stored; the app server may refuse or
    /// change it (§8.2).
    PreSend,
    /// After something happened, from a durable queue (§8.3, §8.4).
    PostSend,
}

/// What a pre-send rule's failure (no answer in time, not 200, a body
/// that does not parse) does to the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FailPolicy {
    #[default]
    Pass,
    Block,
}

/// The kinds of conversation, as callbacks and rules name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatKind {
    Chat,
    Groupchat,
    Chatroom,
}

impl ChatKind {
    pub const ALL: [ChatKind; 3] = [ChatKind::Chat, ChatKind::Groupchat, ChatKind::Chatroom];

    pub fn of(chat: ChatType) -> ChatKind {
        match chat {
            ChatType::Single => ChatKind::Chat,
            ChatType::Group => ChatKind::Groupchat,
            ChatType::Chatroom => ChatKind::Chatroom,
        }
    }
}

/// The message types a pre-send rule can select (`cmd` messages are
/// never pre-sent: they cannot be changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgType {
    Txt,
    Img,
    Audio,
    Video,
    Loc,
    File,
    Custom,
}

impl MsgType {
    pub const ALL: [MsgType; 7] = [
        MsgType::Txt,
        MsgType::Img,
        MsgType::Audio,
        MsgType::Video,
        MsgType::Loc,
        MsgType::File,
        MsgType::Custom,
    ];

    /// The type of a body's `type` field, if a pre-send rule can select it.
    pub fn of_body(type_name: &str) -> Option<MsgType> {
        Some(match type_name {
            "txt" => MsgType::Txt,
            "img" => MsgType::Img,
            "audio" => MsgType::Audio,
            "video" => MsgType::Video,
            "loc" => MsgType::Loc,
            "file" => MsgType::File,
            "custom" => MsgType::Custom,
            _ => return None,
        })
    }
}

/// The events a post-send rule can subscribe to (§14.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A message stored (1:1, group, chatroom).
    Chat,
    /// A 1:1 message stored for a recipient with no device online.
    ChatOffline,
    Recall,
    /// A 1:1 read receipt.
    ReadAck,
    /// Group and chatroom changes.
    Muc,
    /// Friend requests and friendships.
    Roster,
    /// Devices logging in and out.
    UserStatus,
    /// A message holding a sensitive word.
    KeywordAlert,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::Chat,
        EventKind::ChatOffline,
        EventKind::Recall,
        EventKind::ReadAck,
        EventKind::Muc,
        EventKind::Roster,
        EventKind::UserStatus,
        EventKind::KeywordAlert,
    ];

    /// One bit per kind, for a rule's compiled set.
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// One callback rule, as the app's record keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackRule {
    /// Names the rule's delivery queue; given by the App entity, never
    /// reused within an app.
    pub id: u32,
    pub name: String,
    pub kind: RuleKind,
    pub url: String,
    pub enabled: bool,
    /// Signs every request (`security = md5(callId + secret + timestamp)`).
    pub secret: String,
    pub created: i64,
    // ---- pre-send ----
    pub chat_types: Vec<ChatKind>,
    pub msg_types: Vec<MsgType>,
    pub timeout_ms: u32,
    pub fail_policy: FailPolicy,
    /// Whether the sender is told (508) when the message is refused.
    pub report_error: bool,
    // ---- post-send ----
    pub events: Vec<EventKind>,
    /// Whether messages sent over REST are reported.
    pub include_rest: bool,
    /// Only events from these users (empty: any).
    pub from: Vec<String>,
    /// Only events to these users or groups (empty: any).
    pub to: Vec<String>,
    /// Only events of these groups or chatrooms (empty: any).
    pub groups: Vec<String>,
    /// Only messages whose `ext` holds one of these keys (empty: any).
    pub ext_keys: Vec<String>,
    /// Most events one request carries: 1 sends one JSON object per
    /// request (Easemob's form); more sends a JSON array of the events
    /// waiting when the receiver is slower than they come.
    pub batch_max: u32,
}

/// The fields of a rule a request sets; `None` keeps (or, for a new
/// rule, defaults) the field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulePatch {
    pub name: Option<String>,
    pub kind: Option<RuleKind>,
    pub url: Option<String>,
    pub enabled: Option<bool>,
    pub chat_types: Option<Vec<ChatKind>>,
    pub msg_types: Option<Vec<MsgType>>,
    pub timeout_ms: Option<u32>,
    pub fail_policy: Option<FailPolicy>,
    pub report_error: Option<bool>,
    pub events: Option<Vec<EventKind>>,
    pub include_rest: Option<bool>,
    pub from: Option<Vec<String>>,
    pub to: Option<Vec<String>>,
    pub groups: Option<Vec<String>>,
    pub ext_keys: Option<Vec<String>>,
    pub batch_max: Option<u32>,
}

/// A rule field that is missing or out of range, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("callback rule `{key}`: {why}")]
pub struct BadRule {
    pub key: &'static str,
    pub why: String,
}

fn bad(key: &'static str, why: impl Into<String>) -> BadRule {
    BadRule {
        key,
        why: why.into(),
    }
}

/// Checks a rule name: 1–32 of `A-Z a-z 0-9 _`.
pub fn check_name(name: &str) -> Result<(), BadRule> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(bad("name", "must be 1-32 of A-Z a-z 0-9 _"))
    }
}

/// Checks a callback or webhook URL: `http://` or `https://`, a host, no
/// spaces, at most 1,024 characters.
pub fn check_url(key: &'static str, url: &str) -> Result<(), BadRule> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let host = rest.and_then(|r| r.split(['/', '?', '#']).next());
    let ok = url.len() <= MAX_URL
        && host.is_some_and(|h| !h.is_empty() && !h.starts_with(':'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(bad(
            key,
            "must be an http:// or https:// URL with a host (at most 1024 characters)",
        ))
    }
}

fn check_filter(key: &'static str, list: &[String]) -> Result<Vec<String>, BadRule> {
    if list.len() > MAX_FILTER {
        return Err(bad(key, format!("at most {MAX_FILTER} entries")));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for entry in list {
        let e = entry.trim();
        if e.is_empty() || e.len() > MAX_FILTER_ENTRY {
            return Err(bad(
                key,
                format!("entries are 1-{MAX_FILTER_ENTRY} characters"),
            ));
        }
        // Usernames are stored lowercase; group and room ids are digits.
        let e = if key == "ext_keys" {
            e.to_string()
        } else {
            e.to_ascii_lowercase()
        };
        if !out.contains(&e) {
            out.push(e);
        }
    }
    Ok(out)
}

fn dedup<T: PartialEq + Copy>(list: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(list.len());
    for t in list {
        if !out.contains(t) {
            out.push(*t);
        }
    }
    out
}

impl CallbackRule {
    /// A new rule from `patch` (which must name `name`, `kind` and `url`),
    /// with its id, secret and time given by the caller.
    pub fn new(
        id: u32,
        secret: String,
        created: i64,
        patch: &RulePatch,
    ) -> Result<CallbackRule, BadRule> {
        let name = patch
            .name
            .clone()
            .ok_or_else(|| bad("name", "is required"))?;
        let kind = patch
            .kind
            .ok_or_else(|| bad("kind", "is required (pre_send or post_send)"))?;
        let url = patch.url.clone().ok_or_else(|| bad("url", "is required"))?;
        let blank = CallbackRule {
            id,
            name,
            kind,
            url,
            enabled: true,
            secret,
            created,
            chat_types: ChatKind::ALL.to_vec(),
            msg_types: MsgType::ALL.to_vec(),
            timeout_ms: DEFAULT_TIMEOUT_MS,
            fail_policy: FailPolicy::Pass,
            report_error: false,
            events: vec![EventKind::Chat],
            include_rest: true,
            from: Vec::new(),
            to: Vec::new(),
            groups: Vec::new(),
            ext_keys: Vec::new(),
            batch_max: 1,
        };
        let fresh = RulePatch {
            name: None,
            kind: None,
            url: None,
            ..patch.clone()
        };
        let rule = blank.patched(&fresh)?;
        check_name(&rule.name)?;
        check_url("url", &rule.url)?;
        Ok(rule)
    }

    /// This rule with `patch` applied, or the first bad field (a rule's
    /// kind is fixed; fields of the other kind are refused).
    pub fn patched(&self, patch: &RulePatch) -> Result<CallbackRule, BadRule> {
        let mut r = self.clone();
        let p = patch;
        if let Some(name) = &p.name {
            check_name(name)?;
            r.name = name.clone();
        }
        if p.kind.is_some_and(|k| k != r.kind) {
            return Err(bad("kind", "a rule's kind cannot change"));
        }
        if let Some(url) = &p.url {
            check_url("url", url)?;
            r.url = url.clone();
        }
        if let Some(v) = p.enabled {
            r.enabled = v;
        }
        let pre = r.kind == RuleKind::PreSend;
        let only = |key: &'static str, set: bool, for_pre: bool| -> Result<(), BadRule> {
            if set && for_pre != pre {
                let kind = if for_pre { "pre_send" } else { "post_send" };
                return Err(bad(key, format!("is a field of {kind} rules")));
            }
            Ok(())
        };
        only("chat_types", p.chat_types.is_some(), true)?;
        only("msg_types", p.msg_types.is_some(), true)?;
        only("timeout_ms", p.timeout_ms.is_some(), true)?;
        only("fail_policy", p.fail_policy.is_some(), true)?;
        only("report_error", p.report_error.is_some(), true)?;
        only("events", p.events.is_some(), false)?;
        only("include_rest", p.include_rest.is_some(), false)?;
        only("from", p.from.is_some(), false)?;
        only("to", p.to.is_some(), false)?;
        only("groups", p.groups.is_some(), false)?;
        only("ext_keys", p.ext_keys.is_some(), false)?;
        only("batch_max", p.batch_max.is_some(), false)?;
        if let Some(v) = &p.chat_types {
            if v.is_empty() {
                return Err(bad("chat_types", "must name at least one chat type"));
            }
            r.chat_types = dedup(v);
        }
        if let Some(v) = &p.msg_types {
            if v.is_empty() {
                return Err(bad("msg_types", "must name at least one message type"));
            }
            r.msg_types = dedup(v);
        }
        if let Some(v) = p.timeout_ms {
            if !(MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&v) {
                return Err(bad(
                    "timeout_ms",
                    format!("must be between {MIN_TIMEOUT_MS} and {MAX_TIMEOUT_MS}"),
                ));
            }
            r.timeout_ms = v;
        }
        if let Some(v) = p.fail_policy {
            r.fail_policy = v;
        }
        if let Some(v) = p.report_error {
            r.report_error = v;
        }
        if let Some(v) = &p.events {
            if v.is_empty() {
                return Err(bad("events", "must name at least one event"));
            }
            r.events = dedup(v);
        }
        if let Some(v) = p.include_rest {
            r.include_rest = v;
        }
        if let Some(v) = &p.from {
            r.from = check_filter("from", v)?;
        }
        if let Some(v) = &p.to {
            r.to = check_filter("to", v)?;
        }
        if let Some(v) = &p.groups {
            r.groups = check_filter("groups", v)?;
        }
        if let Some(v) = &p.ext_keys {
            r.ext_keys = check_filter("ext_keys", v)?;
        }
        if let Some(v) = p.batch_max {
            if !(1..=MAX_BATCH).contains(&v) {
                return Err(bad(
                    "batch_max",
                    format!("must be between 1 and {MAX_BATCH}"),
                ));
            }
            r.batch_max = v;
        }
        Ok(r)
    }

    /// Whether this pre-send rule is called for a message of `chat` whose
    /// body's `type` is `type_name`.
    pub fn presends(&self, chat: ChatType, type_name: &str) -> bool {
        self.enabled
            && self.kind == RuleKind::PreSend
            && self.chat_types.contains(&ChatKind::of(chat))
            && MsgType::of_body(type_name).is_some_and(|t| self.msg_types.contains(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(name: &str) -> RulePatch {
        RulePatch {
            name: Some(name.into()),
            kind: Some(RuleKind::PostSend),
            url: Some("http://127.0.0.1:9/cb".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_new_rule_gets_the_defaults_of_its_kind() {
        let r = CallbackRule::new(1, "s".into(), 0, &post("all_msgs")).unwrap();
        assert_eq!(r.events, vec![EventKind::Chat]);
        assert!(r.enabled && r.include_rest);
        assert_eq!(r.batch_max, 1);
        let pre = RulePatch {
            kind: Some(RuleKind::PreSend),
            ..post("pre")
        };
        let r = CallbackRule::new(2, "s".into(), 0, &pre).unwrap();
        assert_eq!(r.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(r.fail_policy, FailPolicy::Pass);
        assert!(r.presends(ChatType::Group, "txt"));
        assert!(!r.presends(ChatType::Group, "cmd"));
    }

    #[test]
    fn bad_fields_are_named() {
        let e = CallbackRule::new(1, "s".into(), 0, &post("bad name")).unwrap_err();
        assert_eq!(e.key, "name");
        let mut p = post("x");
        p.url = Some("ftp://host/x".into());
        assert_eq!(
            CallbackRule::new(1, "s".into(), 0, &p).unwrap_err().key,
            "url"
        );
        let mut p = post("x");
        p.timeout_ms = Some(100);
        assert_eq!(
            CallbackRule::new(1, "s".into(), 0, &p).unwrap_err().key,
            "timeout_ms"
        );
        let mut p = post("x");
        p.from = Some(vec!["u".into(); MAX_FILTER + 1]);
        assert_eq!(
            CallbackRule::new(1, "s".into(), 0, &p).unwrap_err().key,
            "from"
        );
        let r = CallbackRule::new(1, "s".into(), 0, &post("x")).unwrap();
        let change = RulePatch {
            kind: Some(RuleKind::PreSend),
            ..Default::default()
        };
        assert_eq!(r.patched(&change).unwrap_err().key, "kind");
        assert!(check_url("url", "http://:80/x").is_err());
        assert!(check_url("url", "https://example.com").is_ok());
    }
}
