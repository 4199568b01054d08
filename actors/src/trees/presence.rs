//! Presence, kept at each user's entity: the persisted part of its own
//! presence, and both sides of every subscription.
//!
//! - `o` + user entity key bytes → `PresenceRecord` (the user's presence
//!   text and the time of its last presence change, seconds). Device
//!   statuses are not here: they live in memory with the sockets.
//! - `S` + subscriber's user entity key bytes + target username →
//!   expiry (unix seconds, i64 BE): the subscriber's list (its count
//!   limit, `presence_subscriptions`).
//! - `P` + target's user entity key bytes + subscriber username →
//!   expiry (unix seconds, i64 BE): whom the target's entity tells when
//!   its presence changes.
//!
//! An entry past its expiry is dead: it is skipped when read and deleted
//! by the next step of its entity that reads the family.

use super::families::{PRESENCE, SUBSCRIBERS, SUBSCRIPTIONS};
use imcloud_shards::EntityKey;

pub fn record_key(user: &EntityKey) -> Vec<u8> {
    let mut k = vec![PRESENCE];
    user.write_bytes(&mut k);
    k
}

/// Which side of a subscription a user's entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `S`: the users this user subscribed to.
    Subscriptions,
    /// `P`: the users subscribed to this user.
    Subscribers,
}

pub fn prefix(side: Side, user: &EntityKey) -> Vec<u8> {
    let family = match side {
        Side::Subscriptions => SUBSCRIPTIONS,
        Side::Subscribers => SUBSCRIBERS,
    };
    let mut k = vec![family];
    user.write_bytes(&mut k);
    k
}

pub fn key(side: Side, user: &EntityKey, other: &str) -> Vec<u8> {
    let mut k = prefix(side, user);
    k.extend_from_slice(other.as_bytes());
    k
}

pub fn expiry_value(expires_at: i64) -> Vec<u8> {
    expires_at.to_be_bytes().to_vec()
}

/// `(other user, expiry)` of an entry under `prefix` (of length
/// `prefix_len`).
pub fn parse(prefix_len: usize, key: &[u8], value: &[u8]) -> Option<(String, i64)> {
    let other = std::str::from_utf8(key.get(prefix_len..)?).ok()?;
    let expires_at = i64::from_be_bytes(value.get(..8)?.try_into().ok()?);
    Some((other.to_string(), expires_at))
}
