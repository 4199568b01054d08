//! Group members (G9–G12) and admins (G14–G16).

use super::{gid, run, user, view};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppToken, Body};
use crate::rest::paging::Page;
use crate::rest::parse_json;
use actix_web::{web, HttpResponse};
use imcloud_actors::group::{GroupOp, GroupReply, Role, MAX_BATCH};
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

/// Splits a comma list of names, at most [`MAX_BATCH`].
pub(super) fn names(raw: &str, what: &str) -> Result<Vec<String>, ApiError> {
    let list: Vec<&str> = raw.split(',').filter(|s| !s.is_empty()).collect();
    if list.is_empty() || list.len() > MAX_BATCH {
        return Err(ApiError::IllegalArgument(format!(
            "{what}: name 1-{MAX_BATCH} users"
        )));
    }
    list.into_iter().map(user).collect()
}

/// The per-user results of a batch, as Easemob's list of results.
pub(super) fn results(reply: GroupReply, action: &str, group: &str) -> Vec<Value> {
    match reply {
        GroupReply::Users(list) => list
            .into_iter()
            .map(|(u, r)| match r {
                Ok(()) => json!({"result": true, "action": action, "user": u, "groupid": group}),
                Err(e) => {
                    json!({"result": false, "action": action, "reason": ApiError::Domain(e).public_message(), "user": u, "groupid": group})
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A single-user batch: its error, or nothing.
pub(super) fn single(reply: GroupReply) -> Result<(), ApiError> {
    if let GroupReply::Users(list) = reply {
        if let Some((_, Err(e))) = list.into_iter().next() {
            return Err(e.into());
        }
    }
    Ok(())
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
    ctx.node
        .may_join(&ctx.app, std::slice::from_ref(&u))
        .await?;
    single(run(&ctx, &id, GroupOp::Add(vec![u.clone()])).await?)?;
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
    if req.usernames.is_empty() || req.usernames.len() > MAX_BATCH {
        return Err(ApiError::IllegalArgument(format!(
            "usernames: name 1-{MAX_BATCH} users"
        )));
    }
    let users: Vec<String> = req
        .usernames
        .iter()
        .map(|u| user(u))
        .collect::<Result<_, _>>()?;
    ctx.node.may_join(&ctx.app, &users).await?;
    let reply = run(&ctx, &id, GroupOp::Add(users)).await?;
    let added: Vec<String> = match reply {
        GroupReply::Users(list) => list
            .into_iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(u, _)| u)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Envelope::new(&ctx)
        .data(json!({"newmembers": added, "groupid": id, "action": "add_member"}))
        .finish())
}

async fn remove(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let users = names(&path.3, "kickMember")?;
    let one = users.len() == 1;
    let reply = run(&ctx, &id, GroupOp::Remove(users.clone())).await?;
    if one {
        single(reply)?;
        return Ok(Envelope::new(&ctx)
            .data(
                json!({"result": true, "action": "remove_member", "user": users[0], "groupid": id}),
            )
            .finish());
    }
    Ok(Envelope::new(&ctx)
        .data(Value::Array(results(reply, "remove_member", &id)))
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
        GroupOp::SetAdmin {
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
        GroupOp::SetAdmin {
            user: u.clone(),
            admin: false,
        },
    )
    .await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": "success", "oldadmin": u}))
        .finish())
}
