//! Presence calls shared by the device layer and the REST API.
//!
//! A subscription is written at both ends: the subscriber's list first
//! (its own limit refuses the whole call before anything else is
//! touched), then every target at once (each checks its limit, records
//! the subscriber and answers its presence). The call is answered once
//! every write is on disk. If a target refuses, both ends are put back as
//! they were and the call fails with that target's error: a call
//! subscribes to all of its users or to none. (A crash between the two
//! ends can leave one end without the other until the subscription
//! expires; subscribing again mends it.)
//!
//! A group's online members are counted without waking any member: the
//! group lists its members, and each shard holding some counts those it
//! has active with a device online (a user with one is always active).

use crate::node::Node;
use futures_util::future::join_all;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::presence::{self, DeviceRef, PresenceStatus, SubscriptionPage};
use imcloud_actors::roster::{Actor, ManageOp, ManageReply};
use imcloud_actors::user::{
    AddSubscriber, GetPresence, ListSubscriptions, RemoveSubscriber, RestoreSubscriber,
    RestoreSubscriptions, SetPresence, Subscribe, SubscriptionsTo, Unsubscribe,
};
use imcloud_actors::DomainError;
use imcloud_shards::{EntityKey, EntityKind};

/// The users a presence call names: 1–100 legal names, lowercased, each
/// once (in the order first named).
pub fn presence_users(names: &[String]) -> Result<Vec<UserId>, DomainError> {
    presence::check_user_count(names.len())?;
    let mut users: Vec<UserId> = Vec::with_capacity(names.len());
    for name in names {
        let user = UserId::parse(name)?;
        if !users.contains(&user) {
            users.push(user);
        }
    }
    Ok(users)
}

/// A subscription made: the target's presence and when it ends.
#[derive(Debug, Clone)]
pub struct Subscribed {
    pub status: PresenceStatus,
    /// Unix seconds.
    pub expires_at: i64,
}

impl Node {
    /// Sets the status of `user`'s device and/or its presence text; the
    /// subscribers are told once it is on disk.
    pub async fn set_presence(
        &self,
        app: &AppKey,
        user: &UserId,
        device: DeviceRef,
        status: Option<String>,
        ext: Option<String>,
    ) -> Result<(), DomainError> {
        if let Some(s) = &status {
            presence::check_status(s)?;
        }
        if let Some(e) = &ext {
            presence::check_ext(e)?;
        }
        let set = SetPresence {
            device,
            status,
            ext,
        };
        self.ask(app.user_key(user), set).await
    }

    /// `subscriber` subscribes to `targets` for `expiry_secs` (renewing
    /// subscriptions it holds); the targets' presence, in order.
    pub async fn subscribe(
        &self,
        app: &AppKey,
        subscriber: &UserId,
        targets: &[UserId],
        expiry_secs: u64,
    ) -> Result<Vec<Subscribed>, DomainError> {
        presence::check_expiry(expiry_secs)?;
        presence::check_user_count(targets.len())?;
        if targets.contains(subscriber) {
            return Err(DomainError::InvalidArgument(
                "a user cannot subscribe to its own presence".into(),
            ));
        }
        let expires_at = (self.clock.now_secs() + expiry_secs) as i64;
        let names: Vec<String> = targets.iter().map(|t| t.to_string()).collect();
        let subscribe = Subscribe {
            targets: names.clone(),
            expires_at,
        };
        let previous = self.ask(app.user_key(subscriber), subscribe).await?;
        let adds = targets.iter().map(|t| {
            let add = AddSubscriber {
                subscriber: subscriber.to_string(),
                expires_at,
            };
            self.ask(app.user_key(t), add)
        });
        let answers = join_all(adds).await;
        if answers.iter().all(Result::is_ok) {
            return Ok(answers
                .into_iter()
                .flatten()
                .map(|a| Subscribed {
                    status: a.status,
                    expires_at,
                })
                .collect());
        }
        let refused = answers
            .iter()
            .find_map(|a| a.as_ref().err().cloned())
            .unwrap_or(DomainError::Internal);
        // Put both ends back. A target that did not answer may still add
        // the subscriber; it gets the subscriber's previous expiry, which
        // is what it held unless the two ends had drifted.
        let restores =
            targets
                .iter()
                .zip(&answers)
                .zip(&previous)
                .filter_map(|((target, answer), held)| {
                    let previous = match answer {
                        Ok(a) => a.previous,
                        Err(DomainError::Timeout) => *held,
                        Err(_) => return None,
                    };
                    let restore = RestoreSubscriber {
                        subscriber: subscriber.to_string(),
                        previous,
                    };
                    Some(self.ask(app.user_key(target), restore))
                });
        for restored in join_all(restores).await {
            if let Err(e) = restored {
                tracing::warn!(error = %e, "a refused subscription was not put back at its target");
            }
        }
        let restore = RestoreSubscriptions {
            previous: names.into_iter().zip(previous).collect(),
        };
        if let Err(e) = self.ask(app.user_key(subscriber), restore).await {
            tracing::warn!(error = %e, "a refused subscription was not put back at its subscriber");
        }
        Err(refused)
    }

