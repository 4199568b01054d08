//! The shard-wide query behind the paged lists of all groups and all
//! chatrooms (see [`super::created_index`]).

use super::created_index::{self, Listed};
use crate::command::{answer, Reply};
use crate::error::DomainError;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::store::prefix_end;

/// Answers up to `limit` groups or rooms of `app` on this shard created
/// before `before` (exclusive), newest first.
pub fn list_created(
    store: &ShardStore,
    listed: Listed,
    app: &str,
    before: Option<(i64, String)>,
    limit: usize,
    reply: Reply<Vec<(i64, String)>>,
) {
    let prefix = created_index::app_prefix(listed, app);
    let end = match &before {
        Some((created, id)) => created_index::key(listed, app, *created, id),
        None => prefix_end(&prefix),
    };
    let result = store
        .keyspace()
        .range_rev(&prefix, &end, limit)
        .map(|rows| {
            rows.into_iter()
                .filter_map(|(k, _)| created_index::parse(prefix.len(), &k))
                .collect()
        })
        .map_err(|e| {
            tracing::error!(error = %e, "created-index scan failed");
            DomainError::Internal
        });
    answer(reply, result);
}
