//! The user's side of groups: its index of the groups it belongs to (`G`
//! keys, written when a group tells it after the group's own commit), the
//! group pushes a shard hands it as fan-out notices, the first hop of a
//! device's group or chatroom send (the send rate), and the group slots held
//! for adds in flight (`groups_per_user`).

use super::moderation::GlobalMutes;
use super::{GroupJoined, HoldGroupSlot, MarkGroupRead, Relay, UserGroups, UserState};
use crate::chatroom::PostToRoom;
use crate::command::{Answer, Command};
use crate::conversation::{is_countable, GroupMark};
use crate::error::DomainError;
use crate::events::Event;
use crate::group::{GroupLimits, GroupOp, ManageGroup, PostToGroup};
use crate::message::Post;
use crate::message::{ChatType, SendAck};
use crate::roster::Actor;
use crate::session::Notice;
use crate::trees::{conversations, user_groups};
use crate::ChatEntity;
use imcloud_shards::entity::decode_seq;
use imcloud_shards::{EntityKey, EntityKind, StepCtx};

/// Most groups a deleted user is taken out of in its deletion step (above
/// any `groups_per_user`).
const MAX_GROUPS_ON_DELETE: usize = 10_000;
/// How long a group slot stays held when neither the join nor the release
/// arrives (a lost notice, a gateway that gave up), ms.
const GROUP_HOLD_MS: i64 = 30_000;

impl UserState {
    /// A group push: to every device but the one that sent it. No step, no
    /// write: a device that misses it (queue full, offline) syncs.
    pub fn notify(&mut self, notice: &Notice) {
        for s in &self.sessions {
            if Some(s.id()) != notice.skip_session {
                s.push(notice.push.clone());
            }
        }
    }

    /// A user's group or chatroom message (a device's, or the app
    /// server's in the user's name): the app-wide mute and, for a device,
    /// the same account checks and send rate as a 1:1 send; then on to the
    /// group or room (with the caller's reply), which checks membership
    /// and mute.
    pub(super) fn relay(&mut self, req: Relay, ctx: &mut StepCtx<'_, ChatEntity>) {
        let Relay { to, post } = req;
        let now = ctx.env().clock.now_ms();
        let scope = GlobalMutes::scope_of(to.kind);
        if let Err(e) = self
            .check_device_send(&post.origin, now)
            .and_then(|()| self.check_global_mute(scope, now))
        {
            return ctx.answer_now::<Relay>(Err(e));
        }
        let cmd: Command = match to.kind {
            // A device's own message marks the conversation read; the app
            // server's (REST) may come from a user who is not a member.
            EntityKind::Group if is_countable(&post.message) && !post.origin.is_rest() => {
                return self.relay_to_group(to, post, ctx);
            }
            EntityKind::Group => PostToGroup(post).into(),
            EntityKind::Chatroom => PostToRoom(post).into(),
            EntityKind::User | EntityKind::App => {
                return ctx.answer_now::<Relay>(Err(DomainError::InvalidArgument(
                    "a relay goes to a group or a chatroom".into(),
                )))
            }
        };
        ctx.forward(to, cmd);
    }

    /// A countable group message: the group's ack also moves the sender's
    /// read mark to it (one's own message marks the conversation read).
    fn relay_to_group(&mut self, to: EntityKey, post: Post, ctx: &mut StepCtx<'_, ChatEntity>) {
        let caller = ctx.take_reply();
        let group = to.id.clone();
        ctx.ask_then(
            to,
            PostToGroup(post).into(),
            move |result: Result<SendAck, DomainError>| {
                let back = result.as_ref().ok().map(|ack| {
                    Command::from(MarkGroupRead {
                        group,
                        mark: GroupMark {
                            seq: ack.seq,
                            counted: ack.counted,
                            msg_id: ack.msg_id,
                        },
                        session: None,
                    })
                });
                if let Some(caller) = caller {
                    caller.send(result);
                }
                back
            },
        );
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
                let leave = ManageGroup {
                    actor: Actor::App,
                    op: GroupOp::UserDeleted(user.clone()),
                    limits: GroupLimits {
                        max_users: u32::MAX,
                    },
                };
                // Told, not asked: nobody waits for the answer.
                let _ = router.tell(
                    EntityKey::new(app.clone(), EntityKind::Group, g),
                    leave.into(),
                );
            }
        });
    }

    pub(super) fn group_joined(&mut self, joined: GroupJoined, ctx: &mut StepCtx<'_, ChatEntity>) {
        let GroupJoined {
            group,
            seq,
            counted,
        } = joined;
        self.group_holds.remove(&group);
        if self.record.is_none() {
            return;
        }
        self.start_group_conversation(&group, seq, counted, ctx);
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
        ctx.delete(conversations::record_key(
            &self.key,
            ChatType::Group,
            &group,
        ));
        ctx.append_event(&Event::UserGroupSet {
            app: self.key.app.clone(),
            user: self.key.id.clone(),
            group,
            joined_seq: None,
        });
    }

    /// Holds a group slot for an add to `group` in flight: the groups the
    /// user is in plus the slots held must stay below `limit`. A user
    /// already in `group` needs no slot (the group answers the add).
    pub(super) fn hold_group_slot(
        &mut self,
        group: String,
        limit: usize,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let result = self.try_hold(group, limit, ctx);
        ctx.answer_now::<HoldGroupSlot>(result);
    }

    fn try_hold(
        &mut self,
        group: String,
        limit: usize,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        if self.record.is_none() {
            return Err(DomainError::UserNotFound);
        }
        let read_failed = |e| {
            tracing::error!(user = %self.key, error = %e, "reading the user's groups failed");
            DomainError::Internal
        };
        if ctx
            .get(&user_groups::key(&self.key, &group))
            .map_err(read_failed)?
            .is_some()
        {
            return Ok(());
        }
        let now = ctx.env().clock.now_ms();
        self.group_holds
            .retain(|_, since| now.saturating_sub(*since) < GROUP_HOLD_MS);
        let p = user_groups::prefix(&self.key);
        let joined = ctx.store().scan(&p, &[], limit).map_err(read_failed)?.len();
        let held = self.group_holds.len() - usize::from(self.group_holds.contains_key(&group));
        if joined + held >= limit {
            return Err(DomainError::TooManyGroups);
        }
        self.group_holds.insert(group, now);
        Ok(())
    }

    pub(super) fn user_groups(&mut self, limit: usize, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<UserGroups>(Err(DomainError::UserNotFound));
        }
        let p = user_groups::prefix(&self.key);
        let groups = ctx
            .store()
            .scan(&p, &[], limit)
            .map(|entries| {
                entries
                    .into_iter()
                    .filter_map(|(k, v)| {
                        let id = std::str::from_utf8(k.get(p.len()..)?).ok()?.to_string();
                        Some((id, decode_seq(&v)?))
                    })
                    .collect()
            })
            .map_err(|e| {
                tracing::error!(user = %self.key, error = %e, "reading the user's groups failed");
                DomainError::Internal
            });
        ctx.answer_now::<UserGroups>(groups);
    }
}