    /// `subscriber` drops its subscriptions to `targets`; answered once
    /// both ends are on disk.
    pub async fn unsubscribe(
        &self,
        app: &AppKey,
        subscriber: &UserId,
        targets: &[UserId],
    ) -> Result<(), DomainError> {
        presence::check_user_count(targets.len())?;
        let unsubscribe = Unsubscribe {
            targets: targets.iter().map(|t| t.to_string()).collect(),
        };
        self.ask(app.user_key(subscriber), unsubscribe).await?;
        let removes = targets.iter().map(|t| {
            let remove = RemoveSubscriber {
                subscriber: subscriber.to_string(),
            };
            self.ask(app.user_key(t), remove)
        });
        for removed in join_all(removes).await {
            removed?;
        }
        Ok(())
    }

    /// The presence of each of `users` as `viewer` sees it (with the end
    /// of its subscription to each, if it holds one), in order; an unknown
    /// user fails the call.
    pub async fn presence_of(
        &self,
        app: &AppKey,
        viewer: &UserId,
        users: &[UserId],
    ) -> Result<Vec<(PresenceStatus, Option<i64>)>, DomainError> {
        presence::check_user_count(users.len())?;
        let to = SubscriptionsTo {
            targets: users.iter().map(|u| u.to_string()).collect(),
        };
        let expiries = self.ask(app.user_key(viewer), to);
        let gets = users.iter().map(|u| self.ask(app.user_key(u), GetPresence));
        let (expiries, statuses) = futures_util::future::join(expiries, join_all(gets)).await;
        let expiries = expiries?;
        statuses
            .into_iter()
            .zip(expiries.into_iter().chain(std::iter::repeat(None)))
            .map(|(status, expiry)| status.map(|s| (s, expiry)))
            .collect()
    }

    /// Page `page` (from 1) of `user`'s live subscriptions, `size` (1–500)
    /// a page, by username.
    pub async fn subscriptions(
        &self,
        app: &AppKey,
        user: &UserId,
        page: usize,
        size: usize,
    ) -> Result<SubscriptionPage, DomainError> {
        if page == 0 {
            return Err(DomainError::InvalidArgument("page starts at 1".into()));
        }
        if size == 0 || size > presence::MAX_PAGE_SIZE {
            return Err(DomainError::InvalidArgument(format!(
                "page size must be 1-{}",
                presence::MAX_PAGE_SIZE
            )));
        }
        self.ask(app.user_key(user), ListSubscriptions { page, size })
            .await
    }

    /// How many members of group `group` have a device online.
    pub async fn online_members(&self, app: &AppKey, group: &str) -> Result<u64, DomainError> {
        let view = match self.group(app, group, Actor::App, ManageOp::Get).await? {
            ManageReply::View(view) => view,
            _ => return Err(DomainError::Internal),
        };
        let keys = view
            .members
            .iter()
            .map(|(user, _)| EntityKey::new(app.to_string(), EntityKind::User, user.as_str()))
            .collect();
        let by_shard = imcloud_actors::notices::by_shard(&self.router, keys);
        let counts = by_shard.iter().map(|(shard, keys)| {
            self.within_timeout(self.router.count_present(*shard, keys.clone()))
        });
        let mut online = 0u64;
        for count in join_all(counts).await {
            online += count?;
        }
        Ok(online)
    }
}
