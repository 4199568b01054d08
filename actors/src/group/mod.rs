//! The Group entity: one per group of an app. Owns the group record (its
//! entity snapshot), the members (one `M` key each: role, join seq, mute),
//! the block list (`B` keys), pending join requests and invitations, and
//! the group timeline: ONE stored copy of each group message, numbered by
//! the group seq. Roles, mutes, blocks and mute-all are the shared
//! [`Roster`]; messages and events fan out after the flush as one notice
//! per shard holding members (see [`GroupState::fanout`]); members that are
//! offline are not woken and get the messages by sync.
//!
//! - [`commands`]: what the entity is asked.
//! - [`types`]: the record, members, view, operations and limits.
//! - [`membership`]: create, add, remove, leave, apply / decide, dismiss.
//! - [`invitations`]: invite, and the invitee's answer.
//! - [`admin`]: settings, owner transfer, admins, mute, block,
//!   announcement.
//! - [`fanout`]: members grouped by shard, the notices to them, events.
//! - [`messages`]: sending to the group.
//! - [`sync`]: a member's page of the group timeline.
//! - [`history`]: a member's history pages, conversation summary and read
//!   marks.
//! - [`recall`]: recalling a group message.
//! - [`edit`]: editing a group message.
//! - [`receipts`]: read receipts and counts of `need_group_ack` messages.

mod admin;
pub mod commands;
mod edit;
mod fanout;
mod history;
mod invitations;
mod membership;
mod messages;
mod recall;
mod receipts;
mod sync;
mod types;

pub use commands::*;
pub use types::*;

use crate::command::Answer;
use crate::env::{DomainEnv, Limits};
use crate::error::DomainError;
use crate::events::Event;
use crate::roster::{Actor, ManageOp, ManageReply, Members, Role, Roster, Scope};
use crate::trees::{group_members, timeline};
use crate::ChatEntity;
use fanout::Targets;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{codec, EntityKey, EntityKind, StepCtx, StoreError};
use std::collections::BTreeMap;

const SCOPE: Scope = Scope::Group;

/// The members: name → the group seq when they joined.
#[derive(Debug, Default)]
struct Joined(BTreeMap<String, u64>);

impl Members for Joined {
    fn contains(&self, user: &str) -> bool {
        self.0.contains_key(user)
    }
}

