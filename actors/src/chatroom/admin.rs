//! Room management: create, read, settings, owner transfer, delete,
//! members added and removed by the app or managers, admins, mute (one by
//! one and all), block list and announcement. The app may do everything;
//! the owner and admins manage members; only the owner transfers, deletes
//! or names admins.

use super::{
    RoomOp, RoomPatch, RoomReply, RoomState, RoomView, MAX_ROOM_ADMINS, MAX_ROOM_BATCH,
    MAX_ROOM_LIST, MAX_ROOM_USERS,
};
use crate::error::DomainError;
use crate::events::Event;
use crate::group::Actor;
use crate::trees::created_index::{self, Listed};
use crate::trees::room_owners;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

fn batch_size(users: &[String]) -> Result<(), DomainError> {
    if users.is_empty() || users.len() > MAX_ROOM_BATCH {
        return Err(DomainError::InvalidArgument(format!(
            "name 1-{MAX_ROOM_BATCH} users per call"
        )));
    }
    Ok(())
}

impl RoomState {
    pub(super) fn manage(
        &mut self,
        actor: Actor,
        op: RoomOp,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        if let RoomOp::Create { record, members } = op {
            if self.record.is_some() {
                return Err(DomainError::RoomExists);
            }
            ctx.put_raw(
                created_index::key(Listed::Rooms, &self.key.app, record.created, &record.id),
                Vec::new(),
            );
            ctx.put_raw(
                room_owners::key(&self.key.app, &record.owner, &record.id),
                Vec::new(),
            );
            self.record = Some(record);
            self.save_record(ctx);
            for m in members {
                self.add_member(&m);
            }
            return Ok(RoomReply::Done);
        }
        self.record()?;
        match op {
            RoomOp::Create { .. } => Err(DomainError::RoomExists),
            RoomOp::Get => Ok(RoomReply::View(Box::new(self.view()))),
            RoomOp::Update(patch) => self.update(&actor, patch, ctx),
            RoomOp::TransferOwner(to) => self.transfer(&actor, &to, ctx),
            RoomOp::Delete => self.delete(&actor, ctx),
            RoomOp::Add(users) => self.add(&actor, users),
            RoomOp::Remove(users) => self.remove(&actor, users, false, ctx),
            RoomOp::SetAdmin { user, admin } => self.set_admin(&actor, &user, admin, ctx),
            RoomOp::Mute { users, until } => self.mute(&actor, users, Some(until), ctx),
            RoomOp::Unmute(users) => self.mute(&actor, users, None, ctx),
            RoomOp::MuteAll(on) => {
                self.need_manager(&actor)?;
                if let Some(r) = self.record.as_mut() {
                    r.mute_all = on;
                }
                self.save_record(ctx);
                self.push_event(if on { "muted_all" } else { "unmuted_all" }, "", None);
                Ok(RoomReply::Done)
            }
            RoomOp::Block(users) => self.remove(&actor, users, true, ctx),
            RoomOp::Unblock(users) => {
                self.need_manager(&actor)?;
                batch_size(&users)?;
                let mut out = Vec::with_capacity(users.len());
                for u in users {
                    let removed = self.record.as_mut().is_some_and(|r| r.blocks.remove(&u));
                    let r = if removed {
                        Ok(())
                    } else {
                        Err(DomainError::InvalidArgument(format!("{u} is not blocked")))
                    };
                    out.push((u, r));
                }
                self.save_record(ctx);
                Ok(RoomReply::Users(out))
            }
            RoomOp::SetAnnouncement(text) => {
                self.need_manager(&actor)?;
                if let Some(r) = self.record.as_mut() {
                    r.announcement = text;
                }
                self.save_record(ctx);
                self.push_event("announcement", "", None);
                Ok(RoomReply::Done)
            }
        }
    }

    fn view(&self) -> RoomView {
        let record = self
            .record
            .clone()
            .unwrap_or_else(|| super::types::empty(&self.key.id));
        let mut members = Vec::with_capacity(self.members.len() + 1);
        members.push(record.owner.clone());
        members.extend(self.members.keys().filter(|m| **m != record.owner).cloned());
        RoomView { record, members }
    }

    fn update(
        &mut self,
        actor: &Actor,
        patch: RoomPatch,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        self.need_manager(actor)?;
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
        Ok(RoomReply::Done)
    }

    fn transfer(
        &mut self,
        actor: &Actor,
        to: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        self.need_owner(actor)?;
        if !self.members.contains_key(to) && !matches!(actor, Actor::App) {
            return Err(DomainError::NotInRoom);
        }
        if let Some(r) = self.record.as_mut() {
            if r.owner == to {
                return Err(DomainError::InvalidArgument(format!(
                    "{to} already owns the room"
                )));
            }
            ctx.delete(room_owners::key(&self.key.app, &r.owner, &r.id));
            ctx.put_raw(room_owners::key(&self.key.app, to, &r.id), Vec::new());
            r.admins.remove(to);
            r.owner = to.to_string();
        }
        self.save_record(ctx);
        self.push_event("owner_changed", to, None);
        Ok(RoomReply::Done)
    }

    fn delete(
        &mut self,
        actor: &Actor,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        self.need_owner(actor)?;
        // Everyone present hears it before the room goes.
        self.push_event("destroyed", "", None);
        if let Some(r) = &self.record {
            ctx.delete(created_index::key(
                Listed::Rooms,
                &self.key.app,
                r.created,
                &r.id,
            ));
            ctx.delete(room_owners::key(&self.key.app, &r.owner, &r.id));
        }
        ctx.delete(imcloud_shards::entity::snapshot_key(&self.key));
        ctx.append_event(&Event::RoomDeleted {
            app: self.key.app.clone(),
            room: self.key.id.clone(),
        });
        self.record = None;
        self.members.clear();
        self.recent.clear();
        self.devices = None;
        Ok(RoomReply::Done)
    }

