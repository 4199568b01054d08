//! Room members (R9c–R12c). Members the app adds need no
//! device joined; they count against `maxusers` until removed.

use super::{rid, run_batch, view, RoomPath, RoomUserPath};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppToken, Body};
use crate::rest::paging::Page;
use crate::rest::parse_json;
use crate::rest::user_batch::{path_users, results, single, user, user_list};
use actix_web::{web, HttpResponse};
use imcloud_actors::roster::limits::MAX_BATCH as MAX_ROOM_BATCH;
use imcloud_actors::roster::ManageOp;
use serde::Deserialize;
use serde_json::{json, Value};

/// Largest page of R9c (and its default).
const MAX_PAGE: usize = 1000;
/// Most users one R12c call removes (Easemob: 100); the room takes them
/// [`MAX_ROOM_BATCH`] at a time.
const MAX_REMOVE: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/{org}/{app}/chatrooms/{id}/users", web::get().to(list))
        .route(
            "/{org}/{app}/chatrooms/{id}/users",
            web::post().to(add_batch),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/users/{username}",
            web::post().to(add_one),
        )
        .route(
            "/{org}/{app}/chatrooms/{id}/users/{usernames}",
            web::delete().to(remove),
        );
}

/// R9c: `pagenum` from 1, `pagesize` 1–1000 (default 1000); the owner first.
async fn list(AppToken(ctx): AppToken, path: RoomPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let page = Page::of(&ctx, MAX_PAGE, MAX_PAGE)?;
    let v = view(&ctx, &id).await?;
    let data = page.take(super::affiliations(&v));
    Ok(Envelope::new(&ctx).list(data).finish())
}

/// R10c: the user must exist.
async fn add_one(AppToken(ctx): AppToken, path: RoomUserPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let u = user(&path.3)?;
    ctx.node
        .users_exist(&ctx.app, std::slice::from_ref(&u))
        .await?;
    single(run_batch(&ctx, &id, ManageOp::Add(vec![u.clone()])).await?)?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": true, "action": "add_member", "id": id, "user": u}))
        .finish())
}

#[derive(Deserialize)]
struct Usernames {
    usernames: Vec<String>,
}

/// R11c: 1–60 users, all of which must exist; answers those added.
async fn add_batch(
    AppToken(ctx): AppToken,
    path: RoomPath,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let req: Usernames = parse_json(&body)?;
    let users = user_list(&req.usernames, MAX_ROOM_BATCH, "addMembers")?;
    ctx.node.users_exist(&ctx.app, &users).await?;
    let added: Vec<String> = run_batch(&ctx, &id, ManageOp::Add(users))
        .await?
        .into_iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(u, _)| u)
        .collect();
    Ok(Envelope::new(&ctx)
        .data(json!({"newmembers": added, "action": "add_member", "id": id}))
        .finish())
}

/// R12c: one user (its error is the call's) or a comma list of up to 100
/// (a result per user), removed 60 at a time.
async fn remove(AppToken(ctx): AppToken, path: RoomUserPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let users = path_users(&path.3, MAX_REMOVE, "kickMembers")?;
    if let [u] = users.as_slice() {
        single(run_batch(&ctx, &id, ManageOp::Remove(vec![u.clone()])).await?)?;
        return Ok(Envelope::new(&ctx)
            .data(json!({"result": true, "action": "remove_member", "user": u, "id": id}))
            .finish());
    }
    let mut all = Vec::with_capacity(users.len());
    for chunk in users.chunks(MAX_ROOM_BATCH) {
        all.extend(run_batch(&ctx, &id, ManageOp::Remove(chunk.to_vec())).await?);
    }
    Ok(Envelope::new(&ctx)
        .data(Value::Array(results(all, "remove_member", "id", &id)))
        .finish())
}
