//! Members of a group or a room (G9–G12, R9c–R12c). Members the app adds to
//! a room need no device joined; they count against `maxusers` until removed.

use super::{area, batch, view, Call, On, OnUser, OnUsers, Usernames, MAX_MEMBER_PAGE};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{Authed, Body};
use crate::rest::paging::Page;
use crate::rest::parse_json;
use crate::rest::user_batch::{path_users_or, results, single, user, user_list_or};
use actix_web::{web, HttpResponse};
use imcloud_actors::roster::limits::MAX_BATCH;
use imcloud_actors::roster::ManageOp;
use serde_json::{json, Value};

/// G9, R9c: `pagenum` from 1, `pagesize` 1–1000 (default 1000); the owner
/// first.
pub(super) async fn list(auth: Authed, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let page = Page::of(&ctx, MAX_MEMBER_PAGE, MAX_MEMBER_PAGE)?;
    let data = page.take(view(&ctx, &actor, &area).await?.affiliations());
    Ok(Envelope::new(&ctx).list(data).finish())
}

/// G10, R10c: one user added.
pub(super) async fn add_one(auth: Authed, on: web::Path<OnUser>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let u = user(&on.username)?;
    area.check_users_exist(&ctx, std::slice::from_ref(&u))
        .await?;
    single(batch(&ctx, &actor, &area, ManageOp::Add(vec![u.clone()])).await?)?;
    let mut data = json!({"result": true, "action": "add_member", "user": u});
    data[area.id_key()] = json!(area.id);
    Ok(Envelope::new(&ctx).data(data).finish())
}

/// G11, R11c: 1–60 users; answers those added.
pub(super) async fn add_batch(
    auth: Authed,
    on: web::Path<On>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let req: Usernames = parse_json(&body)?;
    let users = user_list_or(&req.usernames, MAX_BATCH, || area.too_many(Call::Add))?;
    area.check_users_exist(&ctx, &users).await?;
    let added: Vec<String> = batch(&ctx, &actor, &area, ManageOp::Add(users))
        .await?
        .into_iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(u, _)| u)
        .collect();
    let mut data = json!({"newmembers": added, "action": "add_member"});
    data[area.id_key()] = json!(area.id);
    Ok(Envelope::new(&ctx).data(data).finish())
}

/// G12, R12c: one user (its error is the call's) or a comma list (a result
/// per user), removed [`MAX_BATCH`] at a time.
pub(super) async fn remove(auth: Authed, on: web::Path<OnUsers>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let users = path_users_or(&on.usernames, area.max_remove(), || {
        area.too_many(Call::Remove)
    })?;
    let mut all = Vec::with_capacity(users.len());
    for chunk in users.chunks(MAX_BATCH) {
        all.extend(batch(&ctx, &actor, &area, ManageOp::Remove(chunk.to_vec())).await?);
    }
    if let [u] = users.as_slice() {
        single(all)?;
        let mut data = json!({"result": true, "action": "remove_member", "user": u});
        data[area.id_key()] = json!(area.id);
        return Ok(Envelope::new(&ctx).data(data).finish());
    }
    let data = results(all, "remove_member", area.id_key(), &area.id);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}