    fn add(&mut self, actor: &Actor, users: Vec<String>) -> Result<RoomReply, DomainError> {
        self.need_manager(actor)?;
        batch_size(&users)?;
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let r = self.add_one(&u);
            if r.is_ok() {
                self.push_event_to_managers("member_joined", &u, &[]);
            }
            out.push((u, r));
        }
        Ok(RoomReply::Users(out))
    }

    fn add_one(&mut self, user: &str) -> Result<(), DomainError> {
        let record = self.record()?;
        if record.blocks.contains(user) {
            return Err(DomainError::RoomBlocked);
        }
        if self.is_member(user) {
            return Err(DomainError::AlreadyInRoom);
        }
        if self.member_count() >= record.maxusers as usize {
            return Err(DomainError::RoomFull);
        }
        self.add_member(user);
        Ok(())
    }

    /// Removes users (and, with `block`, keeps them out): refuses the
    /// owner, and an admin unless the owner or the app asks.
    fn remove(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        block: bool,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        self.need_manager(actor)?;
        batch_size(&users)?;
        let owner_asks = self.need_owner(actor).is_ok();
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let r = self.remove_one(&u, owner_asks, block);
            out.push((u, r));
        }
        if block {
            self.save_record(ctx);
        }
        Ok(RoomReply::Users(out))
    }

    fn remove_one(&mut self, user: &str, owner_asks: bool, block: bool) -> Result<(), DomainError> {
        let record = self.record()?;
        if record.owner == user {
            return Err(DomainError::RoomPermission(
                "forbidden operation on chatroom owner".into(),
            ));
        }
        if record.admins.contains(user) && !owner_asks {
            return Err(DomainError::RoomPermission(
                "only the owner may remove an admin".into(),
            ));
        }
        if block {
            if record.blocks.len() >= MAX_ROOM_LIST {
                return Err(DomainError::InvalidArgument(
                    "the block list is full".into(),
                ));
            }
        } else if !self.members.contains_key(user) {
            return Err(DomainError::NotInRoom);
        }
        let devices = self.drop_member(user);
        if let Some(r) = self.record.as_mut() {
            if block {
                r.blocks.insert(user.to_string());
                r.admins.remove(user);
            }
        }
        let kind = if block { "blocked" } else { "member_removed" };
        self.push_event_to_managers(kind, user, &devices);
        Ok(())
    }

    fn set_admin(
        &mut self,
        actor: &Actor,
        user: &str,
        admin: bool,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        self.need_owner(actor)?;
        let record = self.record()?;
        if record.owner == user {
            return Err(DomainError::RoomPermission(
                "forbidden operation on chatroom owner".into(),
            ));
        }
        if admin {
            if record.admins.contains(user) {
                return Err(DomainError::InvalidArgument(format!(
                    "{user} is already an admin"
                )));
            }
            if !self.members.contains_key(user) {
                return Err(DomainError::NotInRoom);
            }
            if record.admins.len() >= MAX_ROOM_ADMINS {
                return Err(DomainError::InvalidArgument(format!(
                    "a chatroom has at most {MAX_ROOM_ADMINS} admins"
                )));
            }
        } else if !record.admins.contains(user) {
            return Err(DomainError::InvalidArgument(format!(
                "{user} is not an admin"
            )));
        }
        if let Some(r) = self.record.as_mut() {
            if admin {
                r.admins.insert(user.to_string());
            } else {
                r.admins.remove(user);
            }
        }
        self.save_record(ctx);
        let devices = self
            .members
            .get(user)
            .map(|m| m.devices.clone())
            .unwrap_or_default();
        self.push_event_to_managers("role_changed", user, &devices);
        Ok(RoomReply::Done)
    }

    /// Mutes users until `until` (ms), or unmutes them with `None`.
    fn mute(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        until: Option<i64>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<RoomReply, DomainError> {
        self.need_manager(actor)?;
        batch_size(&users)?;
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            let r = self.mute_one(&u, until);
            if r.is_ok() {
                let devices = self
                    .members
                    .get(&u)
                    .map(|m| m.devices.clone())
                    .unwrap_or_default();
                let kind = if until.is_some() { "muted" } else { "unmuted" };
                self.push_event_to_managers(kind, &u, &devices);
            }
            out.push((u, r));
        }
        self.save_record(ctx);
        Ok(RoomReply::Users(out))
    }

    fn mute_one(&mut self, user: &str, until: Option<i64>) -> Result<(), DomainError> {
        let Some(r) = self.record.as_mut() else {
            return Err(DomainError::RoomNotFound);
        };
        match until {
            Some(_) if r.owner == user => Err(DomainError::RoomPermission(
                "forbidden operation on chatroom owner".into(),
            )),
            Some(_) if !r.mutes.contains_key(user) && r.mutes.len() >= MAX_ROOM_LIST => {
                Err(DomainError::InvalidArgument("the mute list is full".into()))
            }
            Some(t) => {
                r.mutes.insert(user.to_string(), t);
                Ok(())
            }
            None => match r.mutes.remove(user) {
                Some(_) => Ok(()),
                None => Err(DomainError::InvalidArgument(format!("{user} is not muted"))),
            },
        }
    }
}
