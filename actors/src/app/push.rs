//! The App entity's push credentials (§14.4): added or replaced by name
//! (at most [`MAX_CREDENTIALS`]) and deleted; each change saves the
//! record like every other.

use super::{AppState, DeletePushCredential, PutPushCredential};
use crate::command::Answer;
use crate::error::DomainError;
use crate::push::credentials::MAX_CREDENTIALS;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl AppState {
    pub(super) fn put_push_credential(
        &mut self,
        req: PutPushCredential,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let cred = req.credential;
        let put = (|| {
            cred.check().map_err(DomainError::InvalidArgument)?;
            let record = self.record.as_mut().ok_or(DomainError::AppNotFound)?;
            match record
                .push_credentials
                .iter()
                .position(|c| c.name == cred.name)
            {
                Some(at) => record.push_credentials[at] = cred.clone(),
                None if record.push_credentials.len() >= MAX_CREDENTIALS => {
                    return Err(DomainError::InvalidArgument(format!(
                        "an app has at most {MAX_CREDENTIALS} push credentials"
                    )))
                }
                None => record.push_credentials.push(cred.clone()),
            }
            Ok(cred)
        })();
        match put {
            Ok(cred) => {
                let saved = self.save(ctx).map(|_| cred);
                ctx.answer::<PutPushCredential>(saved);
            }
            Err(e) => ctx.answer_now::<PutPushCredential>(Err(e)),
        }
    }

    pub(super) fn delete_push_credential(
        &mut self,
        req: DeletePushCredential,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let Some(record) = self.record.as_mut() else {
            return ctx.answer_now::<DeletePushCredential>(Err(DomainError::AppNotFound));
        };
        let before = record.push_credentials.len();
        record.push_credentials.retain(|c| c.name != req.name);
        if record.push_credentials.len() == before {
            return ctx.answer_now::<DeletePushCredential>(Err(DomainError::CredentialNotFound(
                req.name,
            )));
        }
        let saved = self.save(ctx).map(|_| ());
        ctx.answer::<DeletePushCredential>(saved);
    }
}
