//! Devices of the User entity: attach and detach sockets, list them, log
//! them out, and sync of the user's timeline. Each attach and departure
//! is a presence change (`presence.rs`) and a `user_status` post-send
//! event.

use super::{Attach, Disconnect, ListDevices, SyncUser, UserState};
use crate::command::Answer;
use crate::error::DomainError;
use crate::events::Event;
use crate::hooks::{HookEvent, StatusReason};
use crate::session::{KickReason, Push, SessionRef};
use crate::trees::timeline;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl UserState {
    pub(super) fn attach(&mut self, req: Attach, ctx: &mut StepCtx<'_, ChatEntity>) {
        let addr = req.session.clone();
        let mut kicked = Vec::new();
        let result = self.attach_session(req, ctx, &mut kicked);
        let attached = result.is_ok();
        ctx.answer_now::<Attach>(result);
        if attached {
            for device in kicked {
                self.report_status(device, false, StatusReason::Replaced, ctx);
            }
            if let Some(device) = self.sessions.last().map(|s| s.device().to_string()) {
                self.report_status(device, true, StatusReason::Login, ctx);
            }
            self.presence_attached(&addr, ctx);
        }
    }

    /// Queues a `user_status` post-send event of `device`.
    fn report_status(
        &self,
        device: String,
        online: bool,
        reason: StatusReason,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let user = self.key.id.clone();
        crate::hooks::emit_new(ctx, &self.key.app, |event_id| HookEvent::UserStatus {
            user,
            device,
            online,
            reason,
            event_id,
        });
    }

    fn attach_session(
        &mut self,
        req: Attach,
        ctx: &StepCtx<'_, ChatEntity>,
        kicked_devices: &mut Vec<String>,
    ) -> Result<(), DomainError> {
        let Some(record) = &self.record else {
            return Err(DomainError::UserNotFound);
        };
        if !record.activated {
            return Err(DomainError::UserDeactivated);
        }
        if req
            .token
            .is_some_and(|t| t.epoch != record.token_epoch || t.user_uuid != record.uuid)
        {
            return Err(DomainError::TokenRevoked);
        }
        let Some(session) = ctx.env().devices.resolve(&req.session) else {
            return Err(DomainError::InvalidArgument(
                "the device is no longer connected".into(),
            ));
        };
        self.sessions.retain(|s| !s.is_closed());
        // The same device id logging in again replaces the old socket; past
        // the device limit the oldest device goes.
        let mut kicked: Vec<SessionRef> = Vec::new();
        if let Some(i) = self
            .sessions
            .iter()
            .position(|s| s.device() == session.device())
        {
            kicked.push(self.sessions.remove(i));
        }
        while self.sessions.len() >= req.max_devices.max(1) {
            kicked.push(self.sessions.remove(0));
        }
        for s in kicked {
            kicked_devices.push(s.device().to_string());
            s.push(Push::Kick {
                reason: KickReason::Replaced,
            });
        }
        self.sessions.push(session);
        Ok(())
    }

    /// The entity failed and is being dropped: its devices reconnect and
    /// resync from what is on disk, so nothing pushed in between is missed.
    pub fn kick_after_restart(self) {
        for s in self.sessions {
            s.push(Push::Kick {
                reason: KickReason::Restarted,
            });
        }
    }

    pub(super) fn list_devices(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<ListDevices>(Err(DomainError::UserNotFound));
        }
        self.sessions.retain(|s| !s.is_closed());
        let devices = self
            .sessions
            .iter()
            .map(|s| s.device().to_string())
            .collect();
        ctx.answer_now::<ListDevices>(Ok(devices));
    }

    /// Kicks `device` (or every device): the socket closes on the push; it
    /// may log in again (its token still holds).
    pub(super) fn disconnect(&mut self, device: Option<String>, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<Disconnect>(Err(DomainError::UserNotFound));
        }
        let (gone, kept): (Vec<SessionRef>, Vec<SessionRef>) = std::mem::take(&mut self.sessions)
            .into_iter()
            .partition(|s| device.as_deref().is_none_or(|d| s.device() == d));
        self.sessions = kept;
        for s in &gone {
            s.push(Push::Kick {
                reason: KickReason::ForcedLogout,
            });
        }
        ctx.answer_now::<Disconnect>(Ok(gone.len()));
        for s in &gone {
            self.report_status(s.device().to_string(), false, StatusReason::Logout, ctx);
        }
        self.presence_departed(ctx);
    }

    pub(super) fn detach(&mut self, session: u64, ctx: &mut StepCtx<'_, ChatEntity>) {
        let leaving = self
            .sessions
            .iter()
            .find(|s| s.id() == session)
            .map(|s| s.device().to_string());
        self.sessions
            .retain(|s| s.id() != session && !s.is_closed());
        if let Some(device) = leaving {
            self.report_status(device, false, StatusReason::Logout, ctx);
        }
        self.presence_departed(ctx);
    }

    pub(super) fn sync(&mut self, req: SyncUser, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<SyncUser>(Err(DomainError::UserNotFound));
        }
        let limit = req.limit.clamp(1, self.limits.sync_page_max);
        let after = req.after.min(self.head);
        let page = timeline::page_after(ctx.store(), &self.key, after, limit);
        if page.as_ref().is_ok_and(|p| !p.more) && self.offline > 0 {
            self.offline = 0;
            ctx.append_event(&Event::OfflineSynced {
                stream: self.key.to_string(),
            });
            ctx.put_raw(
                timeline::offline_key(&self.key),
                0u64.to_be_bytes().to_vec(),
            );
        }
        // Released after the flush, so a device never sees a message that a
        // crash could still take back.
        ctx.answer::<SyncUser>(page);
    }
}
