//! An app's sensitive words over REST (imcloud §14.2): list by cursor,
//! add up to 10,000 at once, remove. The app's `sensitive_words` setting
//! (S2) says what a listed word does to a message; a change applies from
//! the next message on every node.

use super::envelope::Envelope;
use super::extract::{AppToken, Body};
use super::paging::{encode_text_cursor, text_cursor};
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::app::{AddWords, ListWords, RemoveWords};
use serde::Deserialize;
use serde_json::json;

/// W1s's largest and default page.
const MAX_PAGE: usize = 1_000;
const DEFAULT_PAGE: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    const PATH: &str = "/{org}/{app}/sensitive_words";
    cfg.get(PATH, list).post(PATH, add).delete(PATH, remove);
}

#[derive(Deserialize)]
struct Words {
    words: Vec<String>,
}

/// W1s: `data: {"words", "cursor"?}`, in the words' order.
async fn list(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let limit = match ctx.param("limit") {
        None => DEFAULT_PAGE,
        Some(l) => l
            .parse::<usize>()
            .map_err(|_| ApiError::IllegalArgument("limit must be a number".into()))?
            .clamp(1, MAX_PAGE),
    };
    let after = text_cursor(&ctx)?;
    let mut words = ctx
        .node
        .ask(
            ctx.app.entity_key(),
            ListWords {
                after,
                limit: limit + 1,
            },
        )
        .await?;
    let more = words.len() > limit;
    words.truncate(limit);
    let mut data = json!({ "words": words });
    if let (true, Some(last)) = (more, words.last()) {
        data["cursor"] = json!(encode_text_cursor(last));
    }
    Ok(Envelope::new(&ctx).data(data).finish())
}

/// W2s: `data: {"added": N}` (words already listed are not counted).
async fn add(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let Words { words } = super::parse_json(&body)?;
    let changed = ctx
        .node
        .ask(ctx.app.entity_key(), AddWords { words })
        .await?;
    ctx.node.apps.remember(changed.record);
    Ok(Envelope::new(&ctx)
        .data(json!({ "added": changed.count }))
        .finish())
}

/// W3s: `data: {"removed": N}`.
async fn remove(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let Words { words } = super::parse_json(&body)?;
    let changed = ctx
        .node
        .ask(ctx.app.entity_key(), RemoveWords { words })
        .await?;
    ctx.node.apps.remember(changed.record);
    Ok(Envelope::new(&ctx)
        .data(json!({ "removed": changed.count }))
        .finish())
}
