//! A user's notification settings (REST §10.4) and the one decision they
//! feed: whether a message reaching the user offline is pushed.
//!
//! - app-wide (the user's own id as the key): a type, a daily quiet
//!   interval (`HH:MM-HH:MM`, UTC) and a one-off quiet duration; kept in
//!   the user's record with the display style and language;
//! - per conversation (a peer or a group): a type and a quiet duration;
//!   kept in `d` keys (`trees::push_bindings`).
//!
//! Rules (§10.4): an interval whose start equals its end is all day,
//! except `0:0-0:0`, which is off; an end before the start wraps past
//! midnight; a duration and an interval combine; quiet overrides the
//! type. `em_ignore_notification` in `ext` never pushes;
//! `em_force_notification` pushes through everything else.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The longest quiet duration: 7 days, in ms.
pub const MAX_QUIET_MS: u64 = 604_800_000;

/// What a user wants pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NotifyType {
    /// Per conversation: follow the app-wide setting; app-wide: `All`.
    #[default]
    Default,
    All,
    /// Only messages that mention the user (`em_at_list`).
    At,
    None,
}

/// A push setting, app-wide or for one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PushSetting {
    #[serde(default)]
    pub kind: NotifyType,
    /// App-wide only: a daily quiet interval, minutes of the UTC day
    /// `(start, end)`.
    #[serde(default)]
    pub interval: Option<(u16, u16)>,
    /// Quiet until this time (Unix ms; 0: not quiet).
    #[serde(default)]
    pub quiet_until: i64,
    /// The duration it was set with, ms (read back as `ignoreDuration`).
    #[serde(default)]
    pub quiet_ms: u64,
}

/// The user's push profile (in its record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PushProfile {
    /// 0: "You have a new message"; 1: the sender and a preview.
    #[serde(default)]
    pub display_style: u8,
    #[serde(default)]
    pub app_wide: PushSetting,
    /// `translationLanguage` (stored and returned).
    #[serde(default)]
    pub language: String,
}

/// `HH:MM-HH:MM` (hours 0–23, minutes 0–59, one or two digits) as
/// minutes of the day; `Ok(None)` for `0:0-0:0` (off) or `""`.
pub fn parse_interval(text: &str) -> Result<Option<(u16, u16)>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let wrong = || format!("ignoreInterval `{text}` is not HH:MM-HH:MM");
    let (a, b) = text.split_once('-').ok_or_else(wrong)?;
    let minute = |s: &str| -> Result<u16, String> {
        let (h, m) = s.trim().split_once(':').ok_or_else(wrong)?;
        let (h, m): (u16, u16) = (
            h.parse().map_err(|_| wrong())?,
            m.parse().map_err(|_| wrong())?,
        );
        if h > 23 || m > 59 || s.trim().len() > 5 {
            return Err(wrong());
        }
        Ok(h * 60 + m)
    };
    let (start, end) = (minute(a)?, minute(b)?);
    Ok((start != 0 || end != 0).then_some((start, end)))
}

/// The text of an interval (`"0:0-0:0"` when off).
pub fn format_interval(interval: Option<(u16, u16)>) -> String {
    match interval {
        Some((s, e)) => format!("{:02}:{:02}-{:02}:{:02}", s / 60, s % 60, e / 60, e % 60),
        None => "0:0-0:0".into(),
    }
}

/// Whether `now_ms` falls in the daily `interval` (UTC).
pub fn in_interval(interval: (u16, u16), now_ms: i64) -> bool {
    let minute = (now_ms.rem_euclid(86_400_000) / 60_000) as u16;
    let (start, end) = interval;
    match start.cmp(&end) {
        std::cmp::Ordering::Equal => true,
        std::cmp::Ordering::Less => (start..end).contains(&minute),
        std::cmp::Ordering::Greater => minute >= start || minute < end,
    }
}

