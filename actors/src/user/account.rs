//! Account commands of the User entity: create, read, delete, password. A
//! deleted user's attributes, presence and subscriptions go with it.

use super::{
    CreateUser, Credentials, DeleteUser, GetCredentials, GetOfflineCount, GetStatus, GetUser,
    NewUser, SetPassword, UserRecord, UserState, UserView,
};
use crate::command::Answer;
use crate::error::DomainError;
use crate::events::Event;
use crate::session::{KickReason, Push};
use crate::trees::{
    conversations, dedupe, global_mutes, msg_index, msync_cursors, presence, push_bindings,
    timeline, user_index,
};
use crate::ChatEntity;
use imcloud_shards::StepCtx;

/// Most timeline entries one delete step removes; a user with more keeps
/// the rest until the retention sweep (logged).
const DELETE_SCAN_LIMIT: usize = 1_000_000;

impl UserState {
    pub(super) fn create(&mut self, user: NewUser, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_some() {
            return ctx.answer_now::<CreateUser>(Err(DomainError::UserExists));
        }
        let now = ctx.env().clock.now_ms();
        let record = UserRecord {
            uuid: uuid::Uuid::new_v4().to_string(),
            username: user.username,
            password_hash: user.password_hash,
            created: now,
            modified: now,
            activated: true,
            nickname: user.nickname,
            token_epoch: 0,
            mutes: Default::default(),
            push: Default::default(),
        };
        let app = self.key.app.clone();
        ctx.append_event(&Event::UserCreated {
            app: app.clone(),
            user: record.clone(),
        });
        ctx.save_snapshot(&record);
        ctx.put_raw(
            user_index::key(&app, record.created, &record.username),
            Vec::new(),
        );
        let view = UserView::from(&record);
        self.record = Some(record);
        ctx.answer::<CreateUser>(Ok(view));
    }

    pub(super) fn get(&self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let view = self
            .record
            .as_ref()
            .map(UserView::from)
            .ok_or(DomainError::UserNotFound);
        ctx.answer_now::<GetUser>(view);
    }

    pub(super) fn credentials(&self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let creds = self
            .record
            .as_ref()
            .map(|r| Credentials {
                password_hash: r.password_hash.clone(),
                token_epoch: r.token_epoch,
                activated: r.activated,
                uuid: r.uuid.clone(),
            })
            .ok_or(DomainError::UserNotFound);
        ctx.answer_now::<GetCredentials>(creds);
    }

    pub(super) fn kick_all(&mut self, reason: KickReason, ctx: &mut StepCtx<'_, ChatEntity>) {
        let sessions = std::mem::take(&mut self.sessions);
        ctx.after_commit(move || {
            for s in sessions {
                s.push(Push::Kick { reason });
            }
        });
        self.presence_departed(ctx);
    }

    pub(super) fn delete(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let Some(record) = self.record.take() else {
            return ctx.answer_now::<DeleteUser>(Err(DomainError::UserNotFound));
        };
        let app = self.key.app.clone();
        ctx.append_event(&Event::UserDeleted {
            app: app.clone(),
            username: record.username.clone(),
        });
        ctx.delete(imcloud_shards::entity::snapshot_key(&self.key));
        self.conversations.clear();
        ctx.delete(user_index::key(&app, record.created, &record.username));
        ctx.delete(global_mutes::key(&app, &record.username));
        ctx.delete(timeline::head_key(&self.key));
        ctx.delete(timeline::offline_key(&self.key));
        for prefix in [
            timeline::entry_prefix(&self.key),
            dedupe::prefix(&self.key),
            msg_index::prefix(&self.key),
            conversations::index_prefix(&self.key),
            conversations::record_prefix(&self.key),
            push_bindings::bindings_prefix(&self.key),
            push_bindings::settings_prefix(&self.key),
            msync_cursors::user_prefix(&self.key),
        ] {
            match ctx.store().scan(&prefix, &[], DELETE_SCAN_LIMIT) {
                Ok(entries) => {
                    if entries.len() == DELETE_SCAN_LIMIT {
                        tracing::warn!(user = %self.key, "deleted user has more entries than one step removes");
                    }
                    for (k, _) in entries {
                        ctx.delete(k);
                    }
                }
                Err(e) => return ctx.fail(e),
            }
        }
        self.leave_all_groups(ctx);
        self.forget_contacts(ctx);
        self.drop_attributes(ctx);
        ctx.delete(presence::record_key(&self.key));
        self.drop_subscriptions(ctx);
        self.head = 0;
        self.offline = 0;
        self.push_bindings = None;
        self.kick_all(KickReason::UserDeleted, ctx);
        ctx.answer::<DeleteUser>(Ok(UserView::from(&record)));
    }

    pub(super) fn set_password(
        &mut self,
        password_hash: String,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let now = ctx.env().clock.now_ms();
        let Some(record) = self.record.as_mut() else {
            return ctx.answer_now::<SetPassword>(Err(DomainError::UserNotFound));
        };
        record.password_hash = password_hash;
        record.token_epoch += 1;
        record.modified = now;
        let record = record.clone();
        ctx.append_event(&Event::UserUpdated {
            app: self.key.app.clone(),
            user: record.clone(),
        });
        ctx.save_snapshot(&record);
        self.kick_all(KickReason::PasswordChanged, ctx);
        ctx.answer::<SetPassword>(Ok(()));
    }

    pub(super) fn status(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        self.sessions.retain(|s| !s.is_closed());
        ctx.answer_now::<GetStatus>(Ok(!self.sessions.is_empty()));
    }

    pub(super) fn offline_count(&self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let count = if self.record.is_none() {
            Err(DomainError::UserNotFound)
        } else {
            Ok(self.offline)
        };
        ctx.answer_now::<GetOfflineCount>(count);
    }
}
