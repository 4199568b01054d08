//! The user's push state (§10.4) at its entity: the tokens its devices
//! bound (`p` keys, read once and kept), its push profile (in its record)
//! and its settings per conversation (`d` keys); and the notification
//! queued (outbox lane 0, in the batch that stores the message) when a
//! message reaches the user with no device online, or, under the app's
//! `any_offline` policy, with a bound device that is not online.

use super::{
    DropPushToken, GetConversationPush, GetPushProfile, ListPushBindings, PushView,
    SetConversationPush, SetPushBinding, SetPushProfile, UserState,
};
use crate::command::Answer;
use crate::error::DomainError;
use crate::events::Event;
use crate::hooks::emit::put_in_lanes;
use crate::hooks::PUSH_LANE;
use crate::message::{ChatType, StoredMessage};
use crate::push::credentials::check_name;
use crate::push::settings::{should_push, MAX_QUIET_MS};
use crate::push::{job, PushBinding, PushJob, PushSetting, PushTarget};
use crate::trees::push_bindings::{self, Conversation};
use crate::ChatEntity;
use imcloud_shards::{codec, StepCtx};

/// Most devices bound per user.
pub const MAX_BINDINGS: usize = 32;
/// Longest device token.
const MAX_TOKEN: usize = 4096;
/// Longest push nickname.
const MAX_NICKNAME: usize = 100;

fn store_failed(e: imcloud_shards::StoreError) -> DomainError {
    tracing::error!(error = %e, "reading push state failed");
    DomainError::Internal
}

