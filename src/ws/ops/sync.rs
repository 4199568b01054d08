//! `sync`: what the device missed. The device names the last seq it holds
//! per stream: `"user"` is the user's own timeline, `"group:<id>"` a
//! group's. Groups the device does not name are synced from the user's
//! join seq (the user's entity lists its groups; each group checks
//! membership and the join-seq floor itself). The reply has the newer
//! messages (per stream oldest first), the new cursors of every stream,
//! and `more`.

use super::{args, OpResult};
use crate::error::ApiError;
use crate::groups::group_id;
use crate::node::Node;
use crate::ws::codec::WireMessage;
use crate::ws::session::SocketState;
use futures_util::future::join_all;
use imcloud_actors::command::SyncPage;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::{Command, DomainError};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::future::Future;

/// Most streams one sync may name.
const MAX_STREAMS: usize = 1000;

#[derive(Deserialize)]
struct SyncArgs {
    #[serde(default)]
    cursors: BTreeMap<String, u64>,
    #[serde(default)]
    limit: Option<usize>,
}

pub fn start(
    state: &SocketState,
    raw: Value,
) -> Result<impl Future<Output = OpResult> + 'static, ApiError> {
    let Some(authed) = &state.authed else {
        return Err(ApiError::NotLoggedIn);
    };
    let a: SyncArgs = args(raw)?;
    if a.cursors.len() > MAX_STREAMS {
        return Err(DomainError::InvalidArgument(format!("at most {MAX_STREAMS} streams")).into());
    }
    let mut named: BTreeMap<String, u64> = BTreeMap::new();
    for (stream, seq) in &a.cursors {
        if stream == "user" {
            continue;
        }
        match stream.strip_prefix("group:") {
            Some(id) => {
                named.insert(group_id(id)?, *seq);
            }
            None => {
                return Err(
                    DomainError::InvalidArgument(format!("unknown stream `{stream}`")).into(),
                )
            }
        }
    }
    let node = state.node.clone();
    let app = authed.app.clone();
    let user = authed.user.clone();
    let key = authed.key.clone();
    let after = a.cursors.get("user").copied().unwrap_or(0);
    let limit = a
        .limit
        .unwrap_or(node.config.limits.sync_page_default)
        .clamp(1, node.config.limits.sync_page_max);
    Ok(async move {
        let own = node.ask(key, |reply| Command::Sync {
            after,
            limit,
            reply,
        });
        let groups = group_pages(&node, &app, &user, named, limit);
        let (own, groups) = futures_util::join!(own, groups);
        let own = own?;
        let groups = groups?;
        let mut messages: Vec<Value> = Vec::new();
        let mut cursors = Map::new();
        let mut more = own.more;
        push_page(&mut messages, &own);
        cursors.insert("user".into(), json!(own.cursor));
        // Whole pages are taken while the reply holds fewer than `limit`
        // messages, so a user in many busy groups gets a bounded reply; a
        // stream left out keeps its old cursor (an unnamed one stays
        // unnamed) and `more` says to call again.
        for (id, named, page) in groups {
            if !page.messages.is_empty() && messages.len() >= limit {
                more = true;
                if let Some(seq) = named {
                    cursors.insert(format!("group:{id}"), json!(seq));
                }
                continue;
            }
            push_page(&mut messages, &page);
            more |= page.more;
            cursors.insert(format!("group:{id}"), json!(page.cursor));
        }
        Ok(Map::from_iter([
            ("messages".to_string(), Value::Array(messages)),
            ("cursors".to_string(), Value::Object(cursors)),
            ("more".to_string(), Value::Bool(more)),
        ]))
    })
}

fn push_page(out: &mut Vec<Value>, page: &SyncPage) {
    out.extend(
        page.messages
            .iter()
            .map(|m| json!(WireMessage::from(m.as_ref()))),
    );
}

/// One page per group stream: the named ones (a refusal fails the sync)
/// and the user's other groups from their join seq (a group that no
/// longer lists the user is skipped: the user's index was behind).
async fn group_pages(
    node: &Node,
    app: &AppKey,
    user: &str,
    named: BTreeMap<String, u64>,
    limit: usize,
) -> Result<Vec<(String, Option<u64>, SyncPage)>, DomainError> {
    let id = UserId::parse(user)?;
    let mut streams: BTreeMap<String, (Option<u64>, bool)> = node
        .user_groups(app, &id)
        .await?
        .into_iter()
        .map(|(g, _)| (g, (None, false)))
        .collect();
    for (g, seq) in named {
        streams.insert(g, (Some(seq), true));
    }
    let asks = streams.into_iter().map(|(g, (after, named))| async move {
        let r = node
            .ask(crate::groups::group_key(app, &g), |reply| {
                Command::GroupSync {
                    user: user.to_string(),
                    after,
                    limit,
                    reply,
                }
            })
            .await;
        (g, named.then_some(after).flatten(), r)
    });
    let mut pages = Vec::new();
    for (g, named, r) in join_all(asks).await {
        match r {
            Ok(page) => pages.push((g, named, page)),
            Err(DomainError::NotGroupMember | DomainError::GroupNotFound) if named.is_none() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(pages)
}
