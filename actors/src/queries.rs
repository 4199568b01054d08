//! Queries over one shard's keyspace: the parts of app-wide indexes that
//! live in each shard (users, groups and rooms by creation time, rooms by
//! owner, the message archive by time, which blobs uploads name, users
//! muted app-wide, the bytes the app's user attributes take), and the
//! outbox's lanes (`hooks/queue.rs`), the apps (`app_index.rs`). The
//! gateway asks every shard and merges the pages. Shard commands that
//! write: a step of the retention sweep (`retention.rs`), the outbox's
//! deletions, a step of deleting an app's data (`purge.rs`).

pub use crate::app_index::{CountUsers, ListApps};
use crate::error::DomainError;
pub use crate::hooks::queue::{OutboxDelete, OutboxLanes, OutboxPage, OutboxPurge};
use crate::message::StoredMessage;
pub use crate::purge::PurgeApp;
pub use crate::retention::SweepStep;
use crate::trees::created_index::{self, Listed};
use crate::trees::{archive, attributes, files, global_mutes, room_owners, user_index};
use crate::user::moderation::GlobalMutes;
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
        ArchivePage => Vec<StoredMessage>,
        SweepStep => crate::retention::SweepProgress,
        NamedBlobs => Vec<String>,
        ListGlobalMutes => Vec<(String, GlobalMutes)>,
        AttributeBytes => u64,
        OutboxPage => Vec<crate::hooks::queue::OutboxEntry>,
        OutboxDelete => usize,
        OutboxPurge => usize,
        OutboxLanes => crate::hooks::queue::LanesPage,
        ListApps => Vec<crate::app_index::AppListed>,
        CountUsers => u64,
        PurgeApp => crate::purge::PurgeProgress,
    }
}

/// Up to `limit` users of `app` on the shard muted app-wide, by name.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListGlobalMutes {
    pub app: String,
    pub limit: usize,
}

/// Bytes the attributes of `app`'s users on the shard take (keys and
/// values): the shard's count, kept by every attribute change.
#[derive(Debug, Serialize, Deserialize)]
pub struct AttributeBytes {
    pub app: String,
}

/// Which of `shas` (at most [`NAMED_BLOBS_MAX`]) an upload record on
/// the shard names.
#[derive(Debug, Serialize, Deserialize)]
pub struct NamedBlobs {
    pub shas: Vec<String>,
}

pub const NAMED_BLOBS_MAX: usize = 1_000;

/// Most messages of one [`ArchivePage`].
pub const ARCHIVE_PAGE_MAX: usize = 1_000;

/// Up to `limit` archived messages of `app` on the shard with a time in
/// `[from_ts, until_ts)`, after the position `after` (ts, msg_id) if
/// given, oldest first.
#[derive(Debug, Serialize, Deserialize)]
pub struct ArchivePage {
    pub app: String,
    pub from_ts: i64,
    pub until_ts: i64,
    pub after: Option<(i64, u64)>,
    pub limit: usize,
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
        ShardQuery::ArchivePage(q) => reply.send(archive_page(&q, store)),
        ShardQuery::AttributeBytes(q) => {
            let bytes = store
                .get(&attributes::bytes_key(&q.app))
                .map(|v| attributes::parse_bytes(v.as_deref()))
                .map_err(scan_failed);
            reply.send(bytes);
        }
        ShardQuery::NamedBlobs(q) => {
            let named: Result<Vec<String>, DomainError> = q
                .shas
                .into_iter()
                .take(NAMED_BLOBS_MAX)
                .filter_map(|sha| match store.scan(&files::blob_prefix(&sha), &[], 1) {
                    Ok(rows) if rows.is_empty() => None,
                    Ok(_) => Some(Ok(sha)),
                    Err(e) => Some(Err(scan_failed(e))),
                })
                .collect();
            reply.send(named);
        }
        ShardQuery::ListGlobalMutes(q) => {
            let prefix = global_mutes::app_prefix(&q.app);
            let rows: Result<Vec<(String, GlobalMutes)>, DomainError> = store
                .scan(&prefix, &[], q.limit)
                .map(|rows| {
                    rows.into_iter()
                        .filter_map(|(k, v)| {
                            let user = global_mutes::parse(prefix.len(), &k)?;
                            imcloud_shards::codec::decode(&v).ok().map(|m| (user, m))
                        })
                        .collect()
                })
                .map_err(scan_failed);
            reply.send(rows);
        }
        ShardQuery::OutboxPage(q) => reply.send(crate::hooks::queue::page(&q, store)),
        // The outbox's deletions write too: see `hooks/queue.rs`.
        ShardQuery::OutboxDelete(q) => reply.send(crate::hooks::queue::delete(&q, store)),
        ShardQuery::OutboxPurge(q) => reply.send(crate::hooks::queue::purge(&q, store)),
        ShardQuery::OutboxLanes(q) => reply.send(crate::hooks::queue::lanes(&q, store)),
        // A shard command that writes: see `retention.rs`.
        ShardQuery::SweepStep(q) => reply.send(crate::retention::step(&q, store)),
        ShardQuery::ListApps(q) => reply.send(crate::app_index::list(&q, store)),
        ShardQuery::CountUsers(q) => reply.send(crate::app_index::count_users(&q, store)),
        // Writes too, after the shard dropped the app's entities: see
        // `purge.rs`.
        ShardQuery::PurgeApp(q) => reply.send(crate::purge::step(&q, store)),
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

fn archive_page(q: &ArchivePage, store: &ShardStore) -> Result<Vec<StoredMessage>, DomainError> {
    let prefix = archive::app_prefix(&q.app);
    let mut start = prefix.clone();
    match q.after {
        // Just past `after`: its id + 1 at the same time.
        Some((ts, id)) => match id.checked_add(1) {
            Some(next) => start.extend_from_slice(&archive::position(ts, next)),
            None => start.extend_from_slice(&archive::position(ts.saturating_add(1), 0)),
        },
        None => start.extend_from_slice(&archive::position(q.from_ts, 0)),
    }
    let mut end = prefix;
    end.extend_from_slice(&archive::position(q.until_ts, 0));
    let rows = store
        .keyspace()
        .range(&start, &end, q.limit.min(ARCHIVE_PAGE_MAX))
        .map_err(scan_failed)?;
    Ok(rows
        .iter()
        .filter_map(
            |(k, v)| match imcloud_shards::codec::decode::<StoredMessage>(v) {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::error!(key = ?k, error = %e, "undecodable archived message skipped");
                    None
                }
            },
        )
        .collect())
}
