//! A group's or a room's announcement (G28/G29, R8c).

use super::{area, run, view, On};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{Authed, Body};
use crate::rest::parse_json;
use actix_web::{web, HttpResponse};
use imcloud_actors::roster::ManageOp;
use serde::Deserialize;
use serde_json::json;

/// G28, R8c.
pub(super) async fn get(auth: Authed, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let v = view(&ctx, &actor, &area).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"announcement": v.announcement()}))
        .finish())
}

#[derive(Deserialize)]
struct AnnouncementReq {
    announcement: String,
}

/// G29, R8c: at most 512 characters (checked by the group or room).
pub(super) async fn set(
    auth: Authed,
    on: web::Path<On>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let req: AnnouncementReq = parse_json(&body)?;
    run(
        &ctx,
        &actor,
        &area,
        ManageOp::SetAnnouncement(req.announcement),
    )
    .await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"id": area.id, "result": true}))
        .finish())
}
