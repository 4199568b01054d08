//! Fan-out: the group's members grouped by the shard of their user entity,
//! and the notices that carry a push to them after the flush, one per shard
//! holding members (see `Router::notify_shard`); and the roster's events,
//! delivered the same way to their audience.

use super::{GroupState, Role, SCOPE};
use crate::roster::{Audience, RosterEvent};
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
            self.members.0.keys().map(|u| self.user_key(u)).collect(),
        );
        self.targets = Some(t.clone());
        t
    }

    /// After the flush, sends `push` to the members: one notice per shard
    /// holding members. `skip_session` is the sender's own device.
    pub(super) fn fanout(
        &mut self,
        push: Push,
        skip_session: Option<u64>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let targets = self.targets(ctx.router());
        send_notices(push, skip_session, targets, ctx);
    }

    /// Delivers `event` to its audience after the flush; who is in the
    /// audience is decided now (a member being removed still hears it).
    pub(super) fn raise(&mut self, event: RosterEvent, ctx: &mut StepCtx<'_, ChatEntity>) {
        let push = Push::Event(Arc::new(EventPush {
            kind: event.kind,
            scope: SCOPE,
            id: self.key.id.clone(),
            user: event.user.clone(),
        }));
        let targets = match event.audience {
            Audience::All => self.targets(ctx.router()),
            Audience::Concerned if self.members.0.contains_key(&event.user) => {
                self.targets(ctx.router())
            }
            Audience::Concerned => {
                let keys = self
                    .members
                    .0
                    .keys()
                    .chain(std::iter::once(&event.user))
                    .map(|u| self.user_key(u))
                    .collect();
                group_by_shard(ctx.router(), keys)
            }
            Audience::Managers => {
                let keys = self
                    .members
                    .0
                    .keys()
                    .filter(|u| self.roster.role(u, &self.members) != Some(Role::Member))
                    .map(|u| self.user_key(u))
                    .collect();
                group_by_shard(ctx.router(), keys)
            }
            Audience::User => group_by_shard(ctx.router(), vec![self.user_key(&event.user)]),
        };
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
