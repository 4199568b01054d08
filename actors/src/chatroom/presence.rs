//! Who is present: devices join (answered with the recent messages) and
//! leave (asked, or their socket closed); a member whose last device left
//! is gone. The list of joined devices that messages go to is rebuilt
//! lazily after a change.

use super::{JoinRoom, Joined, RoomState, MAX_ROOM_DEVICES, SCOPE};
use crate::error::DomainError;
use crate::roster::{Audience, EventKind, RosterEvent};
use crate::session::WeakSessionRef;
use crate::ChatEntity;
use imcloud_shards::StepCtx;
use std::sync::Arc;

impl RoomState {
    pub(super) fn join(
        &mut self,
        req: JoinRoom,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<Joined, DomainError> {
        let JoinRoom { user, session } = req;
        let record = self.record()?;
        if record.roster.blocks.contains(&user) {
            return Err(DomainError::Blocked(SCOPE));
        }
        let Some(device) = ctx.env().devices.resolve_weak(&session) else {
            return Err(DomainError::InvalidArgument(
                "the device is no longer connected".into(),
            ));
        };
        if !self.is_member(&user) && self.member_count() >= record.maxusers as usize {
            // Sockets that closed without their leave arriving yet free
            // their places first.
            self.prune_closed();
            let record = self.record()?;
            if self.member_count() >= record.maxusers as usize {
                return Err(DomainError::Full(SCOPE));
            }
        }
        let is_new = !self.members.0.contains_key(&user);
        let member = self.members.0.entry(user.clone()).or_default();
        member
            .devices
            .retain(|d| d.id != device.id && !d.is_closed());
        if member.devices.len() >= MAX_ROOM_DEVICES {
            member.devices.remove(0);
        }
        member.devices.push(device);
        self.devices = None;
        if is_new {
            self.report_muc("presence", &user, ctx);
            self.raise(
                RosterEvent::new(EventKind::MemberJoined, &user, Audience::Managers),
                Vec::new(),
                ctx,
            );
        }
        Ok(Joined {
            recent: self.recent.iter().cloned().collect(),
        })
    }

    pub(super) fn leave(
        &mut self,
        user: &str,
        session: u64,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        self.record()?;
        let Some(member) = self.members.0.get_mut(user) else {
            return Err(DomainError::NotMember(SCOPE));
        };
        let before = member.devices.len();
        member.devices.retain(|d| d.id != session);
        if member.devices.len() == before {
            return Err(DomainError::NotMember(SCOPE));
        }
        self.devices = None;
        if member.devices.is_empty() {
            self.members.0.remove(user);
            // A room's member leaving is Easemob's `absence` (a group's
            // is `leave`).
            self.report_muc("absence", user, ctx);
            self.raise(
                RosterEvent::new(EventKind::MemberLeft, user, Audience::Managers),
                Vec::new(),
                ctx,
            );
        }
        Ok(())
    }

    /// Takes a member out with its devices; returns the devices, so they
    /// can be told why.
    pub(super) fn drop_member(&mut self, user: &str) -> Vec<WeakSessionRef> {
        self.devices = None;
        self.members
            .0
            .remove(user)
            .map(|m| m.devices)
            .unwrap_or_default()
    }

    /// Adds a member without a device (the app's REST add).
    pub(super) fn add_member(&mut self, user: &str) {
        self.members.0.entry(user.to_string()).or_default();
    }

    /// Forgets devices whose sockets closed, and members left without one
    /// that had joined with a device.
    fn prune_closed(&mut self) {
        let mut emptied = Vec::new();
        for (name, m) in self.members.0.iter_mut() {
            let before = m.devices.len();
            m.devices.retain(|d| !d.is_closed());
            if before > 0 && m.devices.is_empty() {
                emptied.push(name.clone());
            }
        }
        for name in emptied {
            self.members.0.remove(&name);
        }
        self.devices = None;
    }

    /// Every joined device (rebuilt after a presence change).
    pub(super) fn devices(&mut self) -> Arc<[WeakSessionRef]> {
        if let Some(d) = &self.devices {
            return d.clone();
        }
        // Sockets whose leave was lost (a full mailbox) go here at the
        // latest.
        self.prune_closed();
        let d: Arc<[WeakSessionRef]> = self
            .members
            .0
            .values()
            .flat_map(|m| m.devices.iter().cloned())
            .collect();
        self.devices = Some(d.clone());
        d
    }
}
