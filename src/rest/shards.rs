//! Asking every shard the same query and gathering the answers, for the
//! app-wide lists (users, created groups and rooms) whose index is split
//! across shards.

use super::extract::AppCtx;
use crate::error::ApiError;
use futures_util::future::join_all;
use imcloud_actors::command::Reply;
use imcloud_actors::Command;
use tokio::sync::oneshot;

/// Every shard's rows for the command `query` builds around its reply
/// channel, in no particular order; the first failure fails the whole.
pub async fn gather<T>(
    ctx: &AppCtx,
    query: impl Fn(Reply<Vec<T>>) -> Command,
) -> Result<Vec<T>, ApiError> {
    let mut waits = Vec::new();
    for shard in 0..ctx.node.router.shard_count() {
        let (tx, rx) = oneshot::channel();
        // A refusal is answered through the command's channel.
        let _ = ctx.node.router.query_shard(shard, query(tx));
        waits.push(ctx.node.wait(rx));
    }
    let mut rows = Vec::new();
    for r in join_all(waits).await {
        rows.extend(r?);
    }
    Ok(rows)
}
