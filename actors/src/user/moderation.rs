//! The app's moderation of one user, kept in its account record:
//! deactivation (U9/U10: no login, tokens revoked, devices kicked) and
//! app-wide mutes per kind of chat (U18–U20), checked by every send this
//! user makes, whatever API it comes through.

use super::{GetGlobalMutes, SetActivated, SetGlobalMutes, UserState, UserView};
use crate::command::Answer;
use crate::error::DomainError;
use crate::events::Event;
use crate::session::KickReason;
use crate::trees::global_mutes;
use crate::ChatEntity;
use imcloud_shards::{EntityKind, StepCtx};
use serde::{Deserialize, Serialize};

/// The kinds of chat a global mute covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MuteScope {
    Chat,
    GroupChat,
    Chatroom,
}

/// When each app-wide mute of a user ends (ms; 0 = not muted, `i64::MAX`
/// = for good).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalMutes {
    #[serde(default)]
    pub chat: i64,
    #[serde(default)]
    pub groupchat: i64,
    #[serde(default)]
    pub chatroom: i64,
}

impl GlobalMutes {
    pub fn until(&self, scope: MuteScope) -> i64 {
        match scope {
            MuteScope::Chat => self.chat,
            MuteScope::GroupChat => self.groupchat,
            MuteScope::Chatroom => self.chatroom,
        }
    }

    /// Whether any mute is still in force at `now`.
    pub fn any_at(&self, now: i64) -> bool {
        [self.chat, self.groupchat, self.chatroom]
            .iter()
            .any(|&u| u > now)
    }

    /// The mute of the chat a message to an entity of `kind` belongs to.
    pub fn scope_of(kind: EntityKind) -> MuteScope {
        match kind {
            EntityKind::Group => MuteScope::GroupChat,
            EntityKind::Chatroom => MuteScope::Chatroom,
            EntityKind::User | EntityKind::App => MuteScope::Chat,
        }
    }
}

impl UserState {
    /// Refuses a send in `scope` while this user is muted there.
    pub(super) fn check_global_mute(&self, scope: MuteScope, now: i64) -> Result<(), DomainError> {
        match &self.record {
            Some(r) if r.mutes.until(scope) > now => Err(DomainError::UserMuted),
            _ => Ok(()),
        }
    }

    pub(super) fn set_activated(&mut self, req: SetActivated, ctx: &mut StepCtx<'_, ChatEntity>) {
        let now = ctx.env().clock.now_ms();
        let Some(record) = self.record.as_mut() else {
            return ctx.answer_now::<SetActivated>(Err(DomainError::UserNotFound));
        };
        let deactivating = record.activated && !req.on;
        record.activated = req.on;
        record.modified = now;
        if deactivating {
            // Its tokens stop working now, and stay revoked after a later
            // activation: the user logs in again.
            record.token_epoch += 1;
        }
        let record = record.clone();
        ctx.append_event(&Event::UserUpdated {
            app: self.key.app.clone(),
            user: record.clone(),
        });
        ctx.save_snapshot(&record);
        if deactivating {
            self.kick_all(KickReason::Deactivated, ctx);
        }
        ctx.answer::<SetActivated>(Ok(UserView::from(&record)));
    }

    pub(super) fn set_global_mutes(
        &mut self,
        req: SetGlobalMutes,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let now = ctx.env().clock.now_ms();
        let Some(record) = self.record.as_mut() else {
            return ctx.answer_now::<SetGlobalMutes>(Err(DomainError::UserNotFound));
        };
        let m = &mut record.mutes;
        for (slot, until) in [
            (&mut m.chat, req.chat),
            (&mut m.groupchat, req.groupchat),
            (&mut m.chatroom, req.chatroom),
        ] {
            if let Some(until) = until {
                *slot = until;
            }
        }
        // Ended mutes are forgotten, so the record says only what is in
        // force.
        for slot in [&mut m.chat, &mut m.groupchat, &mut m.chatroom] {
            if *slot <= now {
                *slot = 0;
            }
        }
        let mutes = *m;
        let record = record.clone();
        ctx.save_snapshot(&record);
        let index = global_mutes::key(&self.key.app, &self.key.id);
        if mutes.any_at(now) {
            ctx.put(index, &mutes);
        } else {
            ctx.delete(index);
        }
        ctx.answer::<SetGlobalMutes>(Ok(mutes));
    }

    pub(super) fn get_global_mutes(&self, _: GetGlobalMutes, ctx: &mut StepCtx<'_, ChatEntity>) {
        let mutes = self
            .record
            .as_ref()
            .map(|r| r.mutes)
            .ok_or(DomainError::UserNotFound);
        ctx.answer_now::<GetGlobalMutes>(mutes);
    }
}
