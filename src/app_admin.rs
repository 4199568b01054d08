//! The operator's app management (`/_admin/apps`, spec §14.5): listing the
//! apps from every shard's part of the list (`imcloud_actors::app_index`),
//! and deleting an app with all its data. Creating one is
//! [`Node::create_app`].
//!
//! A deletion, in order: the App entity marks the record (committed, so
//! from then on every gateway answers the app's calls, token grants and
//! logins as if it did not exist); every shard drops the app's entities
//! and deletes its keys, a bounded step at a time (`imcloud_actors::purge`);
//! blobs no upload names any more are removed; the store is flushed; the
//! record goes last. Cut short by a crash, the app is still listed as
//! `deleting` and deleting it again finishes the job.

use crate::node::Node;
use imcloud_actors::app::{ForgetApp, MarkAppDeleting};
use imcloud_actors::app_index::{AppListed, CountUsers, ListApps, MAX_APPS_PAGE};
use imcloud_actors::ids::AppKey;
use imcloud_actors::purge::{PurgeApp, PurgeProgress};
use imcloud_actors::DomainError;

/// Keys one purge step deletes on a shard.
const PURGE_STEP_BUDGET: usize = 2_000;

/// One page of the app list: the apps after `after`, by app key, with
/// their users counted.
pub struct AppsPage {
    pub apps: Vec<(AppListed, u64)>,
    /// The last app key of the page when more may follow.
    pub next: Option<String>,
}

impl Node {
    /// Up to `limit` apps after `after`, by app key.
    pub async fn list_apps(
        &self,
        after: Option<String>,
        limit: usize,
    ) -> Result<AppsPage, DomainError> {
        let limit = limit.clamp(1, MAX_APPS_PAGE);
        let mut apps: Vec<AppListed> = self
            .ask_every_shard(|| ListApps {
                after: after.clone(),
                // One more tells whether a next page exists.
                limit: limit + 1,
            })
            .await?;
        apps.sort_by(|a, b| a.appkey.cmp(&b.appkey));
        let more = apps.len() > limit;
        apps.truncate(limit);
        let next = if more {
            apps.last().map(|a| a.appkey.clone())
        } else {
            None
        };
        let mut out = Vec::with_capacity(apps.len());
        for app in apps {
            let users = self.count_users(&app.appkey).await?;
            out.push((app, users));
        }
        Ok(AppsPage { apps: out, next })
    }

    /// The app's users over every shard (each shard counts at most
    /// `app_index::MAX_USERS_COUNTED`).
    pub async fn count_users(&self, app: &str) -> Result<u64, DomainError> {
        let waits: Vec<_> = (0..self.shard_count())
            .map(|shard| {
                self.ask_shard(
                    shard,
                    CountUsers {
                        app: app.to_string(),
                    },
                )
            })
            .collect();
        let mut total = 0;
        for n in futures_util::future::join_all(waits).await {
            total += n?;
        }
        Ok(total)
    }

    /// Deletes `app` and every piece of its data; answers once the
    /// deletion is on disk.
    pub async fn delete_app(&self, app: &AppKey) -> Result<(), DomainError> {
        let marked = self.ask(app.entity_key(), MarkAppDeleting).await?;
        // This node refuses the app from now on; the others drop their
        // copy on the bus's word.
        self.apps.remember(marked);
        let purges: Vec<_> = (0..self.shard_count())
            .map(|shard| self.purge_shard(shard, app))
            .collect();
        for done in futures_util::future::join_all(purges).await {
            done?;
        }
        let engine = self.engine().clone();
        tokio::task::spawn_blocking(move || engine.flush())
            .await
            .map_err(|_| DomainError::Internal)?
            .map_err(|e| {
                tracing::error!(error = %e, "flushing an app's deletion failed");
                DomainError::Internal
            })?;
        self.ask(app.entity_key(), ForgetApp).await?;
        self.apps.forget(app);
        tracing::info!(%app, "app deleted");
        Ok(())
    }

    async fn purge_shard(&self, shard: u32, app: &AppKey) -> Result<(), DomainError> {
        let mut from = Vec::new();
        loop {
            let step = PurgeApp {
                app: app.to_string(),
                from,
                budget: PURGE_STEP_BUDGET,
            };
            let p: PurgeProgress = self.ask_shard(shard, step).await?;
            // After the step's batch: the references are gone.
            self.release_blobs(p.released_blobs).await;
            match p.next {
                Some(next) => from = next,
                None => return Ok(()),
            }
        }
    }
}
