//! The App entity's list of sensitive words: added and removed in bulk,
//! read in pages (the gateways compile it; every change moves the app
//! record's version, so their compiled copies are dropped).

use super::{AddWords, AppState, ListWords, RemoveWords, WordsChanged};
use crate::command::Answer;
use crate::error::DomainError;
use crate::trees::sensitive_words;
use crate::words::{normalize, MAX_WORDS_PER_APP, MAX_WORDS_PER_CALL};
use crate::ChatEntity;
use imcloud_shards::StepCtx;
use std::collections::BTreeSet;

/// Most words one page lists.
pub const MAX_WORDS_PAGE: usize = 10_000;

/// The distinct normal forms of `words`, or the first bad one.
fn normal_set(words: &[String]) -> Result<BTreeSet<String>, DomainError> {
    if words.is_empty() || words.len() > MAX_WORDS_PER_CALL {
        return Err(DomainError::InvalidArgument(format!(
            "words must hold 1-{MAX_WORDS_PER_CALL} words"
        )));
    }
    words.iter().map(|w| normalize(w)).collect()
}

impl AppState {
    fn unchanged(&self) -> Result<WordsChanged, DomainError> {
        let record = self.record.clone().ok_or(DomainError::AppNotFound)?;
        Ok(WordsChanged { count: 0, record })
    }

    fn word_exists(
        &self,
        app: &str,
        word: &str,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<bool, DomainError> {
        ctx.get(&sensitive_words::key(app, word))
            .map(|v| v.is_some())
            .map_err(|e| {
                tracing::error!(error = %e, "reading a sensitive word failed");
                DomainError::Internal
            })
    }

    pub(super) fn add_words(&mut self, req: AddWords, ctx: &mut StepCtx<'_, ChatEntity>) {
        let added = (|| {
            let record = self.record.as_ref().ok_or(DomainError::AppNotFound)?;
            let app = record.appkey.clone();
            let mut new = Vec::new();
            for w in normal_set(&req.words)? {
                if !self.word_exists(&app, &w, ctx)? {
                    new.push(w);
                }
            }
            if record.word_count as usize + new.len() > MAX_WORDS_PER_APP {
                return Err(DomainError::InvalidArgument(format!(
                    "an app lists at most {MAX_WORDS_PER_APP} sensitive words"
                )));
            }
            for w in &new {
                ctx.put_raw(sensitive_words::key(&app, w), Vec::new());
            }
            Ok(new.len())
        })();
        match added {
            Ok(0) => ctx.answer_now::<AddWords>(self.unchanged()),
            Ok(n) => {
                if let Some(r) = self.record.as_mut() {
                    r.word_count += n as u64;
                }
                let saved = self
                    .save(ctx)
                    .map(|record| WordsChanged { count: n, record });
                ctx.answer::<AddWords>(saved);
            }
            Err(e) => ctx.answer_now::<AddWords>(Err(e)),
        }
    }

    pub(super) fn remove_words(&mut self, req: RemoveWords, ctx: &mut StepCtx<'_, ChatEntity>) {
        let removed = (|| {
            let record = self.record.as_ref().ok_or(DomainError::AppNotFound)?;
            let app = record.appkey.clone();
            let mut gone = 0;
            for w in normal_set(&req.words)? {
                if self.word_exists(&app, &w, ctx)? {
                    ctx.delete(sensitive_words::key(&app, &w));
                    gone += 1;
                }
            }
            Ok(gone)
        })();
        match removed {
            Ok(0) => ctx.answer_now::<RemoveWords>(self.unchanged()),
            Ok(n) => {
                if let Some(r) = self.record.as_mut() {
                    r.word_count = r.word_count.saturating_sub(n as u64);
                }
                let saved = self
                    .save(ctx)
                    .map(|record| WordsChanged { count: n, record });
                ctx.answer::<RemoveWords>(saved);
            }
            Err(e) => ctx.answer_now::<RemoveWords>(Err(e)),
        }
    }

    pub(super) fn list_words(&self, req: ListWords, ctx: &mut StepCtx<'_, ChatEntity>) {
        let listed = (|| {
            let record = self.record.as_ref().ok_or(DomainError::AppNotFound)?;
            let prefix = sensitive_words::app_prefix(&record.appkey);
            let mut from = req.after.unwrap_or_default().into_bytes();
            if !from.is_empty() {
                // Strictly after the word named.
                from.push(0);
            }
            let rows = ctx
                .store()
                .scan(&prefix, &from, req.limit.clamp(1, MAX_WORDS_PAGE))
                .map_err(|e| {
                    tracing::error!(error = %e, "listing sensitive words failed");
                    DomainError::Internal
                })?;
            Ok(rows
                .iter()
                .filter_map(|(k, _)| sensitive_words::parse(prefix.len(), k))
                .collect())
        })();
        ctx.answer_now::<ListWords>(listed);
    }
}
