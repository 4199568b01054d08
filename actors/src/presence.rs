//! Presence (§10.3): what a user shows others about being online. Each
//! attached device has a status (`1` online when it logs in, `0` offline,
//! other digit strings custom ones); the user has one presence text
//! (`ext`) and the time of its last presence change (`last_time`,
//! seconds). Users subscribe to others' presence for a while; when a
//! user's presence changes its entity pushes the new [`PresenceStatus`]
//! to every subscriber with a device online.
//!
//! This module holds the shapes and limits; the User entity keeps the
//! state (`user/presence.rs`, `user/subscriptions.rs`).

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A device's status when it logs in.
pub const ONLINE: &str = "1";
/// The status a device that went away is announced with.
pub const OFFLINE: &str = "0";
/// Users one call names (subscribe, unsubscribe, get).
pub const MAX_USERS_PER_CALL: usize = 100;
/// The longest subscription, seconds (30 days).
pub const MAX_EXPIRY_SECS: u64 = 2_592_000;
/// Bytes of the presence text.
pub const MAX_EXT_BYTES: usize = 1024;
/// Digits of a status.
pub const MAX_STATUS_DIGITS: usize = 16;
/// Entries of a page of subscriptions.
pub const MAX_PAGE_SIZE: usize = 500;

/// A user's presence as others see it: the status of each device online
/// (by device id; empty when none is), the presence text and the time of
/// the last change. The `presence` push carries one; so do the answers to
/// subscribe and get.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceStatus {
    pub user: String,
    pub status: BTreeMap<String, String>,
    pub ext: String,
    /// Unix seconds.
    pub last_time: i64,
}

/// The persisted part of a user's presence (the `o` family).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceRecord {
    pub ext: String,
    /// Unix seconds of the last change; 0 for never.
    pub last_time: i64,
}

/// The device a presence change is for: a socket of this node (a device
/// setting its own status) or a device id (the app server over REST).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceRef {
    Session(u64),
    Resource(String),
}

/// A subscription as the subscriber's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub user: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// One page of a user's live subscriptions, by username.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionPage {
    /// Live subscriptions in all.
    pub total: usize,
    pub subscriptions: Vec<Subscription>,
}

/// Why a presence call was refused beyond a plain bad argument.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceRefusal {
    /// A parameter over its length: more than 100 users, a presence text
    /// over 1024 bytes.
    #[error("{0}")]
    TooLong(String),
    /// The subscriber would hold more live subscriptions than
    /// `limits.presence_subscriptions` (3000).
    #[error("a user may hold at most {0} presence subscriptions")]
    TooManySubscriptions(usize),
    /// The target has `limits.presence_subscribers` (3000) live
    /// subscribers.
    #[error("user {0} already has {1} presence subscribers")]
    TooManySubscribers(String, usize),
}

/// A status as a device or the app sets it: 1–16 ASCII digits.
pub fn check_status(status: &str) -> Result<(), DomainError> {
    if status.is_empty()
        || status.len() > MAX_STATUS_DIGITS
        || !status.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(DomainError::InvalidArgument(format!(
            "status must be 1-{MAX_STATUS_DIGITS} digits"
        )));
    }
    Ok(())
}

/// A presence text: at most [`MAX_EXT_BYTES`].
pub fn check_ext(ext: &str) -> Result<(), DomainError> {
    if ext.len() > MAX_EXT_BYTES {
        return Err(DomainError::Presence(PresenceRefusal::TooLong(format!(
            "ext must be at most {MAX_EXT_BYTES} bytes"
        ))));
    }
    Ok(())
}

/// A subscription's length in seconds: 1 to [`MAX_EXPIRY_SECS`].
pub fn check_expiry(secs: u64) -> Result<(), DomainError> {
    if secs == 0 || secs > MAX_EXPIRY_SECS {
        return Err(DomainError::InvalidArgument(format!(
            "expiry must be 1-{MAX_EXPIRY_SECS} seconds"
        )));
    }
    Ok(())
}

/// A call naming `n` users: 1 to [`MAX_USERS_PER_CALL`].
pub fn check_user_count(n: usize) -> Result<(), DomainError> {
    if n == 0 {
        return Err(DomainError::InvalidArgument(
            "name at least one user".into(),
        ));
    }
    if n > MAX_USERS_PER_CALL {
        return Err(DomainError::Presence(PresenceRefusal::TooLong(format!(
            "at most {MAX_USERS_PER_CALL} users per call"
        ))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_digits_and_limits_hold() {
        assert!(check_status("1").is_ok());
        assert!(check_status("0042").is_ok());
        for bad in ["", "a", "1.5", &"1".repeat(17)] {
            assert!(check_status(bad).is_err(), "{bad}");
        }
        assert!(check_ext(&"x".repeat(MAX_EXT_BYTES)).is_ok());
        assert!(matches!(
            check_ext(&"x".repeat(MAX_EXT_BYTES + 1)),
            Err(DomainError::Presence(PresenceRefusal::TooLong(_)))
        ));
        assert!(check_expiry(0).is_err());
        assert!(check_expiry(MAX_EXPIRY_SECS).is_ok());
        assert!(check_expiry(MAX_EXPIRY_SECS + 1).is_err());
        assert!(check_user_count(100).is_ok());
        assert!(matches!(
            check_user_count(101),
            Err(DomainError::Presence(PresenceRefusal::TooLong(_)))
        ));
    }
}
