//! Group members (G9–G12).

use super::{gid, run_batch, view};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppToken, Body};
use crate::rest::paging::Page;
use crate::rest::parse_json;
use crate::rest::user_batch::{path_users, results, single, user, user_list};
use actix_web::{web, HttpResponse};
use imcloud_actors::roster::limits::MAX_BATCH;
use imcloud_actors::roster::ManageOp;
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
