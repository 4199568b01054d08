//! An app's deletion by the operator, as its App entity sees it: first the
//! record is marked (`deleting`), so every gateway refuses the app while
//! the shards remove its data (`purge.rs`); then the record itself goes.
//! The record goes last so that a deletion cut short by a crash leaves an
//! app that is still listed, marked, and can be deleted again, never data
//! without a record that a new app of the same key would inherit.

use super::{AppChanged, AppState, ForgetApp, MarkAppDeleting};
use crate::command::Answer;
use crate::error::DomainError;
use crate::ChatEntity;
use imcloud_shards::entity::snapshot_key;
use imcloud_shards::StepCtx;

impl AppState {
    pub(super) fn mark_deleting(&mut self, _: MarkAppDeleting, ctx: &mut StepCtx<'_, ChatEntity>) {
        let Some(record) = self.record.as_mut() else {
            return ctx.answer_now::<MarkAppDeleting>(Err(DomainError::AppNotFound));
        };
        record.deleting = true;
        let saved = self.save(ctx);
        ctx.answer::<MarkAppDeleting>(saved);
    }

    pub(super) fn forget(&mut self, _: ForgetApp, ctx: &mut StepCtx<'_, ChatEntity>) {
        let Some(record) = self.record.take() else {
            return ctx.answer_now::<ForgetApp>(Err(DomainError::AppNotFound));
        };
        if !record.deleting {
            self.record = Some(record);
            return ctx.answer_now::<ForgetApp>(Err(DomainError::InvalidArgument(
                "only an app being deleted is forgotten".into(),
            )));
        }
        ctx.delete(snapshot_key(ctx.key()));
        // Gateways drop their copy; a new app of this key starts at a
        // higher version (`created` in it), so no cache keeps this one.
        let changed = AppChanged {
            appkey: record.appkey,
            version: record.version.saturating_add(1),
        };
        let bus = ctx.env().app_changes.clone();
        ctx.after_commit(move || bus.publish(&changed));
        ctx.answer::<ForgetApp>(Ok(()));
    }
}
