//! The user's side of groups: its index of the groups it belongs to (`G`
//! keys, written when a group tells it after the group's own commit), and
//! the group pushes a shard hands it as fan-out notices, and the first hop
//! of a device's group or chatroom send (the send rate).

use super::UserState;
use crate::command::{answer, Command, RatePolicy, Reply};
use crate::error::DomainError;
use crate::events::Event;
use crate::group::{Actor, GroupLimits, GroupOp};
use crate::session::Notice;
use crate::trees::user_groups;
use crate::ChatEntity;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::{EntityKey, EntityKind, StepCtx};

/// Most groups a deleted user is taken out of in its deletion step (above
/// any `groups_per_user`).
const MAX_GROUPS_ON_DELETE: usize = 10_000;

impl UserState {
    /// A group push: to every device but the one that sent it. No step, no
    /// write: a device that misses it (queue full, offline) syncs.
    pub fn notify(&mut self, notice: &Notice) {
        for s in &self.sessions {
            if Some(s.id) != notice.skip_session {
                s.push(notice.push.clone());
            }
        }
    }

    /// A device's group or chatroom send: the same account checks and send
    /// rate as a 1:1 send, then on to the group or room, which checks
    /// membership and mute.
    pub(super) fn send_as(
        &mut self,
        to: EntityKey,
        cmd: Box<Command>,
        rate: RatePolicy,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        match &self.record {
            None => return cmd.reject(DomainError::UserNotFound),
            Some(r) if !r.activated => return cmd.reject(DomainError::UserDeactivated),
            Some(_) => {}
        }
        if !self.bucket.try_take(rate.per_second, rate.burst) {
            return cmd.reject(DomainError::RateLimited);
        }
        // A refusal is answered through the command's reply channel.
        let _ = ctx.router().send(to, *cmd);
    }

    /// The user is being deleted: drops its index of groups and, after the
    /// flush, tells each group, which removes it or, if it owned the group,
    /// dismisses the group. Best effort and unanswered: a group that missed
    /// the request still lists a user who can no longer log in.
    pub(super) fn leave_all_groups(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let p = user_groups::prefix(&self.key);
        let entries = match ctx.store().scan(&p, &[], MAX_GROUPS_ON_DELETE) {
            Ok(e) => e,
            Err(e) => return ctx.fail(e),
        };
        let mut groups = Vec::with_capacity(entries.len());
        for (k, _) in entries {
            if let Some(id) = k.get(p.len()..).and_then(|b| std::str::from_utf8(b).ok()) {
                groups.push(id.to_string());
            }
            ctx.delete(k);
        }
        if groups.is_empty() {
            return;
        }
        let (router, app, user) = (
            ctx.router().clone(),
            self.key.app.clone(),
            self.key.id.clone(),
        );
        ctx.after_commit(move || {
            for g in groups {
                // Nobody waits for the answer.
                let (reply, _) = tokio::sync::oneshot::channel();
                let _ = router.send(
                    EntityKey::new(app.clone(), EntityKind::Group, g),
                    Command::GroupManage {
                        actor: Actor::App,
                        op: GroupOp::UserDeleted(user.clone()),
                        limits: GroupLimits {
                            max_users: u32::MAX,
                        },
                        reply,
                    },
                );
            }
        });
    }

    pub(super) fn group_joined(
        &mut self,
        group: String,
        seq: u64,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return;
        }
        ctx.put_raw(
            user_groups::key(&self.key, &group),
            seq.to_be_bytes().to_vec(),
        );
        ctx.append_event(&Event::UserGroupSet {
            app: self.key.app.clone(),
            user: self.key.id.clone(),
            group,
            joined_seq: Some(seq),
        });
    }

    pub(super) fn group_left(&mut self, group: String, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return;
        }
        ctx.delete(user_groups::key(&self.key, &group));
        ctx.append_event(&Event::UserGroupSet {
            app: self.key.app.clone(),
            user: self.key.id.clone(),
            group,
            joined_seq: None,
        });
    }

    pub(super) fn user_groups(
        &mut self,
        limit: usize,
        reply: Reply<Vec<(String, u64)>>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return answer(reply, Err(DomainError::UserNotFound));
        }
        let p = user_groups::prefix(&self.key);
        let entries = match ctx.store().scan(&p, &[], limit) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(user = %self.key, error = %e, "reading the user's groups failed");
                return answer(reply, Err(DomainError::Internal));
            }
        };
        let groups = entries
            .into_iter()
            .filter_map(|(k, v)| {
                let id = std::str::from_utf8(k.get(p.len()..)?).ok()?.to_string();
                Some((id, decode_seq(&v)?))
            })
            .collect();
        answer(reply, Ok(groups));
    }
}
