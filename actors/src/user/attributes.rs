//! The user's attributes at its entity: read, set (whole or not at all),
//! delete. Each change moves the shard's count of the app's attribute
//! bytes in the same batch, so the app's capacity is a sum over shards.

use super::{DeleteAttributes, GetAttributes, SetAttributes, UserState};
use crate::attributes::{self, Attributes};
use crate::command::Answer;
use crate::error::DomainError;
use crate::trees::attributes as tree;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl UserState {
    /// The stored attributes (none stored: empty).
    fn stored_attributes(&self, ctx: &StepCtx<'_, ChatEntity>) -> Result<Attributes, DomainError> {
        match ctx.get(&tree::key(&self.key)) {
            Ok(None) => Ok(Attributes::new()),
            Ok(Some(v)) => imcloud_shards::codec::decode(&v).map_err(|e| {
                tracing::error!(user = %self.key, error = %e, "stored attributes do not decode");
                DomainError::Internal
            }),
            Err(e) => {
                tracing::error!(user = %self.key, error = %e, "reading attributes failed");
                Err(DomainError::Internal)
            }
        }
    }

    /// Stages `next` in place of `before` and moves the shard's count.
    fn write_attributes(
        &self,
        before: &Attributes,
        next: &Attributes,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let key = tree::key(&self.key);
        if next.is_empty() {
            ctx.delete(key);
        } else {
            ctx.put(key, next);
        }
        let count_key = tree::bytes_key(&self.key.app);
        let count = match ctx.get(&count_key) {
            Ok(v) => tree::parse_bytes(v.as_deref()),
            Err(e) => return ctx.fail(e),
        };
        let count =
            (count + attributes::size(next) as u64).saturating_sub(attributes::size(before) as u64);
        ctx.put_raw(count_key, count.to_be_bytes().to_vec());
    }

    pub(super) fn get_attributes(&self, req: GetAttributes, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<GetAttributes>(Err(DomainError::UserNotFound));
        }
        let result = self
            .stored_attributes(ctx)
            .map(|a| attributes::select(a, &req.keys));
        // After the flush: an earlier set may not be on disk yet.
        ctx.answer::<GetAttributes>(result);
    }

    pub(super) fn set_attributes(&self, req: SetAttributes, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<SetAttributes>(Err(DomainError::UserNotFound));
        }
        let before = match self.stored_attributes(ctx) {
            Ok(a) => a,
            Err(e) => return ctx.answer_now::<SetAttributes>(Err(e)),
        };
        let next = match attributes::patched(&before, &req.patch) {
            Ok(next) => next,
            Err(e) => return ctx.answer_now::<SetAttributes>(Err(e)),
        };
        self.write_attributes(&before, &next, ctx);
        ctx.answer::<SetAttributes>(Ok(next));
    }

    pub(super) fn delete_attributes(&self, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<DeleteAttributes>(Err(DomainError::UserNotFound));
        }
        self.drop_attributes(ctx);
        ctx.answer::<DeleteAttributes>(Ok(()));
    }

    /// Stages the deletion of every attribute (the user is deleted, or
    /// asked to delete them).
    pub(super) fn drop_attributes(&self, ctx: &mut StepCtx<'_, ChatEntity>) {
        match self.stored_attributes(ctx) {
            Ok(before) if before.is_empty() => {}
            Ok(before) => self.write_attributes(&before, &Attributes::new(), ctx),
            Err(_) => {
                // Unreadable (logged): delete the key without moving the count.
                ctx.delete(tree::key(&self.key));
            }
        }
    }
}
