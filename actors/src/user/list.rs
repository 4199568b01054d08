//! The shard-wide query behind the paged user list.

use crate::command::{answer, Reply};
use crate::error::DomainError;
use crate::trees::user_index;
use imcloud_shards::entity::ShardStore;

/// Answers up to `limit` users of `app` on this shard after `after`, in
/// creation order.
pub fn list_users(
    store: &ShardStore,
    app: &str,
    after: Option<(i64, String)>,
    limit: usize,
    reply: Reply<Vec<(i64, String)>>,
) {
    let prefix = user_index::app_prefix(app);
    let from = after
        .map(|(c, u)| user_index::resume_from(c, &u))
        .unwrap_or_default();
    let result = store
        .scan(&prefix, &from, limit)
        .map(|rows| {
            rows.into_iter()
                .filter_map(|(k, _)| user_index::parse(prefix.len(), &k))
                .collect()
        })
        .map_err(|e| {
            tracing::error!(error = %e, "user index scan failed");
            DomainError::Internal
        });
    answer(reply, result);
}
