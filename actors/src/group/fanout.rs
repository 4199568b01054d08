//! Fan-out: the group's members grouped by the shard of their user entity,
//! and the notices that carry a push to them after the flush, one per shard
//! holding members (see `Router::notify_shard`).

use super::{GroupState, Role};
use crate::session::{EventPush, Notice, Push};
use crate::ChatEntity;
use imcloud_shards::placement::ShardId;
use imcloud_shards::{EntityKey, StepCtx};
use std::collections::HashMap;
use std::sync::Arc;

/// Where pushes go: each shard holding members, with its members' keys.
pub(super) type Targets = Arc<Vec<(ShardId, Arc<[EntityKey]>)>>;

impl GroupState {
    /// The members grouped by the shard of their user entity.
    pub(super) fn targets(&mut self, router: &crate::Router) -> Targets {
        if let Some(t) = &self.targets {
            return t.clone();
        }
        let t = group_by_shard(
            router,
            self.members.keys().map(|u| self.user_key(u)).collect(),
        );
        self.targets = Some(t.clone());
        t
    }

    /// After the flush, sends `push` to the present members: one notice per
    /// shard holding members, plus `extra` users (a removed member learns
    /// it was removed). `skip_session` is the sender's own device.
    pub(super) fn fanout(
        &mut self,
        push: Push,
        skip_session: Option<u64>,
        extra: &[String],
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let router = ctx.router().clone();
        let targets = if extra.is_empty() {
            self.targets(&router)
        } else {
            let keys = self
                .members
                .keys()
                .chain(extra.iter())
                .map(|u| self.user_key(u))
                .collect();
            group_by_shard(&router, keys)
        };
        send_notices(push, skip_session, targets, ctx);
    }

    /// An event push to the present members (and `extra`).
    pub(super) fn fanout_event(
        &mut self,
        kind: &'static str,
        user: &str,
        extra: &[String],
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let push = Push::Event(Arc::new(EventPush {
            kind,
            group: self.key.id.clone(),
            user: user.to_string(),
            chatroom: false,
        }));
        self.fanout(push, None, extra, ctx);
    }

    /// An event push to the owner and admins only.
    pub(super) fn notify_managers(
        &self,
        kind: &'static str,
        user: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let keys = self
            .members
            .iter()
            .filter(|(_, m)| m.role != Role::Member)
            .map(|(u, _)| self.user_key(u))
            .collect();
        self.notify_keys(kind, user, keys, ctx);
    }

    /// An event push to the devices of `keys` only.
    pub(super) fn notify_keys(
        &self,
        kind: &'static str,
        user: &str,
        keys: Vec<EntityKey>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let targets = group_by_shard(ctx.router(), keys);
        let push = Push::Event(Arc::new(EventPush {
            kind,
            group: self.key.id.clone(),
            user: user.to_string(),
            chatroom: false,
        }));
        send_notices(push, None, targets, ctx);
    }
}

pub(super) fn group_by_shard(router: &crate::Router, keys: Vec<EntityKey>) -> Targets {
    let mut by_shard: HashMap<ShardId, Vec<EntityKey>> = HashMap::new();
    for k in keys {
        by_shard.entry(router.shard_of(&k)).or_default().push(k);
    }
    let mut t: Vec<(ShardId, Arc<[EntityKey]>)> = by_shard
        .into_iter()
        .map(|(s, keys)| (s, Arc::from(keys)))
        .collect();
    t.sort_by_key(|(s, _)| *s);
    Arc::new(t)
}

fn send_notices(
    push: Push,
    skip_session: Option<u64>,
    targets: Targets,
    ctx: &mut StepCtx<'_, ChatEntity>,
) {
    let router = ctx.router().clone();
    let notice = Arc::new(Notice { push, skip_session });
    ctx.after_commit(move || {
        for (shard, keys) in targets.iter() {
            // A full mailbox drops this notice: those devices catch up by
            // sync (pushes are best effort, the timeline is not).
            let _ = router.notify_shard(*shard, keys.clone(), notice.clone());
        }
    });
}
