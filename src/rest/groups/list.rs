//! G5 `GET /{org}/{app}/chatgroups?limit={N}&cursor={c}`: every group of the
//! app, newest first. Each shard answers its next `limit + 1` groups from
//! its creation-time index; merged, the first `limit` are the page and one
//! more says whether another page exists.

use super::view;
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::AppToken;
use crate::rest::users::{decode_cursor, encode_cursor};
use actix_web::{web, HttpResponse};
use futures_util::future::join_all;
use imcloud_actors::trees::created_index::Listed;
use imcloud_actors::Command;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// Largest page (Easemob: 1000).
const MAX_LIMIT: usize = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/{org}/{app}/chatgroups", web::get().to(list));
}

async fn list(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let limit = match ctx.param("limit") {
        Some(l) => l
            .parse::<usize>()
            .map_err(|_| ApiError::IllegalArgument("limit must be a number".into()))?
            .clamp(1, MAX_LIMIT),
        None => 10,
    };
    let before = ctx.param("cursor").map(decode_cursor).transpose()?;
    let mut waits = Vec::new();
    for shard in 0..ctx.node.router.shard_count() {
        let (tx, rx) = oneshot::channel();
        let cmd = Command::ListCreated {
            listed: Listed::Groups,
            app: ctx.app.to_string(),
            before: before.clone(),
            limit: limit + 1,
            reply: tx,
        };
        // A refusal is answered through the command's channel.
        let _ = ctx.node.router.query_shard(shard, cmd);
        waits.push(ctx.node.wait(rx));
    }
    let mut rows = Vec::new();
    for r in join_all(waits).await {
        rows.extend(r?);
    }
    rows.sort_by(|a, b| b.cmp(a));
    let more = rows.len() > limit;
    rows.truncate(limit);
    let views = join_all(rows.iter().map(|(_, id)| view(&ctx, id))).await;
    // A group dismissed between the scan and the read is left out.
    let data: Vec<Value> = views
        .into_iter()
        .filter_map(Result::ok)
        .map(|v| {
            let r = &v.record;
            json!({"owner": r.owner, "groupid": r.id, "affiliations": v.members.len(),
                "type": "group", "lastModified": r.created, "groupname": r.name})
        })
        .collect();
    let cursor = if more {
        rows.last().map(encode_cursor)
    } else {
        None
    };
    Ok(Envelope::new(&ctx)
        .count(data.len())
        .data(Value::Array(data))
        .cursor(cursor)
        .finish())
}
