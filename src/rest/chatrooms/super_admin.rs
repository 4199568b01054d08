//! The app's chatroom super admins (R18c–R20c): the users whose devices may
//! create rooms (WebSocket `chatroom_create`). REST can always create.

use super::{page_param, user};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppToken, Body};
use crate::rest::parse_json;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest page of R19c.
const MAX_PAGE: usize = 1000;
/// R19c page size when the call names none.
const DEFAULT_PAGE: usize = 10;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/{org}/{app}/chatrooms/super_admin", web::post().to(add))
        .route("/{org}/{app}/chatrooms/super_admin", web::get().to(list))
        .route(
            "/{org}/{app}/chatrooms/super_admin/{username}",
            web::delete().to(remove),
        );
}

#[derive(Deserialize)]
struct AddReq {
    superadmin: String,
}

/// R18c: one existing user per call.
async fn add(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: AddReq = parse_json(&body)?;
    let u = user(&req.superadmin)?;
    ctx.node
        .users_exist(&ctx.app, std::slice::from_ref(&u))
        .await?;
    ctx.node.set_super_admin(&ctx.app, &u, true).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": "success", "resource": ""}))
        .finish())
}

/// R19c: by name; `pagenum` from 1, `pagesize` 1–1000 (default 10).
async fn list(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let size = page_param(&ctx, "pagesize", DEFAULT_PAGE)?.clamp(1, MAX_PAGE);
    let num = page_param(&ctx, "pagenum", 1)?.max(1);
    let record = ctx.node.app(&ctx.app).await?;
    let data: Vec<Value> = record
        .chatroom_super_admins
        .iter()
        .skip((num - 1).saturating_mul(size))
        .take(size)
        .map(|u| json!(u))
        .collect();
    let n = data.len();
    Ok(Envelope::new(&ctx)
        .data(Value::Array(data))
        .count(n)
        .finish())
}

/// R20c.
async fn remove(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let u = user(&path.2)?;
    ctx.node.set_super_admin(&ctx.app, &u, false).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"newSuperAdmin": u, "resource": ""}))
        .finish())
}
