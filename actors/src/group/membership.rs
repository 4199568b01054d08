//! Who is in the group: create, add and remove members, leave, apply and
//! decide (join requests of `membersonly` groups), dismiss. Each change is
//! one `M` key and one event in the step's batch; the users' entities are
//! told after the flush, and the present members get an event push.

use super::{
    Actor, GroupLimits, GroupRecord, GroupReply, GroupState, MemberRecord, Role, MAX_APPLICANTS,
    MAX_BATCH,
};
use crate::error::DomainError;
use crate::events::Event;
use crate::trees::created_index::{self, Listed};
use crate::trees::group_members;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl GroupState {
    pub(super) fn create(
        &mut self,
        mut record: GroupRecord,
        members: Vec<String>,
        limits: GroupLimits,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        if self.record.is_some() {
            return Err(DomainError::GroupExists);
        }
        record.maxusers = record.maxusers.clamp(1, limits.max_users.max(1));
        record.id = self.key.id.clone();
        let mut names: Vec<String> = members.into_iter().filter(|m| *m != record.owner).collect();
        names.sort();
        names.dedup();
        if names.len() + 1 > record.maxusers as usize {
            return Err(DomainError::GroupFull);
        }
        // A re-created id keeps its seq: new members never see messages
        // of a dismissed group that had the same id.
        let seq = self.head;
        let owner = record.owner.clone();
        ctx.put_raw(
            created_index::key(Listed::Groups, self.app(), record.created, &record.id),
            Vec::new(),
        );
        ctx.save_snapshot(&record);
        ctx.append_event(&Event::GroupCreated {
            app: self.app().to_string(),
            group: record.clone(),
        });
        self.record = Some(record);
        self.members.clear();
        self.blocks.clear();
        self.put_member(&owner, member(Role::Owner, seq), ctx);
        for name in names {
            self.put_member(&name, member(Role::Member, seq), ctx);
        }
        Ok(GroupReply::Done)
    }

    /// Adds users directly (no invitation or approval): the owner, an admin,
    /// the app, or any member when `allowinvites` is on.
    pub(super) fn add(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        let invites = self.record.as_ref().is_some_and(|r| r.allowinvites);
        match self.role_of(actor) {
            Some(Role::Member) if invites => {}
            _ => self.need_manager(actor)?,
        }
        if users.len() > MAX_BATCH {
            return Err(DomainError::InvalidArgument(format!(
                "at most {MAX_BATCH} users per call"
            )));
        }
        let mut out = Vec::with_capacity(users.len());
        for user in users {
            let r = self.admit(&user, ctx);
            out.push((user, r));
        }
        if out.iter().all(|(_, r)| r.is_err()) {
            if let Some((_, Err(e))) = out.first() {
                return Err(e.clone());
            }
        }
        Ok(GroupReply::Users(out))
    }

    /// Makes `user` a member if the group has room and does not block them;
    /// drops their join request or invitation.
    pub(super) fn admit(
        &mut self,
        user: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        if self.members.contains_key(user) {
            return Err(DomainError::AlreadyGroupMember);
        }
        if self.blocks.contains(user) {
            return Err(DomainError::GroupBlocked);
        }
        let max = self.record.as_ref().map(|r| r.maxusers).unwrap_or(0) as usize;
        if self.members.len() >= max {
            return Err(DomainError::GroupFull);
        }
        if let Some(r) = self.record.as_mut() {
            let pending = r.applicants.len() + r.invitees.len();
            r.applicants.retain(|a| a != user);
            r.invitees.retain(|i| i != user);
            if r.applicants.len() + r.invitees.len() != pending {
                self.save_record(ctx);
            }
        }
        let seq = self.head;
        self.put_member(user, member(Role::Member, seq), ctx);
        self.fanout_event("member_joined", user, &[], ctx);
        Ok(())
    }

    pub(super) fn remove(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        if users.len() > MAX_BATCH {
            return Err(DomainError::InvalidArgument(format!(
                "at most {MAX_BATCH} users per call"
            )));
        }
        let mut out = Vec::with_capacity(users.len());
        for user in users {
            let r = self.expel(actor, &user, ctx);
            if r.is_ok() {
                self.fanout_event("member_removed", &user, std::slice::from_ref(&user), ctx);
            }
            out.push((user, r));
        }
        Ok(GroupReply::Users(out))
    }

    /// Removes `user`, refusing the owner, and an admin unless the owner or
    /// the app removes them.
    pub(super) fn expel(
        &mut self,
        actor: &Actor,
        user: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        let Some(m) = self.members.get(user) else {
            return Err(DomainError::NotGroupMember);
        };
        match m.role {
            Role::Owner => {
                return Err(DomainError::GroupPermission(
                    "forbidden operation on group owner".into(),
                ))
            }
            Role::Admin if self.role_of(actor) != Some(Role::Owner) => {
                return Err(DomainError::GroupPermission(
                    "only the owner may remove an admin".into(),
                ))
            }
            _ => {}
        }
        self.delete_member(user, ctx);
        Ok(())
    }

    pub(super) fn leave(
        &mut self,
        actor: &Actor,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        let Actor::User(user) = actor else {
            return Err(DomainError::InvalidArgument("only a user can leave".into()));
        };
        match self.members.get(user) {
            None => return Err(DomainError::NotGroupMember),
            Some(m) if m.role == Role::Owner => {
                return Err(DomainError::GroupPermission(
                    "the owner cannot leave: transfer or dismiss the group".into(),
                ))
            }
            Some(_) => {}
        }
        let user = user.clone();
        self.delete_member(&user, ctx);
        self.fanout_event("member_left", &user, std::slice::from_ref(&user), ctx);
        Ok(GroupReply::Done)
    }

    /// A user asks to join: admitted at once, or (for `membersonly` groups)
    /// queued for the owner and admins, who get a `join_request` event.
    pub(super) fn apply(
        &mut self,
        actor: &Actor,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        let Actor::User(user) = actor else {
            return Err(DomainError::InvalidArgument("only a user can apply".into()));
        };
        let user = user.clone();
        if self.members.contains_key(&user) {
            return Err(DomainError::AlreadyGroupMember);
        }
        if self.blocks.contains(&user) {
            return Err(DomainError::GroupBlocked);
        }
        let membersonly = self.record.as_ref().is_some_and(|r| r.membersonly);
        if !membersonly {
            self.admit(&user, ctx)?;
            return Ok(GroupReply::Done);
        }
        let Some(record) = self.record.as_mut() else {
            return Err(DomainError::GroupNotFound);
        };
        if !record.applicants.contains(&user) {
            if record.applicants.len() >= MAX_APPLICANTS {
                return Err(DomainError::GroupPermission(
                    "too many pending join requests".into(),
                ));
            }
            record.applicants.push(user.clone());
            self.save_record(ctx);
        }
        self.notify_managers("join_request", &user, ctx);
        Ok(GroupReply::Pending)
    }

    pub(super) fn decide(
        &mut self,
        actor: &Actor,
        user: &str,
        accept: bool,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        let asked = self
            .record
            .as_ref()
            .is_some_and(|r| r.applicants.iter().any(|a| a == user));
        if !asked {
            return Err(DomainError::InvalidArgument(format!(
                "{user} has not asked to join"
            )));
        }
        if accept {
            // `admit` also takes them off the list of applicants.
            self.admit(user, ctx)?;
        } else {
            if let Some(r) = self.record.as_mut() {
                r.applicants.retain(|a| a != user);
            }
            self.save_record(ctx);
        }
        Ok(GroupReply::Done)
    }

    /// A deleted user leaves; the group it owned is dismissed.
    pub(super) fn user_deleted(
        &mut self,
        actor: &Actor,
        user: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        if *actor != Actor::App {
            return Err(DomainError::PermissionDenied);
        }
        match self.members.get(user).map(|m| m.role) {
            None => Err(DomainError::NotGroupMember),
            Some(Role::Owner) => self.dismiss(actor, ctx),
            Some(_) => {
                self.delete_member(user, ctx);
                let gone = [user.to_string()];
                self.fanout_event("member_removed", user, &gone, ctx);
                Ok(GroupReply::Done)
            }
        }
    }

    pub(super) fn dismiss(
        &mut self,
        actor: &Actor,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_owner(actor)?;
        // Everyone present hears it before the members go.
        self.fanout_event("dismissed", "", &[], ctx);
        let users: Vec<String> = self.members.keys().cloned().collect();
        for u in &users {
            self.delete_member(u, ctx);
        }
        for b in std::mem::take(&mut self.blocks) {
            ctx.delete(group_members::block_key(&self.key, &b));
        }
        ctx.delete(imcloud_shards::entity::snapshot_key(&self.key));
        if let Some(r) = &self.record {
            ctx.delete(created_index::key(
                Listed::Groups,
                self.app(),
                r.created,
                &r.id,
            ));
        }
        ctx.append_event(&Event::GroupDismissed {
            app: self.app().to_string(),
            group: self.key.id.clone(),
        });
        self.record = None;
        Ok(GroupReply::Done)
    }
}

fn member(role: Role, joined_seq: u64) -> MemberRecord {
    MemberRecord {
        role,
        joined_seq,
        mute_until: 0,
    }
}
