//! `sync`: what the device missed. The device names the last seq it holds
//! per stream: `"user"` is the user's own timeline, `"group:<id>"` a
//! group's. Groups the device does not name are synced from the user's
//! join seq (the user's entity lists its groups; each group checks
//! membership and the join-seq floor itself). The result has the newer
//! messages (per stream oldest first), the new cursors of every stream,
//! and `more`.

use super::Device;
use crate::error::ApiError;
use crate::groups::group_id;
use crate::node::Node;
use futures_util::future::join_all;
use imcloud_actors::group::SyncGroup;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::{StoredMessage, SyncPage};
use imcloud_actors::roster::Scope;
use imcloud_actors::user::SyncUser;
use imcloud_actors::DomainError;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

/// Most streams one sync may name.
const MAX_STREAMS: usize = 1000;
/// The stream of the user's own timeline.
const USER_STREAM: &str = "user";
const GROUP_STREAM: &str = "group:";

/// What a device asks: the last seq it holds per stream.
pub struct SyncRequest {
    pub cursors: BTreeMap<String, u64>,
    pub limit: Option<usize>,
}

/// What it gets.
pub struct Synced {
    pub messages: Vec<Arc<StoredMessage>>,
    /// The new cursor of every stream synced.
    pub cursors: BTreeMap<String, u64>,
    /// Call again with the new cursors.
    pub more: bool,
}

impl Device {
    pub fn sync(
        &self,
        req: SyncRequest,
    ) -> Result<impl Future<Output = Result<Synced, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        if req.cursors.len() > MAX_STREAMS {
            return Err(
                DomainError::InvalidArgument(format!("at most {MAX_STREAMS} streams")).into(),
            );
        }
        let mut named: BTreeMap<String, u64> = BTreeMap::new();
        for (stream, seq) in &req.cursors {
            if stream == USER_STREAM {
                continue;
            }
            match stream.strip_prefix(GROUP_STREAM) {
                Some(id) => {
                    named.insert(group_id(id)?, *seq);
                }
                None => {
                    return Err(DomainError::InvalidArgument(format!(
                        "unknown stream `{}`",
                        stream.chars().take(64).collect::<String>()
                    ))
                    .into())
                }
            }
        }
        let node = self.node.clone();
        let (app, user, key) = (s.app.clone(), s.user.clone(), s.key.clone());
        let after = req.cursors.get(USER_STREAM).copied().unwrap_or(0);
        let limit = req
            .limit
            .unwrap_or(node.config.limits.sync_page_default)
            .clamp(1, node.config.limits.sync_page_max);
        // The user's page is asked now, in the order of the device's
        // requests; the groups' after the user's index of them is read.
        let own = node.ask(key, SyncUser { after, limit });
        Ok(async move {
            let groups = group_pages(&node, &app, &user, named, limit);
            let (own, groups) = futures_util::join!(own, groups);
            Ok(merge(own?, groups?, limit))
        })
    }
}

/// The user's page, then whole group pages while the result holds fewer
/// than `limit` messages, so a user in many busy groups gets a bounded
/// reply; a stream left out keeps its old cursor (an unnamed one stays
/// unnamed) and `more` says to call again.
fn merge(own: SyncPage, groups: Vec<(String, Option<u64>, SyncPage)>, limit: usize) -> Synced {
    let mut messages = own.messages;
    let mut cursors = BTreeMap::from([(USER_STREAM.to_string(), own.cursor)]);
    let mut more = own.more;
    for (id, named, page) in groups {
        let stream = format!("{GROUP_STREAM}{id}");
        if !page.messages.is_empty() && messages.len() >= limit {
            more = true;
            if let Some(seq) = named {
                cursors.insert(stream, seq);
            }
            continue;
        }
        messages.extend(page.messages);
        more |= page.more;
        cursors.insert(stream, page.cursor);
    }
    Synced {
        messages,
        cursors,
        more,
    }
}

/// One page per group stream: the named ones (a refusal fails the sync)
/// and the user's other groups from their join seq (a group that no
/// longer lists the user is skipped: the user's index was behind).
async fn group_pages(
    node: &Node,
    app: &AppKey,
    user: &UserId,
    named: BTreeMap<String, u64>,
    limit: usize,
) -> Result<Vec<(String, Option<u64>, SyncPage)>, DomainError> {
    let mut streams: BTreeMap<String, Option<u64>> = node
        .user_groups(app, user)
        .await?
        .into_iter()
        .map(|(g, _)| (g, None))
        .collect();
    for (g, seq) in named {
        streams.insert(g, Some(seq));
    }
    let asks = streams.into_iter().map(|(g, after)| {
        let page = node.ask(
            crate::groups::group_key(app, &g),
            SyncGroup {
                user: user.to_string(),
                after,
                limit,
            },
        );
        async move { (g, after, page.await) }
    });
    let mut pages = Vec::new();
    for (g, named, r) in join_all(asks).await {
        match r {
            Ok(page) => pages.push((g, named, page)),
            Err(DomainError::NotMember(Scope::Group) | DomainError::NotFound(Scope::Group))
                if named.is_none() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(pages)
}
