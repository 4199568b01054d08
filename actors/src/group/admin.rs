//! Running a group: settings, owner transfer, admins, mute (per member
//! with an expiry, and mute-all), the block list and the announcement. The
//! rules are the shared roster's; this file persists what changed (the
//! member's `M` key, a `B` key, the record) and raises the events.

use super::{GroupLimits, GroupReply, GroupState, SCOPE};
use crate::error::DomainError;
use crate::roster::limits::{check_text, Field};
use crate::roster::{each, Actor, Audience, EventKind, ManageReply, Patch, RosterEvent};
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl GroupState {
    pub(super) fn update(
        &mut self,
        actor: &Actor,
        patch: Patch,
        limits: GroupLimits,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        patch.check()?;
        let members = self.members.0.len() as u32;
        let Some(r) = self.record.as_mut() else {
            return Err(DomainError::NotFound(SCOPE));
        };
        if let Some(max) = patch.maxusers {
            if max < members.max(1) || max > limits.max_users {
                return Err(DomainError::InvalidArgument(format!(
                    "maxusers must be between the member count ({members}) and {}",
                    limits.max_users
                )));
            }
            r.maxusers = max;
        }
        if let Some(v) = patch.name {
            r.name = v;
        }
        if let Some(v) = patch.description {
            r.description = v;
        }
        if let Some(v) = patch.public {
            r.public = v;
        }
        if let Some(v) = patch.allowinvites {
            r.allowinvites = v;
        }
        if let Some(v) = patch.membersonly {
            r.membersonly = v;
        }
        if let Some(v) = patch.custom {
            r.custom = v;
        }
        self.save_record(ctx);
        let owner = self.roster.owner.clone();
        self.report_muc("update", &owner, ctx);
        Ok(ManageReply::Done)
    }

    pub(super) fn transfer(
        &mut self,
        actor: &Actor,
        to: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_owner(actor)?;
        if !self.members.0.contains_key(to) {
            return Err(DomainError::NotMember(SCOPE));
        }
        let old = self.roster.owner.clone();
        if old == to {
            return Err(DomainError::InvalidArgument(format!(
                "{to} already owns the group"
            )));
        }
        self.roster.transfer(to);
        self.save_member(&old, ctx);
        self.save_member(to, ctx);
        self.save_record(ctx);
        // Easemob's spelling.
        self.report_muc("assing_owner", to, ctx);
        self.raise(
            RosterEvent::new(EventKind::OwnerChanged, to, Audience::All),
            ctx,
        );
        Ok(ManageReply::Done)
    }

    pub(super) fn set_admin(
        &mut self,
        actor: &Actor,
        user: &str,
        admin: bool,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_owner(actor)?;
        self.roster.set_admin(SCOPE, user, admin, &self.members)?;
        self.save_member(user, ctx);
        let op = if admin { "add_admin" } else { "remove_admin" };
        self.report_muc(op, user, ctx);
        self.raise(
            RosterEvent::new(EventKind::RoleChanged, user, Audience::Concerned),
            ctx,
        );
        Ok(ManageReply::Done)
    }

    pub(super) fn mute(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        until: i64,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        let out = each(users, |user| {
            self.roster.mute(SCOPE, user, until, &self.members)?;
            self.save_member(user, ctx);
            self.report_muc("add_mute", user, ctx);
            self.raise(
                RosterEvent::new(EventKind::Muted, user, Audience::Concerned),
                ctx,
            );
            Ok(())
        })?;
        Ok(ManageReply::Users(out))
    }

    pub(super) fn unmute(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        let out = each(users, |user| {
            self.roster.unmute(SCOPE, user)?;
            if self.members.0.contains_key(user) {
                self.save_member(user, ctx);
            }
            self.report_muc("remove_mute", user, ctx);
            self.raise(
                RosterEvent::new(EventKind::Unmuted, user, Audience::Concerned),
                ctx,
            );
            Ok(())
        })?;
        Ok(ManageReply::Users(out))
    }

    pub(super) fn mute_all(
        &mut self,
        actor: &Actor,
        on: bool,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        self.roster.mute_all = on;
        self.save_record(ctx);
        let (kind, op) = if on {
            (EventKind::MutedAll, "ban_group")
        } else {
            (EventKind::UnmutedAll, "remove_ban_group")
        };
        let owner = self.roster.owner.clone();
        self.report_muc(op, &owner, ctx);
        self.raise(RosterEvent::new(kind, "", Audience::All), ctx);
        Ok(ManageReply::Done)
    }

    /// Blocks users: a member is removed first; the block keeps them from
    /// joining or applying again until unblocked.
    pub(super) fn block(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        let out = each(users, |user| {
            let member = self.members.0.contains_key(user);
            if member {
                self.roster.may_touch(SCOPE, actor, user)?;
            }
            self.roster.block(SCOPE, user)?;
            self.save_block(user, true, ctx);
            self.report_muc("ban", user, ctx);
            if member {
                // Raised first: the removed member hears it too.
                self.raise(
                    RosterEvent::new(EventKind::Blocked, user, Audience::Concerned),
                    ctx,
                );
                self.delete_member(user, ctx);
            }
            Ok(())
        })?;
        Ok(ManageReply::Users(out))
    }

    pub(super) fn unblock(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        let out = each(users, |user| {
            self.roster.unblock(user)?;
            self.save_block(user, false, ctx);
            self.report_muc("allow", user, ctx);
            Ok(())
        })?;
        Ok(ManageReply::Users(out))
    }

    pub(super) fn set_announcement(
        &mut self,
        actor: &Actor,
        text: String,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        check_text(Field::Announcement, &text)?;
        let op = if text.is_empty() {
            "delete_announcement"
        } else {
            "update_announcement"
        };
        let owner = self.roster.owner.clone();
        self.report_muc(op, &owner, ctx);
        if let Some(r) = self.record.as_mut() {
            r.announcement = text;
        }
        self.save_record(ctx);
        self.raise(
            RosterEvent::new(EventKind::Announcement, "", Audience::All),
            ctx,
        );
        Ok(ManageReply::Done)
    }
}
