//! Moderation of a group or a room: admins (G14–G16, R13c), the block list
//! (G17–G20, R14c), mutes (G21–G23, R16c) and mute-all (G24, R17c).

use super::{area, batch, run, view, Call, On, OnUser, OnUsers, Usernames};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppCtx, Authed, Body};
use crate::rest::mutes;
use crate::rest::parse_json;
use crate::rest::user_batch::{path_users, path_users_or, results, single, user, user_list_or};
use actix_web::{web, HttpResponse};
use imcloud_actors::roster::limits::MAX_BATCH;
use imcloud_actors::roster::{Actor, ManageOp, Scope};
use serde::Deserialize;
use serde_json::{json, Value};

/// G14, R13c: the admins.
pub(super) async fn admins(auth: Authed, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let list = view(&ctx, &actor, &area).await?.admins();
    let n = list.len();
    Ok(Envelope::new(&ctx).data(json!(list)).count(n).finish())
}

#[derive(Deserialize)]
struct NewAdmin {
    newadmin: String,
}

/// G15, R13c: a member made admin (a room's must be an existing user).
pub(super) async fn add_admin(
    auth: Authed,
    on: web::Path<On>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let req: NewAdmin = parse_json(&body)?;
    let u = user(&req.newadmin)?;
    area.check_users_exist(&ctx, std::slice::from_ref(&u))
        .await?;
    let op = ManageOp::SetAdmin {
        user: u.clone(),
        admin: true,
    };
    run(&ctx, &actor, &area, op).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": "success", "newadmin": u}))
        .finish())
}

/// G16, R13c.
pub(super) async fn remove_admin(
    auth: Authed,
    on: web::Path<OnUser>,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let u = user(&on.username)?;
    let op = ManageOp::SetAdmin {
        user: u.clone(),
        admin: false,
    };
    run(&ctx, &actor, &area, op).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": "success", "oldadmin": u}))
        .finish())
}

/// G17, R14c: the block list.
pub(super) async fn blocks(auth: Authed, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let list = view(&ctx, &actor, &area).await?.blocks();
    let n = list.len();
    Ok(Envelope::new(&ctx).data(json!(list)).count(n).finish())
}

/// G19, R14c: one user blocked (a member is removed first).
pub(super) async fn block_one(
    auth: Authed,
    on: web::Path<OnUser>,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let u = user(&on.username)?;
    single(batch(&ctx, &actor, &area, ManageOp::Block(vec![u.clone()])).await?)?;
    let mut data = json!({"result": true, "action": "add_blocks", "user": u});
    data[area.id_key()] = json!(area.id);
    Ok(Envelope::new(&ctx).data(data).finish())
}

/// G18, R14c: users blocked, a result each.
pub(super) async fn block_batch(
    auth: Authed,
    on: web::Path<On>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let req: Usernames = parse_json(&body)?;
    let users = user_list_or(&req.usernames, MAX_BATCH, || area.too_many(Call::Block))?;
    let reply = batch(&ctx, &actor, &area, ManageOp::Block(users)).await?;
    let data = results(reply, "add_blocks", area.id_key(), &area.id);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// G20, R14c: one user (its error is the call's) or a comma list.
pub(super) async fn unblock(
    auth: Authed,
    on: web::Path<OnUsers>,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let users = path_users(&on.usernames, MAX_BATCH, "removeBlocks")?;
    let reply = batch(&ctx, &actor, &area, ManageOp::Unblock(users.clone())).await?;
    if let [u] = users.as_slice() {
        single(reply)?;
        let mut data = json!({"result": true, "action": "remove_blocks", "user": u});
        data[area.id_key()] = json!(area.id);
        return Ok(Envelope::new(&ctx).data(data).finish());
    }
    let data = results(reply, "remove_blocks", area.id_key(), &area.id);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// G21, R16c: the mutes still in force (a room's list has a `count`, a
/// group's does not).
pub(super) async fn mute_list(auth: Authed, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let all = view(&ctx, &actor, &area).await?.mutes();
    let data = mutes::in_force(all.iter().map(|(u, t)| (u, *t)), ctx.node.clock.now_ms());
    let env = Envelope::new(&ctx);
    Ok(match area.scope {
        Scope::Group => env.data(Value::Array(data)),
        Scope::Chatroom => env.list(data),
    }
    .finish())
}

#[derive(Deserialize)]
struct MuteReq {
    usernames: Vec<String>,
    #[serde(default)]
    mute_duration: Option<i64>,
}

/// G22, R16c: 1–60 users for `mute_duration` ms (-1 or absent: for good).
pub(super) async fn mute(
    auth: Authed,
    on: web::Path<On>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let req: MuteReq = parse_json(&body)?;
    let users = user_list_or(&req.usernames, MAX_BATCH, || area.too_many(Call::Mute))?;
    let until = ctx.node.mute_until(req.mute_duration)?;
    let reply = batch(&ctx, &actor, &area, ManageOp::Mute { users, until }).await?;
    let data = mutes::muted(reply, until);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// G23, R16c: a comma list of 1–60 users.
pub(super) async fn unmute(auth: Authed, on: web::Path<OnUsers>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let area = area(&on.kind, &on.id)?;
    let users = path_users_or(&on.usernames, MAX_BATCH, || area.too_many(Call::Unmute))?;
    let reply = batch(&ctx, &actor, &area, ManageOp::Unmute(users)).await?;
    let data = mutes::unmuted(reply);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

async fn mute_all(
    ctx: &AppCtx,
    actor: &Actor,
    on: &On,
    mute: bool,
) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    run(ctx, actor, &area, ManageOp::MuteAll(mute)).await?;
    Ok(Envelope::new(ctx).data(json!({ "mute": mute })).finish())
}

/// G24, R17c on: the owner and admins may still send; nobody is put on
/// the mute list.
pub(super) async fn ban(auth: Authed, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    mute_all(&ctx, &actor, &on, true).await
}

/// G24, R17c off.
pub(super) async fn unban(auth: Authed, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    mute_all(&ctx, &actor, &on, false).await
}