impl PushSetting {
    /// Whether it keeps pushes quiet at `now_ms`.
    pub fn quiet(&self, now_ms: i64) -> bool {
        self.quiet_until > now_ms || self.interval.is_some_and(|i| in_interval(i, now_ms))
    }
}

fn ext_flag(ext: Option<&Value>, key: &str) -> bool {
    ext.and_then(|e| e.get(key)).is_some_and(|v| match v {
        Value::Bool(b) => *b,
        Value::String(s) => s == "true",
        Value::Number(n) => n.as_i64() == Some(1),
        _ => false,
    })
}

/// Whether `user` is mentioned by the message's `em_at_list`.
fn mentions(ext: Option<&Value>, user: &str) -> bool {
    match ext.and_then(|e| e.get("em_at_list")) {
        Some(Value::String(s)) => s.eq_ignore_ascii_case("all"),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|u| u.eq_ignore_ascii_case(user) || u.eq_ignore_ascii_case("all")),
        _ => false,
    }
}

/// Whether a message with `ext` reaching `user` (offline) is pushed, under
/// its app-wide setting and the conversation's.
pub fn should_push(
    profile: &PushProfile,
    conversation: Option<&PushSetting>,
    ext: Option<&Value>,
    user: &str,
    now_ms: i64,
) -> bool {
    if ext_flag(ext, "em_ignore_notification") {
        return false;
    }
    if ext_flag(ext, "em_force_notification") {
        return true;
    }
    if profile.app_wide.quiet(now_ms) || conversation.is_some_and(|c| c.quiet(now_ms)) {
        return false;
    }
    let kind = match conversation.map(|c| c.kind) {
        Some(NotifyType::Default) | None => profile.app_wide.kind,
        Some(k) => k,
    };
    match kind {
        NotifyType::Default | NotifyType::All => true,
        NotifyType::At => mentions(ext, user),
        NotifyType::None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const H: i64 = 3_600_000;

    #[test]
    fn intervals_follow_the_spec() {
        assert_eq!(parse_interval("0:0-0:0").unwrap(), None);
        assert_eq!(parse_interval("22:00-7:30").unwrap(), Some((1320, 450)));
        assert!(parse_interval("25:00-7:00").is_err());
        assert!(parse_interval("nope").is_err());
        let day = 20_000 * 24 * H;
        // end before start wraps past midnight
        assert!(in_interval((1320, 450), day + 23 * H));
        assert!(in_interval((1320, 450), day + 3 * H));
        assert!(!in_interval((1320, 450), day + 12 * H));
        // start == end is all day
        assert!(in_interval((600, 600), day + 12 * H));
        assert_eq!(format_interval(Some((1320, 450))), "22:00-07:30");
    }

    #[test]
    fn quiet_overrides_the_type_and_the_ext_flags_override_both() {
        let now = 20_000 * 24 * H + 12 * H;
        let mut p = PushProfile::default();
        assert!(should_push(&p, None, None, "u", now));
        p.app_wide.interval = Some((11 * 60, 13 * 60));
        assert!(!should_push(&p, None, None, "u", now));
        let force = json!({"em_force_notification": true});
        assert!(should_push(&p, None, Some(&force), "u", now));
        p.app_wide.interval = None;
        let conv = PushSetting {
            kind: NotifyType::At,
            ..Default::default()
        };
        assert!(!should_push(&p, Some(&conv), None, "u", now));
        let at = json!({"em_at_list": ["U"]});
        assert!(should_push(&p, Some(&conv), Some(&at), "u", now));
        let quiet = PushSetting {
            quiet_until: now + 1,
            ..Default::default()
        };
        assert!(!should_push(&p, Some(&quiet), None, "u", now));
        assert!(should_push(&p, Some(&quiet), None, "u", now + 1));
        let silent = json!({"em_ignore_notification": true});
        assert!(!should_push(&p, None, Some(&silent), "u", now));
    }
}
