//! Both sides of presence subscriptions at a user's entity: the users it
//! subscribed to (`S`: its limit, its list) and the users subscribed to
//! it (`P`: its limit, whom its presence changes reach). Expired entries
//! are skipped and deleted by the next step that reads them, so a side
//! holds its limit of live entries plus the few that expired since.

use super::{
    AddSubscriber, ListSubscriptions, RemoveSubscriber, RestoreSubscriber, RestoreSubscriptions,
    Subscribe, SubscribedTo, SubscriptionsTo, Unsubscribe, UserState,
};
use crate::command::Answer;
use crate::error::DomainError;
use crate::presence::{PresenceRefusal, Subscription, SubscriptionPage, MAX_USERS_PER_CALL};
use crate::trees::presence::{self as tree, Side};
use crate::ChatEntity;
use imcloud_shards::{EntityKey, EntityKind, StepCtx, StoreError};
use std::collections::BTreeMap;

/// Most entries of one side a step reads, as a multiple of the side's
/// limit: far above it, which the entries a side holds stay near
/// (expired ones go as they are read).
const SCAN_FACTOR: usize = 4;

impl UserState {
    /// The live entries of one side (other user → expiry); stages the
    /// deletion of the expired ones.
    fn live_entries(
        &self,
        side: Side,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        let prefix = tree::prefix(side, &self.key);
        let now = ctx.env().clock.now_secs() as i64;
        let limit = self.scan_limit(side);
        let rows = ctx.store().scan(&prefix, &[], limit)?;
        if rows.len() == limit {
            tracing::warn!(user = %self.key, ?side, "more presence entries than one step reads");
        }
        let mut live = BTreeMap::new();
        for (k, v) in rows {
            match tree::parse(prefix.len(), &k, &v) {
                Some((other, expires_at)) if expires_at > now => {
                    live.insert(other, expires_at);
                }
                // Expired, or not an entry at all.
                _ => ctx.delete(k),
            }
        }
        Ok(live)
    }

    fn scan_limit(&self, side: Side) -> usize {
        let limit = match side {
            Side::Subscriptions => self.limits.presence_subscriptions,
            Side::Subscribers => self.limits.presence_subscribers,
        };
        limit.saturating_mul(SCAN_FACTOR).max(MAX_USERS_PER_CALL)
    }

    /// Stages `other`'s entry on `side` at `expires_at` (`None`: none).
    fn put_entry(
        &self,
        side: Side,
        other: &str,
        expires_at: Option<i64>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let key = tree::key(side, &self.key, other);
        match expires_at {
            Some(at) => ctx.put_raw(key, tree::expiry_value(at)),
            None => ctx.delete(key),
        }
    }

