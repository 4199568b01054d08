//! Devices of the User entity: attach and detach sockets, and sync of the
//! user's timeline.

use super::UserState;
use crate::command::{answer, Reply, SyncPage, TokenCheck};
use crate::error::DomainError;
use crate::events::Event;
use crate::message::StoredMessage;
use crate::session::{KickReason, Push, SessionRef};
use crate::trees::timeline;
use crate::ChatEntity;
use imcloud_shards::{codec, StepCtx};
use std::sync::Arc;

impl UserState {
    pub(super) fn attach(
        &mut self,
        session: SessionRef,
        token: Option<TokenCheck>,
        reply: Reply<()>,
    ) {
        let Some(record) = &self.record else {
            return answer(reply, Err(DomainError::UserNotFound));
        };
        if !record.activated {
            return answer(reply, Err(DomainError::UserDeactivated));
        }
        if token.is_some_and(|t| t.epoch != record.token_epoch || t.user_uuid != record.uuid) {
            return answer(reply, Err(DomainError::TokenRevoked));
        }
        self.sessions.retain(|s| !s.is_closed());
        // The same device id logging in again replaces the old socket; past
        // the device limit the oldest device goes.
        let mut kicked: Vec<SessionRef> = Vec::new();
        if let Some(i) = self
            .sessions
            .iter()
            .position(|s| s.device == session.device)
        {
            kicked.push(self.sessions.remove(i));
        }
        while self.sessions.len() >= self.limits.max_devices.max(1) {
            kicked.push(self.sessions.remove(0));
        }
        for s in kicked {
            s.push(Push::Kick {
                reason: KickReason::Replaced,
            });
        }
        self.sessions.push(session);
        answer(reply, Ok(()));
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

    pub(super) fn detach(&mut self, session_id: u64) {
        self.sessions
            .retain(|s| s.id != session_id && !s.is_closed());
    }

    pub(super) fn sync(
        &mut self,
        after: u64,
        limit: usize,
        reply: Reply<SyncPage>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        if self.record.is_none() {
            return answer(reply, Err(DomainError::UserNotFound));
        }
        let limit = limit.clamp(1, self.limits.sync_page_max);
        let after = after.min(self.head);
        let raw = match timeline::read_after(ctx.store(), &self.key, after, limit + 1) {
            Ok(raw) => raw,
            Err(e) => {
                tracing::error!(user = %self.key, error = %e, "reading timeline failed");
                return answer(reply, Err(DomainError::Internal));
            }
        };
        let more = raw.len() > limit;
        let mut messages = Vec::with_capacity(raw.len().min(limit));
        for bytes in raw.into_iter().take(limit) {
            match codec::decode::<StoredMessage>(&bytes) {
                Ok(m) => messages.push(Arc::new(m)),
                Err(e) => {
                    tracing::error!(user = %self.key, error = %e, "undecodable timeline entry skipped")
                }
            }
        }
        let cursor = messages.last().map(|m| m.seq).unwrap_or(after);
        if !more && self.offline > 0 {
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
        ctx.after_commit(move || {
            answer(
                reply,
                Ok(SyncPage {
                    messages,
                    cursor,
                    more,
                }),
            )
        });
    }
}
