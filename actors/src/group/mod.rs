//! The Group entity: one per group of an app. Owns the group record (its
//! entity snapshot), the members (one `M` key each: role, join seq, mute),
//! the block list (`B` keys), pending join requests, and the group
//! timeline: ONE stored copy of each group message, numbered by the group
//! seq. Messages and events fan out after the flush as one notice per shard
//! holding members (see [`GroupState::fanout`]); members that are offline
//! are not woken and get the messages by sync.
//!
//! - [`membership`]: create, add, remove, leave, apply / decide, dismiss.
//! - [`invitations`]: invite, and the invitee's answer.
//! - [`types`]: roles, the record, members, operations and replies.
//! - [`fanout`]: members grouped by shard, and the notices to them.
//! - [`admin`]: settings, owner transfer, admins, mute, block,
//!   announcement.
//! - [`messages`]: sending to the group.
//! - [`sync`]: a member's page of the group timeline.

pub mod admin;
mod fanout;
mod invitations;
mod membership;
mod messages;
mod sync;
mod types;

use fanout::Targets;

use crate::command::{answer, Command};
use crate::env::{DomainEnv, Limits};
use crate::error::DomainError;
use crate::events::Event;
use crate::trees::{group_members, timeline};
use crate::ChatEntity;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{codec, EntityKey, EntityKind, StepCtx, StoreError};
use std::collections::{BTreeMap, BTreeSet};

pub use types::*;

pub struct GroupState {
    key: EntityKey,
    record: Option<GroupRecord>,
    members: BTreeMap<String, MemberRecord>,
    blocks: BTreeSet<String>,
    /// Last seq of the group timeline.
    head: u64,
    /// Members grouped by shard, rebuilt after a membership change.
    targets: Option<Targets>,
    limits: Limits,
}

impl GroupState {
    pub fn activate(
        key: &EntityKey,
        store: &ShardStore,
        env: &DomainEnv,
    ) -> Result<Self, StoreError> {
        let record: Option<GroupRecord> = store.load_snapshot(key)?;
        let mut members = BTreeMap::new();
        let mut blocks = BTreeSet::new();
        if record.is_some() {
            let p = group_members::member_prefix(key);
            for (k, v) in store.scan(&p, &[], MAX_LOADED_MEMBERS)? {
                if let Some(user) = group_members::parse_user(p.len(), &k) {
                    members.insert(user, codec::decode::<MemberRecord>(&v)?);
                }
            }
            let p = group_members::block_prefix(key);
            for (k, _) in store.scan(&p, &[], MAX_LOADED_MEMBERS)? {
                if let Some(user) = group_members::parse_user(p.len(), &k) {
                    blocks.insert(user);
                }
            }
        }
        Ok(GroupState {
            key: key.clone(),
            record,
            members,
            blocks,
            head: timeline::load_head(store, key)?,
            targets: None,
            limits: env.limits,
        })
    }

    pub fn is_vacant(&self) -> bool {
        self.record.is_none()
    }

    pub fn handle(&mut self, cmd: Command, ctx: &mut StepCtx<'_, ChatEntity>) {
        match cmd {
            Command::GroupManage {
                actor,
                op,
                limits,
                reply,
            } => {
                let result = self.manage(actor, op, limits, ctx);
                // After the flush, reads included: nobody is shown a state
                // that a crash could still take back.
                ctx.after_commit(move || answer(reply, result));
            }
            Command::GroupSend(out) => self.send(*out, ctx),
            Command::GroupSync {
                user,
                after,
                limit,
                reply,
            } => self.sync(&user, after, limit, reply, ctx),
            other => other.reject(DomainError::Internal),
        }
    }

    fn manage(
        &mut self,
        actor: Actor,
        op: GroupOp,
        limits: GroupLimits,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        if let GroupOp::Create { record, members } = op {
            return self.create(record, members, limits, ctx);
        }
        if self.record.is_none() {
            return Err(DomainError::GroupNotFound);
        }
        match op {
            GroupOp::Create { .. } => Err(DomainError::GroupExists),
            GroupOp::Get => {
                let public = self.record.as_ref().is_some_and(|r| r.public);
                if !public && self.role_of(&actor).is_none() {
                    return Err(DomainError::NotGroupMember);
                }
                Ok(GroupReply::View(Box::new(self.view())))
            }
            GroupOp::Update(patch) => self.update(&actor, patch, limits, ctx),
            GroupOp::TransferOwner(to) => self.transfer(&actor, &to, ctx),
            GroupOp::Dismiss => self.dismiss(&actor, ctx),
            GroupOp::Add(users) => self.add(&actor, users, ctx),
            GroupOp::Remove(users) => self.remove(&actor, users, ctx),
            GroupOp::Leave => self.leave(&actor, ctx),
            GroupOp::Apply => self.apply(&actor, ctx),
            GroupOp::Decide { user, accept } => self.decide(&actor, &user, accept, ctx),
            GroupOp::Invite(users) => self.invite(&actor, users, ctx),
            GroupOp::AnswerInvite { accept } => self.answer_invite(&actor, accept, ctx),
            GroupOp::SetAdmin { user, admin } => self.set_admin(&actor, &user, admin, ctx),
            GroupOp::Mute { users, until } => self.mute(&actor, users, until, ctx),
            GroupOp::Unmute(users) => self.unmute(&actor, users, ctx),
            GroupOp::MuteAll(on) => self.mute_all(&actor, on, ctx),
            GroupOp::Block(users) => self.block(&actor, users, ctx),
            GroupOp::Unblock(users) => self.unblock(&actor, users, ctx),
            GroupOp::SetAnnouncement(text) => self.set_announcement(&actor, text, ctx),
            GroupOp::UserDeleted(user) => self.user_deleted(&actor, &user, ctx),
        }
    }