pub struct GroupState {
    key: EntityKey,
    record: Option<GroupRecord>,
    roster: Roster,
    members: Joined,
    /// Last seq of the group timeline.
    head: u64,
    /// Countable messages (not `cmd`) in the timeline so far: members'
    /// unread counts are differences of it.
    counted: u64,
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
        let mut members = Joined::default();
        let mut roster = Roster::default();
        if let Some(r) = &record {
            roster.owner = r.owner.clone();
            roster.mute_all = r.mute_all;
            let p = group_members::member_prefix(key);
            for (k, v) in store.scan(&p, &[], MAX_LOADED_MEMBERS)? {
                if let Some(user) = group_members::parse_user(p.len(), &k) {
                    let m = codec::decode::<MemberRecord>(&v)?;
                    if m.role == Role::Admin {
                        roster.admins.insert(user.clone());
                    }
                    if m.mute_until != 0 {
                        roster.mutes.insert(user.clone(), m.mute_until);
                    }
                    members.0.insert(user, m.joined_seq);
                }
            }
            let p = group_members::block_prefix(key);
            for (k, _) in store.scan(&p, &[], MAX_LOADED_MEMBERS)? {
                if let Some(user) = group_members::parse_user(p.len(), &k) {
                    roster.blocks.insert(user);
                }
            }
        }
        Ok(GroupState {
            key: key.clone(),
            record,
            roster,
            members,
            head: timeline::load_head(store, key)?,
            counted: timeline::load_counted(store, key)?,
            targets: None,
            limits: env.limits,
        })
    }

    pub fn is_vacant(&self) -> bool {
        self.record.is_none()
    }

    pub fn handle(&mut self, cmd: GroupCmd, ctx: &mut StepCtx<'_, ChatEntity>) {
        match cmd {
            GroupCmd::ManageGroup(m) => {
                let result = self.manage(m.actor, m.op, m.limits, ctx);
                // After the flush, reads included: nobody is shown a state
                // that a crash could still take back.
                ctx.answer::<ManageGroup>(result);
            }
            GroupCmd::PostToGroup(PostToGroup(post)) => self.post(post, ctx),
            GroupCmd::SyncGroup(s) => self.sync(s, ctx),
            GroupCmd::GroupHistory(h) => self.history(h, ctx),
            GroupCmd::SummaryFor(s) => self.summary_for(s, ctx),
            GroupCmd::ReadMarkAt(r) => self.read_mark_at(r, ctx),
            GroupCmd::RecallInGroup(r) => self.recall(r, ctx),
            GroupCmd::EditInGroup(e) => self.edit(e, ctx),
            GroupCmd::GroupReadCount(c) => self.read_count(c, ctx),
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
            return Err(DomainError::NotFound(SCOPE));
        }
        match op {
            GroupOp::Create { .. } => Err(DomainError::Exists(SCOPE)),
            GroupOp::Roster(op) => self.manage_roster(&actor, op, limits, ctx),
            GroupOp::Leave => self.leave(&actor, ctx),
            GroupOp::Apply => self.apply(&actor, ctx),
            GroupOp::Decide { user, accept } => self.decide(&actor, &user, accept, ctx),
            GroupOp::Invite(users) => self.invite(&actor, users, ctx),
            GroupOp::AnswerInvite { accept } => self.answer_invite(&actor, accept, ctx),
            GroupOp::UserDeleted(user) => self.user_deleted(&actor, &user, ctx),
        }
    }

    fn manage_roster(
        &mut self,
        actor: &Actor,
        op: ManageOp,
        limits: GroupLimits,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        match op {
            ManageOp::Get => {
                let public = self.record.as_ref().is_some_and(|r| r.public);
                if !public && self.role_of(actor).is_none() {
                    return Err(DomainError::NotMember(SCOPE));
                }
                Ok(ManageReply::View(Box::new(self.view())))
            }
            ManageOp::Update(patch) => self.update(actor, patch, limits, ctx),
            ManageOp::TransferOwner(to) => self.transfer(actor, &to, ctx),
            ManageOp::Delete => self.dismiss(actor, ctx),
            ManageOp::Add(users) => self.add(actor, users, ctx),
            ManageOp::Remove(users) => self.remove(actor, users, ctx),
            ManageOp::SetAdmin { user, admin } => self.set_admin(actor, &user, admin, ctx),
            ManageOp::Mute { users, until } => self.mute(actor, users, until, ctx),
            ManageOp::Unmute(users) => self.unmute(actor, users, ctx),
            ManageOp::MuteAll(on) => self.mute_all(actor, on, ctx),
            ManageOp::Block(users) => self.block(actor, users, ctx),
            ManageOp::Unblock(users) => self.unblock(actor, users, ctx),
            ManageOp::SetAnnouncement(text) => self.set_announcement(actor, text, ctx),
        }
    }

    fn view(&self) -> GroupView {
        let mut members: Vec<(String, MemberRecord)> = self
            .members
            .0
            .keys()
            .map(|u| (u.clone(), self.member_record(u)))
            .collect();
        members.sort_by_key(|(_, m)| match m.role {
            Role::Owner => 0,
            Role::Admin => 1,
            Role::Member => 2,
        });
        let mut record = self
            .record
            .clone()
            .unwrap_or_else(|| empty_record(&self.key));
        record.owner = self.roster.owner.clone();
        record.mute_all = self.roster.mute_all;
        GroupView {
            record,
            members,
            blocks: self.roster.blocks.iter().cloned().collect(),
        }
    }

    /// The actor's role, if it is a member; the app acts as owner.
    fn role_of(&self, actor: &Actor) -> Option<Role> {
        match actor {
            Actor::App => Some(Role::Owner),
            Actor::User(u) => self.roster.role(u, &self.members),
        }
    }

    fn need_manager(&self, actor: &Actor) -> Result<(), DomainError> {
        self.roster.need_manager(SCOPE, actor, &self.members)
    }

    fn need_owner(&self, actor: &Actor) -> Result<(), DomainError> {
        self.roster.need_owner(SCOPE, actor, &self.members)
    }

    fn app(&self) -> &str {
        &self.key.app
    }

    fn user_key(&self, user: &str) -> EntityKey {
        EntityKey::new(self.key.app.clone(), EntityKind::User, user)
    }

    /// A member's persisted form: its join seq and the roster's role and
    /// mute.
    fn member_record(&self, user: &str) -> MemberRecord {
        MemberRecord {
            role: self
                .roster
                .role(user, &self.members)
                .unwrap_or(Role::Member),
            joined_seq: self.members.0.get(user).copied().unwrap_or(0),
            mute_until: self.roster.mutes.get(user).copied().unwrap_or(0),
        }
    }

    /// Stages the group snapshot (with the roster's owner and mute-all)
    /// and its event.
    fn save_record(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        if let Some(r) = self.record.as_mut() {
            r.owner = self.roster.owner.clone();
            r.mute_all = self.roster.mute_all;
            ctx.save_snapshot(r);
            ctx.append_event(&Event::GroupUpdated {
                app: self.key.app.clone(),
                group: r.clone(),
            });
        }
    }

    /// Stages `user`'s member key (the roster's view of it) and its event.
    fn save_member(&mut self, user: &str, ctx: &mut StepCtx<'_, ChatEntity>) {
        let member = self.member_record(user);
        ctx.put(group_members::member_key(&self.key, user), &member);
        ctx.append_event(&Event::GroupMemberSet {
            app: self.key.app.clone(),
            group: self.key.id.clone(),
            user: user.to_string(),
            member,
        });
    }

    /// Makes `user` a member joining at the group's head, and tells the
    /// user's entity after the flush (its index of groups).
    fn join_member(&mut self, user: &str, ctx: &mut StepCtx<'_, ChatEntity>) {
        let (seq, counted) = (self.head, self.counted);
        if self.members.0.insert(user.to_string(), seq).is_some() {
            return;
        }
        self.targets = None;
        self.save_member(user, ctx);
        let (router, key, group) = (
            ctx.router().clone(),
            self.user_key(user),
            self.key.id.clone(),
        );
        // Best effort: a user whose index misses a group still gets its
        // pushes; only sync without a named cursor would skip it.
        ctx.after_commit(move || {
            let _ = router.tell(
                key,
                crate::user::GroupJoined {
                    group,
                    seq,
                    counted,
                }
                .into(),
            );
        });
    }

    fn delete_member(&mut self, user: &str, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.members.0.remove(user).is_none() {
            return;
        }
        self.roster.forget(user);
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
            // Best effort, as in `join_member`; the group refuses the sync.
            let _ = router.tell(key, crate::user::GroupLeft { group }.into());
        });
    }

    /// Writes `user`'s block-list key (or its removal) and the event.
    fn save_block(&self, user: &str, blocked: bool, ctx: &mut StepCtx<'_, ChatEntity>) {
        let key = group_members::block_key(&self.key, user);
        if blocked {
            ctx.put_raw(key, Vec::new());
        } else {
            ctx.delete(key);
        }
        ctx.append_event(&Event::GroupBlockSet {
            app: self.app().to_string(),
            group: self.key.id.clone(),
            user: user.to_string(),
            blocked,
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
