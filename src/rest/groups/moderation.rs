//! Group moderation: the block list (G17–G20), mute of members and
//! mute-all (G21–G24), and the announcement (G28/G29).

use super::{gid, run, run_batch, view};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppToken, Body};
use crate::rest::mutes;
use crate::rest::parse_json;
use crate::rest::user_batch::{path_users, results, single, user, user_list_or};
use actix_web::{web, HttpResponse};
use imcloud_actors::roster::limits::MAX_BATCH;
use imcloud_actors::roster::ManageOp;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/{org}/{app}/chatgroups/{id}/blocks/users",
        web::get().to(blocks),
    )
    .route(
        "/{org}/{app}/chatgroups/{id}/blocks/users",
        web::post().to(block_batch),
    )
    .route(
        "/{org}/{app}/chatgroups/{id}/blocks/users/{username}",
        web::post().to(block_one),
    )
    .route(
        "/{org}/{app}/chatgroups/{id}/blocks/users/{usernames}",
        web::delete().to(unblock),
    )
    .route("/{org}/{app}/chatgroups/{id}/mute", web::get().to(mutes))
    .route("/{org}/{app}/chatgroups/{id}/mute", web::post().to(mute))
    .route(
        "/{org}/{app}/chatgroups/{id}/mute/{usernames}",
        web::delete().to(unmute),
    )
    .route("/{org}/{app}/chatgroups/{id}/ban", web::post().to(ban))
    .route("/{org}/{app}/chatgroups/{id}/ban", web::delete().to(unban))
    .route(
        "/{org}/{app}/chatgroups/{id}/announcement",
        web::get().to(announcement),
    )
    .route(
        "/{org}/{app}/chatgroups/{id}/announcement",
        web::post().to(set_announcement),
    );
}

type GroupPath = web::Path<(String, String, String)>;
type GroupUserPath = web::Path<(String, String, String, String)>;

async fn blocks(AppToken(ctx): AppToken, path: GroupPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let v = view(&ctx, &id).await?;
    let n = v.blocks.len();
    Ok(Envelope::new(&ctx).data(json!(v.blocks)).count(n).finish())
}

async fn block_one(AppToken(ctx): AppToken, path: GroupUserPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let u = user(&path.3)?;
    single(run_batch(&ctx, &id, ManageOp::Block(vec![u.clone()])).await?)?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": true, "action": "add_blocks", "user": u, "groupid": id}))
        .finish())
}

#[derive(Deserialize)]
struct Usernames {
    usernames: Vec<String>,
}

/// G18's user list; Easemob words its count error its own way.
fn usernames(body: &[u8]) -> Result<Vec<String>, ApiError> {
    let req: Usernames = parse_json(body)?;
    user_list_or(&req.usernames, MAX_BATCH, || {
        format!("userNames is more than max limit : {MAX_BATCH}")
    })
}

async fn block_batch(
    AppToken(ctx): AppToken,
    path: GroupPath,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let users = usernames(&body)?;
    let reply = run_batch(&ctx, &id, ManageOp::Block(users)).await?;
    Ok(Envelope::new(&ctx)
        .data(Value::Array(results(reply, "add_blocks", "groupid", &id)))
        .finish())
}

async fn unblock(AppToken(ctx): AppToken, path: GroupUserPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let users = path_users(&path.3, MAX_BATCH, "removeBlocks")?;
    let reply = run_batch(&ctx, &id, ManageOp::Unblock(users.clone())).await?;
    if let [u] = users.as_slice() {
        single(reply)?;
        return Ok(Envelope::new(&ctx)
            .data(json!({"result": true, "action": "remove_blocks", "user": u, "groupid": id}))
            .finish());
    }
    Ok(Envelope::new(&ctx)
        .data(Value::Array(results(
            reply,
            "remove_blocks",
            "groupid",
            &id,
        )))
        .finish())
}

async fn mutes(AppToken(ctx): AppToken, path: GroupPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let v = view(&ctx, &id).await?;
    let now = ctx.node.clock.now_ms();
    let all = v.members.iter().map(|(u, m)| (u, m.mute_until));
    // Unlike R16c, G21 answers no `count`.
    let data = mutes::in_force(all, now);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

#[derive(Deserialize)]
struct MuteReq {
    usernames: Vec<String>,
    #[serde(default)]
    mute_duration: Option<i64>,
}

async fn mute(
    AppToken(ctx): AppToken,
    path: GroupPath,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let req: MuteReq = parse_json(&body)?;
    let users = user_list_or(&req.usernames, MAX_BATCH, || {
        format!("userNames size is more than max limit : {MAX_BATCH}")
    })?;
    let until = ctx.node.mute_until(req.mute_duration)?;
    let reply = run_batch(&ctx, &id, ManageOp::Mute { users, until }).await?;
    let data = mutes::muted(reply, until);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

async fn unmute(AppToken(ctx): AppToken, path: GroupUserPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let users = path_users(
        &path.3,
        MAX_BATCH,
        "removeMute member size more than max limit",
    )?;
    let reply = run_batch(&ctx, &id, ManageOp::Unmute(users)).await?;
    let data = mutes::unmuted(reply);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

async fn ban(AppToken(ctx): AppToken, path: GroupPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    run(&ctx, &id, ManageOp::MuteAll(true)).await?;
    Ok(Envelope::new(&ctx).data(json!({"mute": true})).finish())
}

async fn unban(AppToken(ctx): AppToken, path: GroupPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    run(&ctx, &id, ManageOp::MuteAll(false)).await?;
    Ok(Envelope::new(&ctx).data(json!({"mute": false})).finish())
}

async fn announcement(AppToken(ctx): AppToken, path: GroupPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let v = view(&ctx, &id).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"announcement": v.record.announcement}))
        .finish())
}

#[derive(Deserialize)]
struct AnnouncementReq {
    announcement: String,
}

async fn set_announcement(
    AppToken(ctx): AppToken,
    path: GroupPath,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let req: AnnouncementReq = parse_json(&body)?;
    run(&ctx, &id, ManageOp::SetAnnouncement(req.announcement)).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"id": id, "result": true}))
        .finish())
}
