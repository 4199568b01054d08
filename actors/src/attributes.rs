//! User attributes (Easemob's "user metadata", §10.3): a user's plain-text
//! key/value pairs (nickname, avatar URL, …), owned by its User entity and
//! deleted with it. This module holds their limits and the one check every
//! change goes through, whoever asks (REST or a device).

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A user's attributes, by key.
pub type Attributes = BTreeMap<String, String>;

/// Bytes (UTF-8) of one user's keys and values together.
pub const MAX_BYTES: usize = 2048;
/// Users one batch read names.
pub const MAX_TARGETS: usize = 100;
/// Bytes of a key.
pub const MAX_KEY_BYTES: usize = 64;

/// The keys the client SDKs read, with the most characters each takes
/// (`gender` is checked apart: `0`, `1` or `2`).
const CONVENTIONAL: [(&str, usize); 6] = [
    ("nickname", 64),
    ("avatarurl", 256),
    ("phone", 32),
    ("mail", 64),
    ("sign", 256),
    ("birth", 64),
];

/// Why attributes were refused beyond a plain bad argument.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributesRefusal {
    /// The user's attributes would take more than [`MAX_BYTES`].
    #[error("a user's attributes may take at most 2048 bytes (keys and values)")]
    TooLarge,
    /// A batch read named more than [`MAX_TARGETS`] users.
    #[error("at most 100 users per call")]
    TooManyUsers,
}

/// The bytes `attrs` take.
pub fn size(attrs: &Attributes) -> usize {
    attrs.iter().map(|(k, v)| k.len() + v.len()).sum()
}

fn illegal(msg: String) -> DomainError {
    DomainError::InvalidArgument(msg)
}

fn check_key(key: &str) -> Result<(), DomainError> {
    let legal = !key.is_empty()
        && key.len() <= MAX_KEY_BYTES
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if legal {
        Ok(())
    } else {
        Err(illegal(format!(
            "attribute key [{key}] is not legal: 1-{MAX_KEY_BYTES} of A-Z a-z 0-9 _ - ."
        )))
    }
}

fn check_value(key: &str, value: &str) -> Result<(), DomainError> {
    if key == "gender" && !matches!(value, "0" | "1" | "2") {
        return Err(illegal("attribute gender must be 0, 1 or 2".into()));
    }
    if let Some((_, max)) = CONVENTIONAL.iter().find(|(k, _)| *k == key) {
        if value.chars().count() > *max {
            return Err(illegal(format!(
                "attribute {key} must be at most {max} characters"
            )));
        }
    }
    Ok(())
}

/// `current` with `patch` applied: each key set to its value, a key given
/// an empty value removed. Refused as a whole (nothing applied) when a
/// key or value breaks its rule or the result is over [`MAX_BYTES`].
pub fn patched(current: &Attributes, patch: &Attributes) -> Result<Attributes, DomainError> {
    if patch.is_empty() {
        return Err(illegal("no attributes given".into()));
    }
    let mut next = current.clone();
    for (key, value) in patch {
        check_key(key)?;
        if value.is_empty() {
            next.remove(key);
            continue;
        }
        check_value(key, value)?;
        next.insert(key.clone(), value.clone());
    }
    if size(&next) > MAX_BYTES {
        return Err(DomainError::Attributes(AttributesRefusal::TooLarge));
    }
    Ok(next)
}

/// The attributes named by `keys` (all of them when `keys` is empty).
pub fn select(attrs: Attributes, keys: &[String]) -> Attributes {
    if keys.is_empty() {
        return attrs;
    }
    attrs
        .into_iter()
        .filter(|(k, _)| keys.contains(k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Attributes {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_patch_sets_and_an_empty_value_removes() {
        let now = attrs(&[("nickname", "al"), ("ext", "x")]);
        let next = patched(&now, &attrs(&[("nickname", "alice"), ("ext", "")])).unwrap();
        assert_eq!(next, attrs(&[("nickname", "alice")]));
    }

    #[test]
    fn the_size_counts_keys_and_values_and_is_refused_whole() {
        let exactly = attrs(&[("ext", &"x".repeat(MAX_BYTES - 3))]);
        assert_eq!(
            size(&patched(&Attributes::new(), &exactly).unwrap()),
            MAX_BYTES
        );
        let over = attrs(&[("ext", &"x".repeat(MAX_BYTES - 2))]);
        assert_eq!(
            patched(&Attributes::new(), &over),
            Err(DomainError::Attributes(AttributesRefusal::TooLarge))
        );
    }

    #[test]
    fn conventional_keys_keep_their_limits() {
        let none = Attributes::new();
        assert!(patched(&none, &attrs(&[("gender", "3")])).is_err());
        assert!(patched(&none, &attrs(&[("gender", "2")])).is_ok());
        assert!(patched(&none, &attrs(&[("phone", &"1".repeat(33))])).is_err());
        assert!(patched(&none, &attrs(&[("nickname", &"é".repeat(64))])).is_ok());
        assert!(patched(&none, &attrs(&[("bad key", "v")])).is_err());
        assert!(patched(&none, &Attributes::new()).is_err());
    }
}
