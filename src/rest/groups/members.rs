//! Group members (G9–G12) and admins (G14–G16).

use super::{gid, run, run_batch, view};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppToken, Body};
use crate::rest::paging::Page;
use crate::rest::parse_json;
use crate::rest::user_batch::{path_users, results, single, user, user_list};
use actix_web::{web, HttpResponse};
use imcloud_actors::roster::limits::MAX_BATCH;
use imcloud_actors::roster::{ManageOp, Role};
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest page of G9.
const MAX_PAGE: usize = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/{org}/{app}/chatgroups/{id}/users", web::get().to(list))
        .route(
            "/{org}/{app}/chatgroups/{id}/users",
            web::post().to(add_batch),
        )
        .route(
            "/{org}/{app}/chatgroups/{id}/users/{username}",
            web::post().to(add_one),
        )
        .route(
            "/{org}/{app}/chatgroups/{id}/users/{usernames}",
            web::delete().to(remove),
        )
        .route("/{org}/{app}/chatgroups/{id}/admin", web::get().to(admins))
        .route(
            "/{org}/{app}/chatgroups/{id}/admin",
            web::post().to(add_admin),
        )
        .route(
            "/{org}/{app}/chatgroups/{id}/admin/{username}",
            web::delete().to(remove_admin),
        );
}

/// G9: `pagenum` from 1, `pagesize` 1–1000 (default 1000).
async fn list(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let page = Page::of(&ctx, MAX_PAGE, MAX_PAGE)?;
    let v = view(&ctx, &id).await?;
    let data = page.take(super::affiliations(&v));
    Ok(Envelope::new(&ctx).list(data).finish())
}

async fn add_one(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let u = user(&path.3)?;
    single(run_batch(&ctx, &id, ManageOp::Add(vec![u.clone()])).await?)?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": true, "groupid": id, "action": "add_member", "user": u}))
        .finish())
}

#[derive(Deserialize)]
struct Usernames {
    usernames: Vec<String>,
}

async fn add_batch(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let req: Usernames = parse_json(&body)?;
    let users = user_list(&req.usernames, MAX_BATCH, "usernames")?;
    let added: Vec<String> = run_batch(&ctx, &id, ManageOp::Add(users))
        .await?
        .into_iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(u, _)| u)
        .collect();
    Ok(Envelope::new(&ctx)
        .data(json!({"newmembers": added, "groupid": id, "action": "add_member"}))
        .finish())
}

async fn remove(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let users = path_users(&path.3, MAX_BATCH, "kickMember")?;
    let reply = run_batch(&ctx, &id, ManageOp::Remove(users.clone())).await?;
    if let [u] = users.as_slice() {
        single(reply)?;
        return Ok(Envelope::new(&ctx)
            .data(json!({"result": true, "action": "remove_member", "user": u, "groupid": id}))
            .finish());
    }
    Ok(Envelope::new(&ctx)
        .data(Value::Array(results(
            reply,
            "remove_member",
            "groupid",
            &id,
        )))
        .finish())
}

async fn admins(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let v = view(&ctx, &id).await?;
    let list: Vec<&String> = v
        .members
        .iter()
        .filter(|(_, m)| m.role == Role::Admin)
        .map(|(u, _)| u)
        .collect();
    let n = list.len();
    Ok(Envelope::new(&ctx).data(json!(list)).count(n).finish())
}

#[derive(Deserialize)]
struct NewAdmin {
    newadmin: String,
}

async fn add_admin(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let req: NewAdmin = parse_json(&body)?;
    let u = user(&req.newadmin)?;
    run(
        &ctx,
        &id,
        ManageOp::SetAdmin {
            user: u.clone(),
            admin: true,
        },
    )
    .await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": "success", "newadmin": u}))
        .finish())
}

async fn remove_admin(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let u = user(&path.3)?;
    run(
        &ctx,
        &id,
        ManageOp::SetAdmin {
            user: u.clone(),
            admin: false,
        },
    )
    .await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": "success", "oldadmin": u}))
        .finish())
}
