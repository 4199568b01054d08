//! Recalling a room message: by its sender, the room's owner or an admin,
//! or the app (REST), within the window. A room keeps no timeline: the
//! message is found in the app's archive by its id's time, its archived
//! copy goes (so it leaves the export), it leaves the recent messages a
//! joiner gets, and every device present is pushed `recall`.

use super::fanout::FanoutJob;
use super::{RecallInRoom, RoomState, SCOPE};
use crate::chatroom::Priority;
use crate::command::Answer;
use crate::conversation::{attachment_url, is_countable, RecallPush};
use crate::error::{DomainError, RecallRefusal};
use crate::ids::ms_of_id;
use crate::message::{ChatType, StoredMessage};
use crate::roster::Actor;
use crate::session::Push;
use crate::trees::archive;
use crate::ChatEntity;
use imcloud_shards::{codec, StepCtx};
use std::sync::Arc;

/// How much earlier than its id's time a message may be stamped (ids
/// borrow from later milliseconds past 4,096 a millisecond), ms.
const ID_LEAD_MS: i64 = 5_000;
/// Most archived entries read looking for one message.
const MAX_SCANNED: usize = 8_192;
const NOT_FOUND: DomainError = DomainError::Recall(RecallRefusal::NotFound);

impl RoomState {
    pub(super) fn recall(&mut self, req: RecallInRoom, ctx: &mut StepCtx<'_, ChatEntity>) {
        let m = match self.recallable(&req, ctx) {
            Ok(m) => m,
            Err(e) => return ctx.answer_now::<RecallInRoom>(Err(e)),
        };
        archive::delete(&self.key.app, &m, ctx);
        let (from, to, recalled) = (m.from.clone(), self.key.id.clone(), m.msg_id);
        crate::hooks::emit_new(ctx, &self.key.app, |event_id| {
            crate::hooks::HookEvent::Recall {
                chat: ChatType::Chatroom,
                from,
                to,
                recalled,
                event_id,
            }
        });
        self.recent.retain(|r| r.msg_id != m.msg_id);
        tracing::debug!(room = %self.key, msg_id = m.msg_id, "room message recalled");
        let push = Push::Recall(Arc::new(RecallPush {
            msg_id: m.msg_id,
            chat: ChatType::Chatroom,
            from: m.from.clone(),
            to: self.key.id.clone(),
        }));
        let devices = self.devices();
        self.fanout.enqueue(FanoutJob {
            devices,
            push,
            priority: Priority::High,
            skip_session: None,
        });
        ctx.answer::<RecallInRoom>(Ok(attachment_url(&m)));
    }

    fn recallable(
        &self,
        req: &RecallInRoom,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<StoredMessage, DomainError> {
        let roster = &self
            .record
            .as_ref()
            .ok_or(DomainError::NotFound(SCOPE))?
            .roster;
        let m = self.archived(req.msg_id, ctx)?.ok_or(NOT_FOUND)?;
        let own = matches!(&req.by, Actor::User(u) if *u == m.from);
        if !is_countable(&m) || !(own || roster.is_manager(&req.by)) {
            return Err(DomainError::Recall(RecallRefusal::NotAllowed));
        }
        req.window.check(m.ts, ctx.env().clock.now_ms())?;
        Ok(m)
    }

    /// This room's archived message `msg_id`, looked for from its id's
    /// time back by [`ID_LEAD_MS`].
    fn archived(
        &self,
        msg_id: u64,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Option<StoredMessage>, DomainError> {
        let failed = |e| {
            tracing::error!(room = %self.key, error = %e, "reading the archive failed");
            DomainError::Internal
        };
        let at = ms_of_id(msg_id);
        let mut start = archive::key(&self.key.app, at - ID_LEAD_MS, 0);
        let end = archive::key(&self.key.app, at + 1, 0);
        let prefix_len = archive::app_prefix(&self.key.app).len();
        let mut scanned = 0;
        while scanned < MAX_SCANNED {
            let rows = ctx
                .store()
                .keyspace()
                .range(&start, &end, 512)
                .map_err(failed)?;
            let Some((last, _)) = rows.last() else {
                return Ok(None);
            };
            scanned += rows.len();
            let found = rows
                .iter()
                .find(|(k, _)| archive::parse(prefix_len, k).is_some_and(|(_, id)| id == msg_id));
            if let Some((_, v)) = found {
                let m = codec::decode::<StoredMessage>(v).map_err(|_| DomainError::Internal)?;
                // The same id in another conversation cannot be: ids are
                // unique; still, only this room's.
                return Ok((m.chat == ChatType::Chatroom && m.to == self.key.id).then_some(m));
            }
            start = last.clone();
            start.push(0);
        }
        Ok(None)
    }
}
