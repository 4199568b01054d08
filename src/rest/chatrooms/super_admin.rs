//! The app's chatroom super admins (R18c–R20c): the users whose devices may
//! create rooms (WebSocket `chatroom_create`). REST can always create.

use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppToken, Body};
use crate::rest::paging::Page;
use crate::rest::parse_json;
use crate::rest::user_batch::user;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// Largest page of R19c.
const MAX_PAGE: usize = 1000;
/// R19c page size when the call names none.
const DEFAULT_PAGE: usize = 10;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/chatrooms/super_admin", add)
        .get("/{org}/{app}/chatrooms/super_admin", list)
        .delete("/{org}/{app}/chatrooms/super_admin/{username}", remove);
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
    let page = Page::of(&ctx, DEFAULT_PAGE, MAX_PAGE)?;
    let record = ctx.node.app(&ctx.app).await?;
    let data = page.take(record.chatroom_super_admins.iter().map(|u| json!(u)));
    Ok(Envelope::new(&ctx).list(data).finish())
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
