//! The presence commands of a User entity. A subscription has two sides,
//! each at its own user's entity: the subscriber's list (`S`) and the
//! target's subscribers (`P`). The gateway asks the subscriber first (its
//! own limit), then each target (theirs, and its status); a refusal puts
//! both sides back as they were ([`RestoreSubscriptions`],
//! [`RestoreSubscriber`]).

use crate::presence::{DeviceRef, PresenceStatus};
use serde::{Deserialize, Serialize};

/// Sets the status of one of the user's devices online, and/or the
/// user's presence text (persisted); the subscribers are told after the
/// commit.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetPresence {
    pub device: DeviceRef,
    pub status: Option<String>,
    pub ext: Option<String>,
}

/// The user's presence as its subscribers see it.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetPresence;

/// At the subscriber: subscribe to `targets` until `expires_at` (unix
/// seconds), renewing those already subscribed. Refused whole past
/// the subscriber's limit. Answers each target's previous expiry (in
/// order; `None` when it was not subscribed), to put back on a refusal.
#[derive(Debug, Serialize, Deserialize)]
pub struct Subscribe {
    pub targets: Vec<String>,
    pub expires_at: i64,
}

/// At the subscriber: put the subscriptions a [`Subscribe`] changed back
/// to their previous expiry (`None`: not subscribed).
#[derive(Debug, Serialize, Deserialize)]
pub struct RestoreSubscriptions {
    pub previous: Vec<(String, Option<i64>)>,
}

/// At the subscriber: drop its subscriptions to `targets`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Unsubscribe {
    pub targets: Vec<String>,
}

/// At the subscriber: the expiry of its live subscription to each of
/// `targets`, in order (`None`: not subscribed).
#[derive(Debug, Serialize, Deserialize)]
pub struct SubscriptionsTo {
    pub targets: Vec<String>,
}

/// At the subscriber: a page (from 1) of its live subscriptions, by
/// username.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListSubscriptions {
    pub page: usize,
    pub size: usize,
}

/// At the target: `subscriber` is told about this user's presence until
/// `expires_at` (unix seconds). Refused past the target's limit, or when
/// the target does not exist.
#[derive(Debug, Serialize, Deserialize)]
pub struct AddSubscriber {
    pub subscriber: String,
    pub expires_at: i64,
}

/// What a target answers an [`AddSubscriber`] with.
#[derive(Debug, Serialize, Deserialize)]
pub struct SubscribedTo {
    /// The target's presence now.
    pub status: PresenceStatus,
    /// The subscriber's previous expiry here, to put back on a refusal.
    pub previous: Option<i64>,
}

/// At the target: put `subscriber` back to its previous expiry (`None`:
/// not a subscriber).
#[derive(Debug, Serialize, Deserialize)]
pub struct RestoreSubscriber {
    pub subscriber: String,
    pub previous: Option<i64>,
}

/// At the target: `subscriber` is no longer told.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemoveSubscriber {
    pub subscriber: String,
}