impl UserState {
    /// The user's bindings, read from `p` the first time.
    fn bindings(
        &mut self,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<&mut Vec<PushBinding>, DomainError> {
        if self.push_bindings.is_none() {
            let rows = ctx
                .store()
                .scan(
                    &push_bindings::bindings_prefix(&self.key),
                    &[],
                    MAX_BINDINGS * 2,
                )
                .map_err(store_failed)?;
            let list = rows
                .iter()
                .filter_map(|(_, v)| codec::decode::<PushBinding>(v).ok())
                .collect();
            self.push_bindings = Some(list);
        }
        Ok(self.push_bindings.get_or_insert_with(Vec::new))
    }

    pub(super) fn set_push_binding(
        &mut self,
        req: SetPushBinding,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let now = ctx.env().clock.now_ms();
        let key = self.key.clone();
        let result = (|| {
            if self.record.is_none() {
                return Err(DomainError::UserNotFound);
            }
            check_name(&req.device_id).map_err(|_| {
                DomainError::InvalidArgument("device_id must be 1-64 of A-Z a-z 0-9 _ - .".into())
            })?;
            if req.device_token.len() > MAX_TOKEN {
                return Err(DomainError::InvalidArgument(format!(
                    "device_token is longer than {MAX_TOKEN} bytes"
                )));
            }
            let unbind = req.device_token.is_empty();
            if !unbind {
                check_name(&req.notifier_name).map_err(|_| {
                    DomainError::InvalidArgument(
                        "notifier_name must be 1-64 of A-Z a-z 0-9 _ - .".into(),
                    )
                })?;
            }
            let list = self.bindings(ctx)?;
            list.retain(|b| b.device_id != req.device_id);
            let k = push_bindings::binding_key(&key, &req.device_id);
            if unbind {
                ctx.delete(k);
            } else {
                if list.len() >= MAX_BINDINGS {
                    return Err(DomainError::InvalidArgument(format!(
                        "a user binds at most {MAX_BINDINGS} devices"
                    )));
                }
                let b = PushBinding {
                    device_id: req.device_id,
                    notifier_name: req.notifier_name,
                    device_token: req.device_token,
                    updated: now,
                };
                ctx.put(k, &b);
                list.push(b);
            }
            Ok(list.clone())
        })();
        if result.is_err() {
            // What was read may hold a change this step does not make.
            self.push_bindings = None;
        }
        ctx.answer::<SetPushBinding>(result);
    }

    pub(super) fn list_push_bindings(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = match self.record {
            None => Err(DomainError::UserNotFound),
            Some(_) => self.bindings(ctx).map(|l| l.clone()),
        };
        ctx.answer_now::<ListPushBindings>(result);
    }

    pub(super) fn drop_push_token(
        &mut self,
        req: DropPushToken,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let list = match self.bindings(ctx) {
            Ok(list) => list,
            Err(e) => return ctx.answer_now::<DropPushToken>(Err(e)),
        };
        let before = list.len();
        list.retain(|b| !(b.device_id == req.device_id && b.device_token == req.device_token));
        if list.len() < before {
            tracing::info!(user = %self.key, device = %req.device_id, "push token refused by its provider: unbound");
            ctx.delete(push_bindings::binding_key(&self.key, &req.device_id));
        }
        ctx.answer::<DropPushToken>(Ok(()));
    }

    fn push_view(&self) -> Result<PushView, DomainError> {
        let r = self.record.as_ref().ok_or(DomainError::UserNotFound)?;
        Ok(PushView {
            nickname: r.nickname.clone(),
            profile: r.push.clone(),
        })
    }

    pub(super) fn set_push_profile(
        &mut self,
        req: SetPushProfile,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let now = ctx.env().clock.now_ms();
        let Some(record) = self.record.as_mut() else {
            return ctx.answer_now::<SetPushProfile>(Err(DomainError::UserNotFound));
        };
        let mut r = record.clone();
        if let Some(n) = req.nickname {
            if n.chars().count() > MAX_NICKNAME {
                return ctx.answer_now::<SetPushProfile>(Err(DomainError::InvalidArgument(
                    format!("nickname is longer than {MAX_NICKNAME} characters"),
                )));
            }
            r.nickname = (!n.is_empty()).then_some(n);
        }
        if let Some(s) = req.display_style {
            if s > 1 {
                return ctx.answer_now::<SetPushProfile>(Err(DomainError::InvalidArgument(
                    "notification_display_style must be 0 or 1".into(),
                )));
            }
            r.push.display_style = s;
        }
        if let Some(k) = req.kind {
            r.push.app_wide.kind = k;
        }
        if let Some(i) = req.interval {
            r.push.app_wide.interval = i;
        }
        if let Some(ms) = req.quiet_ms {
            if let Err(e) = quiet(&mut r.push.app_wide, ms, now) {
                return ctx.answer_now::<SetPushProfile>(Err(e));
            }
        }
        if let Some(l) = req.language {
            r.push.language = l;
        }
        r.modified = now;
        *record = r.clone();
        ctx.append_event(&Event::UserUpdated {
            app: self.key.app.clone(),
            user: r.clone(),
        });
        ctx.save_snapshot(&r);
        ctx.answer::<SetPushProfile>(self.push_view());
    }

    pub(super) fn get_push_profile(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        ctx.answer_now::<GetPushProfile>(self.push_view());
    }

    fn conversation_setting(
        &self,
        conv: Conversation,
        id: &str,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<Option<PushSetting>, DomainError> {
        let bytes = ctx
            .get(&push_bindings::setting_key(&self.key, conv, id))
            .map_err(store_failed)?;
        Ok(bytes.and_then(|b| codec::decode(&b).ok()))
    }

    pub(super) fn set_conversation_push(
        &mut self,
        req: SetConversationPush,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let now = ctx.env().clock.now_ms();
        let conv = req.conversation;
        let result = (|| {
            if self.record.is_none() {
                return Err(DomainError::UserNotFound);
            }
            let mut s = self
                .conversation_setting(conv.tree(), &conv.id, ctx)?
                .unwrap_or_default();
            if let Some(k) = req.kind {
                s.kind = k;
            }
            if let Some(ms) = req.quiet_ms {
                quiet(&mut s, ms, now)?;
            }
            ctx.put(
                push_bindings::setting_key(&self.key, conv.tree(), &conv.id),
                &s,
            );
            Ok(s)
        })();
        ctx.answer::<SetConversationPush>(result);
    }

    pub(super) fn get_conversation_push(
        &mut self,
        req: GetConversationPush,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let conv = req.conversation;
        let result = match self.record {
            None => Err(DomainError::UserNotFound),
            Some(_) => self
                .conversation_setting(conv.tree(), &conv.id, ctx)
                .map(Option::unwrap_or_default),
        };
        ctx.answer_now::<GetConversationPush>(result);
    }

    /// Queues the notification of `message` (just stored here) if the
    /// app can push, the user has a device to push to, and its settings
    /// let it through. `sender` is what the notification calls the sender.
    pub(super) fn queue_push(
        &mut self,
        message: &StoredMessage,
        sender: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let app = self.key.app.clone();
        let Some(facts) = ctx.env().hooks.push_facts(&app) else {
            return;
        };
        if message.body.get("type").and_then(|t| t.as_str()) == Some("cmd") {
            return;
        }
        let online: Vec<String> = self
            .sessions
            .iter()
            .filter(|s| !s.is_closed())
            .map(|s| s.device().to_string())
            .collect();
        if !online.is_empty() && !facts.push_any_offline {
            return;
        }
        let targets: Vec<PushTarget> = match self.bindings(ctx) {
            Ok(list) => list
                .iter()
                .filter(|b| !online.contains(&b.device_id))
                .map(|b| PushTarget {
                    device_id: b.device_id.clone(),
                    notifier_name: b.notifier_name.clone(),
                    device_token: b.device_token.clone(),
                })
                .collect(),
            Err(_) => return,
        };
        if targets.is_empty() {
            return;
        }
        let (conv, peer) = match message.chat {
            ChatType::Single => (Conversation::User, message.from.as_str()),
            _ => (Conversation::Group, message.to.as_str()),
        };
        let Ok(setting) = self.conversation_setting(conv, peer, ctx) else {
            return;
        };
        let Some(record) = &self.record else { return };
        let now = ctx.env().clock.now_ms();
        let ext = message.ext.as_deref();
        if !should_push(&record.push, setting.as_ref(), ext, &self.key.id, now) {
            return;
        }
        let (title, body) = job::content(&record.push, message, sender);
        let notification = PushJob {
            user: self.key.id.clone(),
            targets,
            title,
            body,
            badge: self.offline.max(1),
            msg_id: message.msg_id,
            from: message.from.clone(),
            chat: message.chat,
            conversation: peer.to_string(),
            at: now,
        };
        put_in_lanes(ctx, &app, &[PUSH_LANE], &notification);
    }
}

/// Sets `s` quiet for `ms` from `now` (0 ends a quiet time).
fn quiet(s: &mut PushSetting, ms: u64, now: i64) -> Result<(), DomainError> {
    if ms > MAX_QUIET_MS {
        return Err(DomainError::InvalidArgument(format!(
            "ignoreDuration must be 0-{MAX_QUIET_MS} ms"
        )));
    }
    s.quiet_ms = ms;
    s.quiet_until = if ms == 0 { 0 } else { now + ms as i64 };
    Ok(())
}
