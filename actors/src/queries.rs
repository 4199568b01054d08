//! Queries over one shard's keyspace: the parts of app-wide indexes that
//! live in each shard (users, groups and rooms by creation time, rooms by
//! owner). The gateway asks every shard and merges the pages.

use crate::error::DomainError;
use crate::trees::created_index::{self, Listed};
use crate::trees::{room_owners, user_index};
use imcloud_shards::entity::ShardStore;
use imcloud_shards::store::prefix_end;
use imcloud_shards::{ReplyTo, StoreError};
use serde::{Deserialize, Serialize};

crate::commands! {
    /// What a shard is asked about its part of an app-wide index.
    pub enum ShardQuery as Shard {
        ListUsers => Vec<(i64, String)>,
        ListCreated => Vec<(i64, String)>,
        ListOwnedRooms => Vec<String>,
    }
}

/// Up to `limit` users of `app` on the shard created after `after`, in
/// creation order.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListUsers {
    pub app: String,
    pub after: Option<(i64, String)>,
    pub limit: usize,
}

/// Up to `limit` groups or rooms of `app` on the shard created before
/// `before` (exclusive), newest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListCreated {
    pub listed: Listed,
    pub app: String,
    pub before: Option<(i64, String)>,
    pub limit: usize,
}

/// Up to `limit` rooms of `app` on the shard owned by `owner`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListOwnedRooms {
    pub app: String,
    pub owner: String,
    pub limit: usize,
}

fn scan_failed(e: StoreError) -> DomainError {
    tracing::error!(error = %e, "index scan failed");
    DomainError::Internal
}

/// Answers `query` from `store`.
pub fn answer(query: ShardQuery, store: &ShardStore, reply: Option<ReplyTo>) {
    let Some(reply) = reply else { return };
    match query {
        ShardQuery::ListUsers(q) => {
            let prefix = user_index::app_prefix(&q.app);
            let from = q
                .after
                .map(|(c, u)| user_index::resume_from(c, &u))
                .unwrap_or_default();
            let rows: Result<Vec<(i64, String)>, DomainError> = store
                .scan(&prefix, &from, q.limit)
                .map(|rows| {
                    rows.into_iter()
                        .filter_map(|(k, _)| user_index::parse(prefix.len(), &k))
                        .collect()
                })
                .map_err(scan_failed);
            reply.send(rows);
        }
        ShardQuery::ListCreated(q) => {
            let prefix = created_index::app_prefix(q.listed, &q.app);
            let end = match &q.before {
                Some((created, id)) => created_index::key(q.listed, &q.app, *created, id),
                None => prefix_end(&prefix),
            };
            let rows: Result<Vec<(i64, String)>, DomainError> = store
                .keyspace()
                .range_rev(&prefix, &end, q.limit)
                .map(|rows| {
                    rows.into_iter()
                        .filter_map(|(k, _)| created_index::parse(prefix.len(), &k))
                        .collect()
                })
                .map_err(scan_failed);
            reply.send(rows);
        }
        ShardQuery::ListOwnedRooms(q) => {
            let p = room_owners::owner_prefix(&q.app, &q.owner);
            let rows: Result<Vec<String>, DomainError> = store
                .scan(&p, &[], q.limit)
                .map(|rows| {
                    rows.iter()
                        .filter_map(|(k, _)| room_owners::parse(p.len(), k))
                        .collect()
                })
                .map_err(scan_failed);
            reply.send(rows);
        }
    }
}