    pub(super) fn subscribe(&mut self, req: Subscribe, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<Subscribe>(Err(DomainError::UserNotFound));
        }
        if let Err(e) = crate::presence::check_user_count(req.targets.len()) {
            return ctx.answer_now::<Subscribe>(Err(e));
        }
        let live = match self.live_entries(Side::Subscriptions, ctx) {
            Ok(live) => live,
            Err(e) => return ctx.fail(e),
        };
        let new = req
            .targets
            .iter()
            .filter(|t| !live.contains_key(*t))
            .count();
        let limit = self.limits.presence_subscriptions;
        if live.len() + new > limit {
            let refused = DomainError::Presence(PresenceRefusal::TooManySubscriptions(limit));
            return ctx.answer_now::<Subscribe>(Err(refused));
        }
        let previous = req.targets.iter().map(|t| live.get(t).copied()).collect();
        for t in &req.targets {
            self.put_entry(Side::Subscriptions, t, Some(req.expires_at), ctx);
        }
        ctx.answer::<Subscribe>(Ok(previous));
    }

    pub(super) fn restore_subscriptions(
        &mut self,
        req: RestoreSubscriptions,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        for (target, previous) in req.previous.iter().take(MAX_USERS_PER_CALL) {
            self.put_entry(Side::Subscriptions, target, *previous, ctx);
        }
        ctx.answer::<RestoreSubscriptions>(Ok(()));
    }

    pub(super) fn unsubscribe(&mut self, req: Unsubscribe, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<Unsubscribe>(Err(DomainError::UserNotFound));
        }
        for target in req.targets.iter().take(MAX_USERS_PER_CALL) {
            self.put_entry(Side::Subscriptions, target, None, ctx);
        }
        ctx.answer::<Unsubscribe>(Ok(()));
    }

    pub(super) fn list_subscriptions(
        &mut self,
        req: ListSubscriptions,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return ctx.answer_now::<ListSubscriptions>(Err(DomainError::UserNotFound));
        }
        let live = match self.live_entries(Side::Subscriptions, ctx) {
            Ok(live) => live,
            Err(e) => return ctx.fail(e),
        };
        let size = req.size.clamp(1, crate::presence::MAX_PAGE_SIZE);
        let skip = req.page.max(1).saturating_sub(1).saturating_mul(size);
        let page = SubscriptionPage {
            total: live.len(),
            subscriptions: live
                .into_iter()
                .skip(skip)
                .take(size)
                .map(|(user, expires_at)| Subscription { user, expires_at })
                .collect(),
        };
        // After the flush: a subscription not yet on disk is not listed.
        ctx.answer::<ListSubscriptions>(Ok(page));
    }

    pub(super) fn subscriptions_to(
        &mut self,
        req: SubscriptionsTo,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return ctx.answer_now::<SubscriptionsTo>(Err(DomainError::UserNotFound));
        }
        let live = match self.live_entries(Side::Subscriptions, ctx) {
            Ok(live) => live,
            Err(e) => return ctx.fail(e),
        };
        let expiries = req
            .targets
            .iter()
            .take(MAX_USERS_PER_CALL)
            .map(|t| live.get(t).copied())
            .collect();
        ctx.answer::<SubscriptionsTo>(Ok(expiries));
    }

    pub(super) fn add_subscriber(&mut self, req: AddSubscriber, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<AddSubscriber>(Err(DomainError::UserNotFound));
        }
        let live = match self.live_entries(Side::Subscribers, ctx) {
            Ok(live) => live,
            Err(e) => return ctx.fail(e),
        };
        let previous = live.get(&req.subscriber).copied();
        let limit = self.limits.presence_subscribers;
        if previous.is_none() && live.len() >= limit {
            let refused = PresenceRefusal::TooManySubscribers(self.key.id.clone(), limit);
            return ctx.answer_now::<AddSubscriber>(Err(DomainError::Presence(refused)));
        }
        self.put_entry(
            Side::Subscribers,
            &req.subscriber,
            Some(req.expires_at),
            ctx,
        );
        let status = self.presence_view(ctx.store());
        ctx.answer::<AddSubscriber>(Ok(SubscribedTo { status, previous }));
    }

    pub(super) fn restore_subscriber(
        &mut self,
        req: RestoreSubscriber,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        self.put_entry(Side::Subscribers, &req.subscriber, req.previous, ctx);
        ctx.answer::<RestoreSubscriber>(Ok(()));
    }

    pub(super) fn remove_subscriber(
        &mut self,
        req: RemoveSubscriber,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        self.put_entry(Side::Subscribers, &req.subscriber, None, ctx);
        ctx.answer::<RemoveSubscriber>(Ok(()));
    }

    /// The live subscribers, for a fan-out (expired ones are deleted in
    /// this step). A failed read is logged and tells nobody.
    pub(super) fn live_subscribers(&self, ctx: &mut StepCtx<'_, ChatEntity>) -> Vec<String> {
        match self.live_entries(Side::Subscribers, ctx) {
            Ok(live) => live.into_keys().collect(),
            Err(e) => {
                tracing::error!(user = %self.key, error = %e, "reading presence subscribers failed");
                Vec::new()
            }
        }
    }

    /// The user is deleted: both sides of its subscriptions go, and after
    /// the flush the other side of each live one is told to forget it
    /// (best effort: a refused notice leaves an entry that expires).
    pub(super) fn drop_subscriptions(&self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let now = ctx.env().clock.now_secs() as i64;
        let mut others = Vec::new();
        for side in [Side::Subscriptions, Side::Subscribers] {
            let prefix = tree::prefix(side, &self.key);
            let rows = match ctx.store().scan(&prefix, &[], self.scan_limit(side)) {
                Ok(rows) => rows,
                Err(e) => return ctx.fail(e),
            };
            for (k, v) in rows {
                match tree::parse(prefix.len(), &k, &v) {
                    Some((other, expires_at)) if expires_at > now => others.push((side, other)),
                    _ => {}
                }
                ctx.delete(k);
            }
        }
        let me = self.key.id.clone();
        let app = self.key.app.clone();
        let router = ctx.router().clone();
        ctx.after_commit(move || {
            for (side, other) in others {
                let key = EntityKey::new(app.clone(), EntityKind::User, other);
                let cmd = match side {
                    Side::Subscriptions => RemoveSubscriber {
                        subscriber: me.clone(),
                    }
                    .into(),
                    Side::Subscribers => Unsubscribe {
                        targets: vec![me.clone()],
                    }
                    .into(),
                };
                if let Err(e) = router.tell(key, cmd) {
                    tracing::debug!(error = %e, "a deleted user's subscription was left to expire");
                }
            }
        });
    }
}
