//! Fan-out: the group's members grouped by the shard of their user entity,
//! and the notices that carry a push to them after the flush, one per shard
//! holding members (`crate::notices`); and the roster's events, delivered
//! the same way to their audience.

use super::{GroupState, Role, SCOPE};
pub(super) use crate::notices::Targets;
use crate::notices::{by_shard, send_after_commit};
use crate::roster::{Audience, RosterEvent};
use crate::session::{EventPush, Push};
use crate::ChatEntity;
use imcloud_shards::StepCtx;
use std::sync::Arc;

impl GroupState {
    /// The members grouped by the shard of their user entity.
    pub(super) fn targets(&mut self, router: &crate::Router) -> Targets {
        if let Some(t) = &self.targets {
            return t.clone();
        }
        let t = by_shard(
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
        send_after_commit(push, skip_session, targets, ctx);
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
                by_shard(ctx.router(), keys)
            }
            Audience::Managers => {
                let keys = self
                    .members
                    .0
                    .keys()
                    .filter(|u| self.roster.role(u, &self.members) != Some(Role::Member))
                    .map(|u| self.user_key(u))
                    .collect();
                by_shard(ctx.router(), keys)
            }
            Audience::User => by_shard(ctx.router(), vec![self.user_key(&event.user)]),
        };
        send_after_commit(push, None, targets, ctx);
    }
}
