//! The shard-wide query behind the paged list of all groups.

use crate::command::{answer, Reply};
use crate::error::DomainError;
use crate::trees::group_index;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::store::prefix_end;

/// Answers up to `limit` groups of `app` on this shard created before
/// `before` (exclusive), newest first.
pub fn list_groups(
    store: &ShardStore,
    app: &str,
    before: Option<(i64, String)>,
    limit: usize,
    reply: Reply<Vec<(i64, String)>>,
) {
    let prefix = group_index::app_prefix(app);
    let end = match &before {
        Some((created, id)) => group_index::key(app, *created, id),
        None => prefix_end(&prefix),
    };
    let result = store
        .keyspace()
        .range_rev(&prefix, &end, limit)
        .map(|rows| {
            rows.into_iter()
                .filter_map(|(k, _)| group_index::parse(prefix.len(), &k))
                .collect()
        })
        .map_err(|e| {
            tracing::error!(error = %e, "group index scan failed");
            DomainError::Internal
        });
    answer(reply, result);
}
