//! The list of apps, for the operator (`GET /_admin/apps`), read from what
//! every app already has on disk: its App entity's snapshot (the key
//! `E app 0 a 0`), the first key of the app's snapshots (the App tag sorts
//! before the user, group and room tags). A shard lists the apps whose
//! App entity it holds with one range read per app it has data of,
//! skipping each app's other snapshots, so apps made before this list
//! existed are found with no migration, and a record committed with the
//! app's creation is its entry in the list. The gateway merges the
//! shards' pages by app key.

use crate::app::AppRecord;
use crate::error::DomainError;
use crate::trees::families::SNAPSHOT;
use crate::trees::user_index;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::store::prefix_end;
use imcloud_shards::{codec, EntityKey, EntityKind};
use serde::{Deserialize, Serialize};

/// Most apps one page lists.
pub const MAX_APPS_PAGE: usize = 1_000;
/// Most users of one app counted on one shard (a count at the cap is a
/// lower bound).
pub const MAX_USERS_COUNTED: usize = 100_000;

/// Up to `limit` apps with their App entity on the shard whose key is
/// after `after`, by app key.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListApps {
    pub after: Option<String>,
    pub limit: usize,
}

/// An app as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppListed {
    pub appkey: String,
    pub created: i64,
    pub deleting: bool,
}

/// How many users of `app` the shard holds (at most
/// [`MAX_USERS_COUNTED`]).
#[derive(Debug, Serialize, Deserialize)]
pub struct CountUsers {
    pub app: String,
}

fn failed(e: imcloud_shards::StoreError) -> DomainError {
    tracing::error!(error = %e, "listing apps failed");
    DomainError::Internal
}

pub fn list(q: &ListApps, store: &ShardStore) -> Result<Vec<AppListed>, DomainError> {
    let limit = q.limit.clamp(1, MAX_APPS_PAGE + 1);
    let family_end = prefix_end(&[SNAPSHOT]);
    let mut cursor = vec![SNAPSHOT];
    if let Some(after) = &q.after {
        // Past every snapshot of `after`.
        cursor.extend_from_slice(after.as_bytes());
        cursor.push(1);
    }
    let mut out = Vec::new();
    while out.len() < limit {
        let Some((k, v)) = store
            .keyspace()
            .range(&cursor, &family_end, 1)
            .map_err(failed)?
            .pop()
        else {
            break;
        };
        let Some((key, _)) = k.get(1..).and_then(EntityKey::read_bytes) else {
            // Not an entity key: step over it.
            cursor = k;
            cursor.push(0);
            continue;
        };
        if key.kind == EntityKind::App {
            match codec::decode::<AppRecord>(&v) {
                Ok(r) => out.push(AppListed {
                    appkey: key.app.clone(),
                    created: r.created,
                    deleting: r.deleting,
                }),
                Err(e) => tracing::error!(app = %key.app, error = %e, "undecodable app record"),
            }
        }
        cursor = vec![SNAPSHOT];
        cursor.extend_from_slice(key.app.as_bytes());
        cursor.push(1);
    }
    Ok(out)
}

pub fn count_users(q: &CountUsers, store: &ShardStore) -> Result<u64, DomainError> {
    let rows = store
        .scan(&user_index::app_prefix(&q.app), &[], MAX_USERS_COUNTED)
        .map_err(failed)?;
    Ok(rows.len() as u64)
}
