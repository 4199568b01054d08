//! One page of everything an app created of a kind (groups G5, chatrooms
//! R2c), newest first, with `limit` and `cursor`. Each shard answers its
//! next `limit + 1` entries from its creation-time index; merged, the first
//! `limit` are the page and one more says whether another page exists.

use super::envelope::Envelope;
use super::extract::AppCtx;
use super::users::{decode_cursor, encode_cursor};
use crate::error::ApiError;
use actix_web::HttpResponse;
use futures_util::future::join_all;
use imcloud_actors::queries::ListCreated;
use imcloud_actors::trees::created_index::Listed;
use serde_json::Value;
use std::future::Future;

/// Largest page (Easemob: 1000).
const MAX_LIMIT: usize = 1000;
/// Page size when the call names none.
const DEFAULT_LIMIT: usize = 10;

/// The ids of one page, newest first, and the cursor of the next page
/// (`None` on the last).
pub struct CreatedPage {
    pub ids: Vec<String>,
    pub cursor: Option<String>,
}

/// Reads the page the request's `limit` (1–1000, default 10) and `cursor`
/// name.
pub async fn newest_first(ctx: &AppCtx, listed: Listed) -> Result<CreatedPage, ApiError> {
    let limit = match ctx.param("limit") {
        Some(l) => l
            .parse::<usize>()
            .map_err(|_| ApiError::IllegalArgument("limit must be a number".into()))?
            .clamp(1, MAX_LIMIT),
        None => DEFAULT_LIMIT,
    };
    let before = ctx.param("cursor").map(decode_cursor).transpose()?;
    let mut rows = ctx
        .node
        .ask_every_shard(|| ListCreated {
            listed,
            app: ctx.app.to_string(),
            before: before.clone(),
            limit: limit + 1,
        })
        .await?;
    rows.sort_by(|a, b| b.cmp(a));
    let more = rows.len() > limit;
    rows.truncate(limit);
    let cursor = if more {
        rows.last().map(encode_cursor)
    } else {
        None
    };
    Ok(CreatedPage {
        ids: rows.into_iter().map(|(_, id)| id).collect(),
        cursor,
    })
}

/// The answer of G5/R2c: the request's page of `listed`, each entity read
/// with `read` and shown with `show`, with `count` and the next page's
/// `cursor`. An entity deleted between the scan and the read is left out.
pub async fn answer<V, F, Fut>(
    ctx: &AppCtx,
    listed: Listed,
    read: F,
    show: fn(&V) -> Value,
) -> Result<HttpResponse, ApiError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<V, ApiError>>,
{
    let page = newest_first(ctx, listed).await?;
    let views = join_all(page.ids.into_iter().map(read)).await;
    let data: Vec<Value> = views
        .iter()
        .filter_map(|v| v.as_ref().ok())
        .map(show)
        .collect();
    Ok(Envelope::new(ctx)
        .count(data.len())
        .data(Value::Array(data))
        .cursor(page.cursor)
        .finish())
}
