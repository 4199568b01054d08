//! R2c `GET /{org}/{app}/chatrooms?limit={N}&cursor={c}`: every room of the
//! app, newest first (the page and its cursor come from
//! [`crate::rest::created`]).

use super::view;
use crate::error::ApiError;
use crate::rest::created::newest_first;
use crate::rest::envelope::Envelope;
use crate::rest::extract::AppToken;
use actix_web::{web, HttpResponse};
use futures_util::future::join_all;
use imcloud_actors::trees::created_index::Listed;
use serde_json::{json, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/{org}/{app}/chatrooms", web::get().to(list));
}

async fn list(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let page = newest_first(&ctx, Listed::Rooms).await?;
    let views = join_all(page.ids.iter().map(|id| view(&ctx, id))).await;
    // A room deleted between the scan and the read is left out.
    let data: Vec<Value> = views
        .into_iter()
        .filter_map(Result::ok)
        .map(|v| {
            let r = &v.record;
            json!({"id": r.id, "name": r.name, "owner": r.owner,
                "affiliations_count": v.members.len()})
        })
        .collect();
    Ok(Envelope::new(&ctx)
        .count(data.len())
        .data(Value::Array(data))
        .cursor(page.cursor)
        .finish())
}
