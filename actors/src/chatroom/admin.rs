//! Room management: create, read, settings, owner transfer, delete,
//! members added and removed by the app or managers, admins, mute (one by
//! one and all), block list and announcement. The rules are the shared
//! roster's; this file keeps the room's record and presence in step and
//! raises the events.

use super::{RoomOp, RoomRecord, RoomReply, RoomState, RoomView, MAX_ROOM_USERS, SCOPE};
use crate::error::DomainError;
use crate::events::Event;
use crate::roster::limits::{check_new, check_text, Field};
use crate::roster::{each, Actor, Audience, EventKind, ManageOp, ManageReply, Patch, RosterEvent};
use crate::trees::created_index::{self, Listed};
use crate::trees::room_owners;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl RoomState {
    pub(super) fn manage(
        &mut self,
        actor: Actor,
        op: RoomOp,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        let op = match op {
            RoomOp::Create { record, members } => return self.create(record, members, ctx),
            RoomOp::Roster(op) => op,
        };
        self.record()?;
        let actor = &actor;
        match op {
            ManageOp::Get => Ok(ManageReply::View(Box::new(self.view()))),
            ManageOp::Update(patch) => self.update(actor, patch, ctx),
            ManageOp::TransferOwner(to) => self.transfer(actor, &to, ctx),
            ManageOp::Delete => self.delete(actor, ctx),
            ManageOp::Add(users) => {
                self.need_manager(actor)?;
                let out = each(users, |u| self.add_one(u, ctx))?;
                Ok(ManageReply::Users(out))
            }
            ManageOp::Remove(users) => {
                self.need_manager(actor)?;
                let out = each(users, |u| self.remove_one(actor, u, ctx))?;
                Ok(ManageReply::Users(out))
            }
            ManageOp::SetAdmin { user, admin } => {
                self.need_owner(actor)?;
                let members = &self.members;
                self.record
                    .as_mut()
                    .ok_or(DomainError::NotFound(SCOPE))?
                    .roster
                    .set_admin(SCOPE, &user, admin, members)?;
                self.save_record(ctx);
                let op = if admin { "add_admin" } else { "remove_admin" };
                self.report_muc(op, &user, ctx);
                let event = RosterEvent::new(EventKind::RoleChanged, &user, Audience::Concerned);
                self.raise(event, Vec::new(), ctx);
                Ok(ManageReply::Done)
            }
            ManageOp::Mute { users, until } => {
                self.need_manager(actor)?;
                let out = each(users, |u| {
                    let members = &self.members;
                    self.record
                        .as_mut()
                        .ok_or(DomainError::NotFound(SCOPE))?
                        .roster
                        .mute(SCOPE, u, until, members)?;
                    self.report_muc("add_mute", u, ctx);
                    let event = RosterEvent::new(EventKind::Muted, u, Audience::Concerned);
                    self.raise(event, Vec::new(), ctx);
                    Ok(())
                })?;
                self.save_record(ctx);
                Ok(ManageReply::Users(out))
            }
            ManageOp::Unmute(users) => {
                self.need_manager(actor)?;
                let out = each(users, |u| {
                    self.roster_mut()?.unmute(SCOPE, u)?;
                    self.report_muc("remove_mute", u, ctx);
                    let event = RosterEvent::new(EventKind::Unmuted, u, Audience::Concerned);
                    self.raise(event, Vec::new(), ctx);
                    Ok(())
                })?;
                self.save_record(ctx);
                Ok(ManageReply::Users(out))
            }
            ManageOp::MuteAll(on) => {
                self.need_manager(actor)?;
                self.roster_mut()?.mute_all = on;
                self.save_record(ctx);
                let (kind, op) = if on {
                    (EventKind::MutedAll, "ban_group")
                } else {
                    (EventKind::UnmutedAll, "remove_ban_group")
                };
                self.report_muc(op, "", ctx);
                self.raise(RosterEvent::new(kind, "", Audience::All), Vec::new(), ctx);
                Ok(ManageReply::Done)
            }
            ManageOp::Block(users) => {
                self.need_manager(actor)?;
                let out = each(users, |u| self.block_one(actor, u, ctx))?;
                self.save_record(ctx);
                Ok(ManageReply::Users(out))
            }
            ManageOp::Unblock(users) => {
                self.need_manager(actor)?;
                let out = each(users, |u| {
                    self.roster_mut()?.unblock(u)?;
                    self.report_muc("allow", u, ctx);
                    Ok(())
                })?;
                self.save_record(ctx);
                Ok(ManageReply::Users(out))
            }
            ManageOp::SetAnnouncement(text) => {
                self.need_manager(actor)?;
                check_text(Field::Announcement, &text)?;
                let op = if text.is_empty() {
                    "delete_announcement"
                } else {
                    "update_announcement"
                };
                self.report_muc(op, "", ctx);
                if let Some(r) = self.record.as_mut() {
                    r.announcement = text;
                }
                self.save_record(ctx);
                let event = RosterEvent::new(EventKind::Announcement, "", Audience::All);
                self.raise(event, Vec::new(), ctx);
                Ok(ManageReply::Done)
            }
        }
    }

    fn roster_mut(&mut self) -> Result<&mut crate::roster::Roster, DomainError> {
        self.record
            .as_mut()
            .map(|r| &mut r.roster)
            .ok_or(DomainError::NotFound(SCOPE))
    }

    fn need_manager(&self, actor: &Actor) -> Result<(), DomainError> {
        self.record()?
            .roster
            .need_manager(SCOPE, actor, &self.members)
    }

    fn need_owner(&self, actor: &Actor) -> Result<(), DomainError> {
        self.record()?
            .roster
            .need_owner(SCOPE, actor, &self.members)
    }

    fn create(
        &mut self,
        record: RoomRecord,
        members: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        if self.record.is_some() {
            return Err(DomainError::Exists(SCOPE));
        }
        check_new(&record.name, &record.description, &record.custom)?;
        if record.maxusers == 0 || record.maxusers > MAX_ROOM_USERS {
            return Err(DomainError::InvalidArgument(format!(
                "maxusers must be 1-{MAX_ROOM_USERS}"
            )));
        }
        let owner = record.roster.owner.clone();
        let mut names: Vec<String> = members.into_iter().filter(|m| *m != owner).collect();
        names.sort();
        names.dedup();
        if names.len() + 1 > record.maxusers as usize {
            return Err(DomainError::InvalidArgument(
                "members size is greater than max user size".into(),
            ));
        }
        ctx.put_raw(
            created_index::key(Listed::Rooms, &self.key.app, record.created, &record.id),
            Vec::new(),
        );
        ctx.put_raw(
            room_owners::key(&self.key.app, &owner, &record.id),
            Vec::new(),
        );
        self.record = Some(record);
        self.save_record(ctx);
        for m in names {
            self.add_member(&m);
        }
        Ok(ManageReply::Done)
    }

    fn view(&self) -> RoomView {
        let record = self
            .record
            .clone()
            .unwrap_or_else(|| super::types::empty(&self.key.id));
        let mut members = Vec::with_capacity(self.members.0.len() + 1);
        members.push(record.roster.owner.clone());
        members.extend(
            self.members
                .0
                .keys()
                .filter(|m| **m != record.roster.owner)
                .cloned(),
        );
        RoomView { record, members }
    }

    fn update(
        &mut self,
        actor: &Actor,
        patch: Patch,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        self.need_manager(actor)?;
        if patch.has_group_fields() {
            return Err(DomainError::InvalidArgument(
                "a chatroom has only name, description and maxusers to change".into(),
            ));
        }
        patch.check()?;
        if let Some(max) = patch.maxusers {
            if max == 0 || max > MAX_ROOM_USERS {
                return Err(DomainError::InvalidArgument(format!(
                    "maxusers must be 1-{MAX_ROOM_USERS}"
                )));
            }
            if (max as usize) < self.member_count() {
                return Err(DomainError::InvalidArgument(
                    "maxusers is below the members present".into(),
                ));
            }
        }
        if let Some(r) = self.record.as_mut() {
            if let Some(n) = patch.name {
                r.name = n;
            }
            if let Some(d) = patch.description {
                r.description = d;
            }
            if let Some(m) = patch.maxusers {
                r.maxusers = m;
            }
        }
        self.save_record(ctx);
        self.report_muc("update", "", ctx);
        Ok(ManageReply::Done)
    }

    fn transfer(
        &mut self,
        actor: &Actor,
        to: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        self.need_owner(actor)?;
        // A room's owner counts as a member whether present or not, so the
        // app may hand a room to any user; a user hands it to a member.
        if !self.is_member(to) && *actor != Actor::App {
            return Err(DomainError::NotMember(SCOPE));
        }
        let app = self.key.app.clone();
        if let Some(r) = self.record.as_mut() {
            if r.roster.owner == to {
                return Err(DomainError::InvalidArgument(format!(
                    "{to} already owns the chatroom"
                )));
            }
            ctx.delete(room_owners::key(&app, &r.roster.owner, &r.id));
            ctx.put_raw(room_owners::key(&app, to, &r.id), Vec::new());
            r.roster.transfer(to);
        }
        self.save_record(ctx);
        // Easemob's spelling.
        self.report_muc("assing_owner", to, ctx);
        let event = RosterEvent::new(EventKind::OwnerChanged, to, Audience::All);
        self.raise(event, Vec::new(), ctx);
        Ok(ManageReply::Done)
    }

    fn delete(
        &mut self,
        actor: &Actor,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        self.need_owner(actor)?;
        self.report_muc("destroy", "", ctx);
        // Everyone present hears it before the room goes.
        let event = RosterEvent::new(EventKind::Destroyed, "", Audience::All);
        self.raise(event, Vec::new(), ctx);
        if let Some(r) = &self.record {
            ctx.delete(created_index::key(
                Listed::Rooms,
                &self.key.app,
                r.created,
                &r.id,
            ));
            ctx.delete(room_owners::key(&self.key.app, &r.roster.owner, &r.id));
        }
        ctx.delete(imcloud_shards::entity::snapshot_key(&self.key));
        ctx.append_event(&Event::RoomDeleted {
            app: self.key.app.clone(),
            room: self.key.id.clone(),
        });
        self.record = None;
        self.members.0.clear();
        self.recent.clear();
        self.devices = None;
        Ok(ManageReply::Done)
    }

    fn add_one(
        &mut self,
        user: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        let record = self.record()?;
        if record.roster.blocks.contains(user) {
            return Err(DomainError::Blocked(SCOPE));
        }
        if self.is_member(user) {
            return Err(DomainError::AlreadyMember(SCOPE));
        }
        if self.member_count() >= record.maxusers as usize {
            return Err(DomainError::Full(SCOPE));
        }
        self.add_member(user);
        self.report_muc("presence", user, ctx);
        let event = RosterEvent::new(EventKind::MemberJoined, user, Audience::Managers);
        self.raise(event, Vec::new(), ctx);
        Ok(())
    }

    /// Removes member `user` (never the owner; an admin only when the owner
    /// or the app asks); its devices hear why.
    fn remove_one(
        &mut self,
        actor: &Actor,
        user: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        self.record()?.roster.may_touch(SCOPE, actor, user)?;
        if !self.members.0.contains_key(user) {
            return Err(DomainError::NotMember(SCOPE));
        }
        let devices = self.drop_member(user);
        self.report_muc("kick", user, ctx);
        let event = RosterEvent::new(EventKind::MemberRemoved, user, Audience::Concerned);
        self.raise(event, devices, ctx);
        Ok(())
    }

    /// Blocks `user`, removing it first if it is a member.
    fn block_one(
        &mut self,
        actor: &Actor,
        user: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        let member = self.members.0.contains_key(user);
        if member {
            self.record()?.roster.may_touch(SCOPE, actor, user)?;
        }
        self.roster_mut()?.block(SCOPE, user)?;
        self.report_muc("ban", user, ctx);
        let devices = self.drop_member(user);
        let event = RosterEvent::new(EventKind::Blocked, user, Audience::Concerned);
        self.raise(event, devices, ctx);
        Ok(())
    }
}
