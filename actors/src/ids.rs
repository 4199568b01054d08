//! Validated identifiers and the message id generator.

use crate::error::DomainError;
use imcloud_shards::{Clock, EntityKey, EntityKind};
use std::sync::atomic::{AtomicU64, Ordering};

/// `org#app`: org and app are 1–32 of lowercase letters, digits and `-`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct AppKey(String);

fn valid_app_part(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl AppKey {
    pub fn new(org: &str, app: &str) -> Result<Self, DomainError> {
        if valid_app_part(org) && valid_app_part(app) {
            Ok(AppKey(format!("{org}#{app}")))
        } else {
            Err(DomainError::InvalidArgument(format!(
                "appkey {org}#{app} is not legal"
            )))
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let (org, app) = s
            .split_once('#')
            .ok_or_else(|| DomainError::InvalidArgument(format!("appkey {s} is not legal")))?;
        Self::new(org, app)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn org(&self) -> &str {
        self.0.split_once('#').map(|(o, _)| o).unwrap_or("")
    }

    pub fn app(&self) -> &str {
        self.0.split_once('#').map(|(_, a)| a).unwrap_or("")
    }

    /// The key of this app's App entity.
    pub fn entity_key(&self) -> EntityKey {
        EntityKey::new(self.0.clone(), EntityKind::App, "")
    }

    pub fn user_key(&self, user: &UserId) -> EntityKey {
        EntityKey::new(self.0.clone(), EntityKind::User, user.as_str())
    }
}

impl std::fmt::Display for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A username: 1–64 bytes of `a-z 0-9 _ - .`, stored lowercase (usernames
/// are case-insensitive).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct UserId(String);

impl UserId {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        if s.is_empty() || s.len() > 64 {
            return Err(DomainError::InvalidArgument(if s.is_empty() {
                "username is required".into()
            } else {
                "USERNAME_TOO_LONG".into()
            }));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        {
            return Err(DomainError::InvalidArgument(format!(
                "username [{s}] is not legal"
            )));
        }
        Ok(UserId(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Milliseconds from the Unix epoch to 2024-01-01, the msg id epoch.
const ID_EPOCH_MS: u64 = 1_704_067_200_000;
const NODE_BITS: u32 = 10;
const COUNTER_BITS: u32 = 12;

/// Message ids: 64-bit, time-ordered, unique across a cluster:
/// `ms since 2024 (41 bits) | node id (10 bits) | counter (12 bits)`.
/// Monotonic within a node even if the wall clock steps back.
#[derive(Debug)]
pub struct MsgIdGen {
    clock: Clock,
    node: u64,
    /// `(ms << COUNTER_BITS) | counter` of the last id handed out.
    last: AtomicU64,
}

/// The smallest msg id any node hands out at or after `ms` (Unix ms): ids
/// are ordered by their time first, so "messages up to a time" is "ids
/// below this".
/// The millisecond a msg id was made in (Unix ms).
pub fn ms_of_id(msg_id: u64) -> i64 {
    ((msg_id >> (NODE_BITS + COUNTER_BITS)) + ID_EPOCH_MS) as i64
}

pub fn first_id_at(ms: i64) -> u64 {
    (ms.max(0) as u64).saturating_sub(ID_EPOCH_MS) << (NODE_BITS + COUNTER_BITS)
}

impl MsgIdGen {
    pub fn new(node: u16, clock: Clock) -> Self {
        MsgIdGen {
            clock,
            node: u64::from(node) & ((1 << NODE_BITS) - 1),
            last: AtomicU64::new(0),
        }
    }

    pub fn next(&self) -> u64 {
        let now = (self.clock.now_ms() as u64).saturating_sub(ID_EPOCH_MS) << COUNTER_BITS;
        let mut prev = self.last.load(Ordering::Relaxed);
        loop {
            // Past 4096 ids in one ms the counter borrows from the next ms,
            // which keeps ids unique and ordered.
            let candidate = if now > prev { now } else { prev + 1 };
            match self.last.compare_exchange_weak(
                prev,
                candidate,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    let ms = candidate >> COUNTER_BITS;
                    let counter = candidate & ((1 << COUNTER_BITS) - 1);
                    return (ms << (NODE_BITS + COUNTER_BITS))
                        | (self.node << COUNTER_BITS)
                        | counter;
                }
                Err(actual) => prev = actual,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_checked() {
        assert_eq!(
            UserId::parse("Alice_1.x-y").unwrap().as_str(),
            "alice_1.x-y"
        );
        assert!(UserId::parse("").is_err());
        assert!(UserId::parse(&"a".repeat(65)).is_err());
        assert!(UserId::parse("a b").is_err());
        assert!(UserId::parse("a#b").is_err());
    }

    #[test]
    fn appkeys_are_checked() {
        assert_eq!(AppKey::new("demo", "chat").unwrap().as_str(), "demo#chat");
        assert!(AppKey::new("Demo", "chat").is_err());
        assert!(AppKey::parse("nohash").is_err());
        assert!(AppKey::new("a", &"b".repeat(33)).is_err());
    }

    #[test]
    fn msg_ids_are_unique_and_increasing_across_threads() {
        let gen = std::sync::Arc::new(MsgIdGen::new(3, Clock::system()));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let g = gen.clone();
                std::thread::spawn(move || (0..20_000).map(|_| g.next()).collect::<Vec<_>>())
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            let ids = h.join().unwrap();
            assert!(ids.windows(2).all(|w| w[0] < w[1]));
            all.extend(ids);
        }
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
        assert_eq!((all[0] >> COUNTER_BITS) & ((1 << NODE_BITS) - 1), 3);
    }
}
