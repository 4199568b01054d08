//! Who is in the group: create, add and remove members, leave, apply and
//! decide (join requests of `membersonly` groups), a deleted user, dismiss.
//! Each change is one `M` key and one event in the step's batch; the users'
//! entities are told after the flush, and the members hear an event.

use super::{GroupLimits, GroupRecord, GroupReply, GroupState, Joined, MAX_APPLICANTS, SCOPE};
use crate::error::DomainError;
use crate::events::Event;
use crate::roster::limits::check_new;
use crate::roster::{each, Actor, Audience, EventKind, ManageReply, Role, Roster, RosterEvent};
use crate::trees::created_index::{self, Listed};
use crate::trees::group_members;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl GroupState {
    /// Queues a `muc` post-send event: `operation` about `user`.
    pub(super) fn report_muc(
        &self,
        operation: &str,
        user: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let (group, operation, user) =
            (self.key.id.clone(), operation.to_string(), user.to_string());
        crate::hooks::emit_new(ctx, self.app(), |event_id| crate::hooks::HookEvent::Muc {
            chat: crate::message::ChatType::Group,
            group,
            operation,
            user,
            event_id,
        });
    }

    pub(super) fn create(
        &mut self,
        mut record: GroupRecord,
        members: Vec<String>,
        limits: GroupLimits,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        if self.record.is_some() {
            return Err(DomainError::Exists(SCOPE));
        }
        check_new(&record.name, &record.description, &record.custom)?;
        if record.maxusers == 0 || record.maxusers > limits.max_users {
            return Err(DomainError::InvalidArgument(format!(
                "maxusers must be 1-{}",
                limits.max_users
            )));
        }
        record.id = self.key.id.clone();
        let mut names: Vec<String> = members.into_iter().filter(|m| *m != record.owner).collect();
        names.sort();
        names.dedup();
        if names.len() + 1 > record.maxusers as usize {
            return Err(DomainError::Full(SCOPE));
        }
        // A re-created id keeps its seq: new members never see messages
        // of a dismissed group that had the same id.
        let owner = record.owner.clone();
        ctx.put_raw(
            created_index::key(Listed::Groups, self.app(), record.created, &record.id),
            Vec::new(),
        );
        ctx.append_event(&Event::GroupCreated {
            app: self.app().to_string(),
            group: record.clone(),
        });
        self.roster = Roster::new(&owner);
        self.members = Joined::default();
        self.record = Some(record);
        self.save_record(ctx);
        self.join_member(&owner, ctx);
        for name in names {
            self.join_member(&name, ctx);
        }
        self.report_muc("create", &owner, ctx);
        Ok(ManageReply::Done)
    }

    /// Adds users directly (no invitation or approval): the owner, an admin,
    /// the app, or any member when `allowinvites` is on.
    pub(super) fn add(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_inviter(actor)?;
        let out = each(users, |u| self.admit(u, ctx))?;
        if out.iter().all(|(_, r)| r.is_err()) {
            if let Some((_, Err(e))) = out.first() {
                return Err(e.clone());
            }
        }
        Ok(ManageReply::Users(out))
    }

    /// Refuses unless `actor` may bring users in: a manager, or any member
    /// of a group with `allowinvites`.
    pub(super) fn need_inviter(&self, actor: &Actor) -> Result<(), DomainError> {
        let invites = self.record.as_ref().is_some_and(|r| r.allowinvites);
        match self.role_of(actor) {
            Some(Role::Member) if invites => Ok(()),
            _ => self.need_manager(actor),
        }
    }

    /// Makes `user` a member if the group has room and does not block them;
    /// drops their join request or invitation.
    pub(super) fn admit(
        &mut self,
        user: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        if self.members.0.contains_key(user) {
            return Err(DomainError::AlreadyMember(SCOPE));
        }
        if self.roster.blocks.contains(user) {
            return Err(DomainError::Blocked(SCOPE));
        }
        let max = self.record.as_ref().map(|r| r.maxusers).unwrap_or(0) as usize;
        if self.members.0.len() >= max {
            return Err(DomainError::Full(SCOPE));
        }
        if let Some(r) = self.record.as_mut() {
            let pending = r.applicants.len() + r.invitees.len();
            r.applicants.retain(|a| a != user);
            r.invitees.retain(|i| i != user);
            if r.applicants.len() + r.invitees.len() != pending {
                self.save_record(ctx);
            }
        }
        self.join_member(user, ctx);
        self.raise(
            RosterEvent::new(EventKind::MemberJoined, user, Audience::All),
            ctx,
        );
        self.report_muc("presence", user, ctx);
        Ok(())
    }

    pub(super) fn remove(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        let out = each(users, |u| {
            self.expel(actor, u, EventKind::MemberRemoved, ctx)
        })?;
        Ok(ManageReply::Users(out))
    }

    /// Removes member `user` (never the owner; an admin only when the owner
    /// or the app asks) and tells it and the members with `kind`.
    pub(super) fn expel(
        &mut self,
        actor: &Actor,
        user: &str,
        kind: EventKind,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        if !self.members.0.contains_key(user) {
            return Err(DomainError::NotMember(SCOPE));
        }
        self.roster.may_touch(SCOPE, actor, user)?;
        // Raised first: the removed member hears it too.
        self.raise(RosterEvent::new(kind, user, Audience::Concerned), ctx);
        self.delete_member(user, ctx);
        self.report_muc("kick", user, ctx);
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
        match self.roster.role(user, &self.members) {
            None => return Err(DomainError::NotMember(SCOPE)),
            Some(Role::Owner) => {
                return Err(DomainError::Forbidden(
                    SCOPE,
                    "the owner cannot leave: transfer or dismiss the group".into(),
                ))
            }
            Some(_) => {}
        }
        let user = user.clone();
        self.raise(
            RosterEvent::new(EventKind::MemberLeft, &user, Audience::Concerned),
            ctx,
        );
        self.delete_member(&user, ctx);
        self.report_muc("leave", &user, ctx);
        Ok(ManageReply::Done)
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
        if self.members.0.contains_key(&user) {
            return Err(DomainError::AlreadyMember(SCOPE));
        }
        if self.roster.blocks.contains(&user) {
            return Err(DomainError::Blocked(SCOPE));
        }
        let membersonly = self.record.as_ref().is_some_and(|r| r.membersonly);
        if !membersonly {
            self.admit(&user, ctx)?;
            return Ok(ManageReply::Done);
        }
        let Some(record) = self.record.as_mut() else {
            return Err(DomainError::NotFound(SCOPE));
        };
        if !record.applicants.contains(&user) {
            if record.applicants.len() >= MAX_APPLICANTS {
                return Err(DomainError::Forbidden(
                    SCOPE,
                    "too many pending join requests".into(),
                ));
            }
            record.applicants.push(user.clone());
            self.save_record(ctx);
        }
        self.raise(
            RosterEvent::new(EventKind::JoinRequest, &user, Audience::Managers),
            ctx,
        );
        Ok(ManageReply::Pending)
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
        Ok(ManageReply::Done)
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
        match self.roster.role(user, &self.members) {
            None => Err(DomainError::NotMember(SCOPE)),
            Some(Role::Owner) => self.dismiss(actor, ctx),
            Some(_) => {
                self.expel(actor, user, EventKind::MemberRemoved, ctx)?;
                Ok(ManageReply::Done)
            }
        }
    }

    pub(super) fn dismiss(
        &mut self,
        actor: &Actor,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_owner(actor)?;
        let owner = self.roster.owner.clone();
        self.report_muc("destroy", &owner, ctx);
        // Everyone hears it before the members go.
        self.raise(
            RosterEvent::new(EventKind::Dismissed, "", Audience::All),
            ctx,
        );
        let users: Vec<String> = self.members.0.keys().cloned().collect();
        for u in &users {
            self.delete_member(u, ctx);
        }
        for b in std::mem::take(&mut self.roster.blocks) {
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
        self.roster = Roster::default();
        Ok(ManageReply::Done)
    }
}