    fn view(&self) -> GroupView {
        let mut members: Vec<(String, MemberRecord)> =
            self.members.iter().map(|(u, m)| (u.clone(), *m)).collect();
        members.sort_by_key(|(_, m)| match m.role {
            Role::Owner => 0,
            Role::Admin => 1,
            Role::Member => 2,
        });
        GroupView {
            // `manage` checked the record exists before any read.
            record: self
                .record
                .clone()
                .unwrap_or_else(|| empty_record(&self.key)),
            members,
            blocks: self.blocks.iter().cloned().collect(),
        }
    }

    /// The actor's role, if it is a member; the app acts as owner.
    fn role_of(&self, actor: &Actor) -> Option<Role> {
        match actor {
            Actor::App => Some(Role::Owner),
            Actor::User(u) => self.members.get(u).map(|m| m.role),
        }
    }

    /// Refuses unless the actor is the owner or an admin.
    fn need_manager(&self, actor: &Actor) -> Result<(), DomainError> {
        match self.role_of(actor) {
            Some(Role::Owner | Role::Admin) => Ok(()),
            Some(Role::Member) => Err(DomainError::GroupPermission(
                "only the owner or an admin may do this".into(),
            )),
            None => Err(DomainError::NotGroupMember),
        }
    }

    fn need_owner(&self, actor: &Actor) -> Result<(), DomainError> {
        match self.role_of(actor) {
            Some(Role::Owner) => Ok(()),
            Some(_) => Err(DomainError::GroupPermission(
                "only the owner may do this".into(),
            )),
            None => Err(DomainError::NotGroupMember),
        }
    }

    fn app(&self) -> &str {
        &self.key.app
    }

    fn user_key(&self, user: &str) -> EntityKey {
        EntityKey::new(self.key.app.clone(), EntityKind::User, user)
    }

    /// Stages the group snapshot and its event.
    fn save_record(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        if let Some(r) = &self.record {
            ctx.save_snapshot(r);
            ctx.append_event(&Event::GroupUpdated {
                app: self.key.app.clone(),
                group: r.clone(),
            });
        }
    }

    /// Stages a member's key and its event, and tells the user's entity
    /// after the flush (its index of groups).
    fn put_member(&mut self, user: &str, member: MemberRecord, ctx: &mut StepCtx<'_, ChatEntity>) {
        let new = self.members.insert(user.to_string(), member).is_none();
        ctx.put(group_members::member_key(&self.key, user), &member);
        ctx.append_event(&Event::GroupMemberSet {
            app: self.key.app.clone(),
            group: self.key.id.clone(),
            user: user.to_string(),
            member,
        });
        if new {
            self.targets = None;
            let (router, key, group, seq) = (
                ctx.router().clone(),
                self.user_key(user),
                self.key.id.clone(),
                member.joined_seq,
            );
            // Best effort: a user whose index misses a group still gets its
            // pushes; only sync without a named cursor would skip it.
            ctx.after_commit(move || {
                let _ = router.send(key, Command::GroupJoined { group, seq });
            });
        }
    }

    fn delete_member(&mut self, user: &str, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.members.remove(user).is_none() {
            return;
        }
        self.targets = None;
        ctx.delete(group_members::member_key(&self.key, user));
        ctx.append_event(&Event::GroupMemberRemoved {
            app: self.key.app.clone(),
            group: self.key.id.clone(),
            user: user.to_string(),
        });
        let (router, key, group) = (
            ctx.router().clone(),
            self.user_key(user),
            self.key.id.clone(),
        );
        ctx.after_commit(move || {
            // Best effort, as in `put_member`; the group refuses the sync.
            let _ = router.send(key, Command::GroupLeft { group });
        });
    }
}

fn empty_record(key: &EntityKey) -> GroupRecord {
    GroupRecord {
        id: key.id.clone(),
        owner: String::new(),
        name: String::new(),
        description: String::new(),
        public: true,
        maxusers: 0,
        allowinvites: false,
        membersonly: false,
        custom: String::new(),
        announcement: String::new(),
        mute_all: false,
        created: 0,
        applicants: Vec::new(),
        invitees: Vec::new(),
    }
}
