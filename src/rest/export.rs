//! The hourly export (Easemob §5.8): `GET /chatmessages/{yyyyMMddHH}`
//! answers a signed link that expires after `rest.export_link_secs`; the
//! link, `GET /chatmessages/files/{link}`, needs no token and streams the
//! hour's gzip'd JSON lines (see `export::lines`). Hours older than
//! `rest.export_max_age_hours` or not begun are refused; an hour with no
//! message is 404 `storage_object_not_found`.

use super::envelope::Envelope;
use super::extract::{AppCtx, AppToken};
use crate::error::ApiError;
use crate::export::lines::Export;
use crate::export::{hour_end, parse_hour, sign_link, verify_link, LinkError};
use crate::routes::Register as _;
use actix_web::{web, HttpRequest, HttpResponse};
use imcloud_actors::message::StoredMessage;
use imcloud_actors::queries::ArchivePage;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/{org}/{app}/chatmessages/files/{link}", download)
        .get("/{org}/{app}/chatmessages/{time}", link);
}

async fn link(
    AppToken(ctx): AppToken,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let time = &path.2;
    let illegal = |why: &str| {
        ApiError::IllegalArgument(format!(
            "illegal arguments: appkey: {}, time: {time}{why}",
            ctx.app
        ))
    };
    let start = parse_hour(time).ok_or_else(|| illegal(""))?;
    let now = ctx.node.clock.now_ms();
    let max_age_ms = i64::from(ctx.node.config.rest.export_max_age_hours) * 3_600_000;
    if start > now || hour_end(start) <= now - max_age_ms {
        return Err(illegal(
            ", maybe chat message history is expired or unstored",
        ));
    }
    let app = ctx.app.to_string();
    let any: Vec<StoredMessage> = ctx
        .node
        .ask_every_shard(|| ArchivePage {
            app: app.clone(),
            from_ts: start,
            until_ts: hour_end(start),
            after: None,
            limit: 1,
        })
        .await?;
    if any.is_empty() {
        return Err(ApiError::ExportNotFound(format!(
            "Failed to find chat message history download url for appkey: {}, time: {time}",
            ctx.app
        )));
    }
    let expires = ctx.node.clock.now_secs() + ctx.node.config.rest.export_link_secs;
    let signed = sign_link(&ctx.record, start, expires)
        .ok_or(ApiError::Domain(imcloud_actors::DomainError::Internal))?;
    let info = req.connection_info();
    let url = format!(
        "{}://{}/{}/{}/chatmessages/files/{signed}",
        info.scheme(),
        info.host(),
        ctx.app.org(),
        ctx.app.app()
    );
    Ok(Envelope::new(&ctx)
        .list(vec![json!({ "url": url })])
        .finish())
}

async fn download(
    ctx: AppCtx,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let start = verify_link(&ctx.record, &path.2, ctx.node.clock.now_secs()).map_err(|e| {
        ApiError::ExportLinkRefused(match e {
            LinkError::Invalid => "this export link is not valid",
            LinkError::Expired => "this export link has expired",
        })
    })?;
    let export = Export::new(
        ctx.node.clone().into_inner(),
        ctx.app.to_string(),
        start,
        hour_end(start),
    );
    Ok(HttpResponse::Ok()
        .content_type("application/gzip")
        .streaming(export.into_stream()))
}
