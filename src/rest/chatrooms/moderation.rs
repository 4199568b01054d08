//! Room moderation: the block list (R14c: blocked users are removed and
//! cannot join again until unblocked), mute of users (R16c), mute-all
//! (R17c: it does not add anyone to the mute list), and the announcement
//! (R8c).

use super::{rid, run, run_batch, view, RoomPath, RoomUserPath};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppToken, Body};
use crate::rest::mutes;
use crate::rest::parse_json;
use crate::rest::user_batch::{path_users, results, single, user, user_list};
use actix_web::{web, HttpResponse};
use imcloud_actors::roster::limits::MAX_BATCH as MAX_ROOM_BATCH;
use imcloud_actors::roster::ManageOp;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/{org}/{app}/chatrooms/{id}/blocks/users",
        web::get().to(blocks),
    )
    .route(
        "/{org}/{app}/chatrooms/{id}/blocks/users",
        web::post().to(block_batch),
    )
    .route(
        "/{org}/{app}/chatrooms/{id}/blocks/users/{username}",
        web::post().to(block_one),
    )
    .route(
        "/{org}/{app}/chatrooms/{id}/blocks/users/{usernames}",
        web::delete().to(unblock),
    )
    .route("/{org}/{app}/chatrooms/{id}/mute", web::get().to(mutes))
    .route("/{org}/{app}/chatrooms/{id}/mute", web::post().to(mute))
    .route(
        "/{org}/{app}/chatrooms/{id}/mute/{usernames}",
        web::delete().to(unmute),
    )
    .route("/{org}/{app}/chatrooms/{id}/ban", web::post().to(ban))
    .route("/{org}/{app}/chatrooms/{id}/ban", web::delete().to(unban))
    .route(
        "/{org}/{app}/chatrooms/{id}/announcement",
        web::get().to(announcement),
    )
    .route(
        "/{org}/{app}/chatrooms/{id}/announcement",
        web::post().to(set_announcement),
    );
}

async fn blocks(AppToken(ctx): AppToken, path: RoomPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let v = view(&ctx, &id).await?;
    let n = v.record.roster.blocks.len();
    Ok(Envelope::new(&ctx)
        .data(json!(v.record.roster.blocks))
        .count(n)
        .finish())
}

async fn block_one(AppToken(ctx): AppToken, path: RoomUserPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let u = user(&path.3)?;
    single(run_batch(&ctx, &id, ManageOp::Block(vec![u.clone()])).await?)?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": true, "action": "add_blocks", "user": u, "id": id}))
        .finish())
}

#[derive(Deserialize)]
struct Usernames {
    usernames: Vec<String>,
}

async fn block_batch(
    AppToken(ctx): AppToken,
    path: RoomPath,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let req: Usernames = parse_json(&body)?;
    let users = user_list(&req.usernames, MAX_ROOM_BATCH, "usernames")?;
    let reply = run_batch(&ctx, &id, ManageOp::Block(users)).await?;
    Ok(Envelope::new(&ctx)
        .data(Value::Array(results(reply, "add_blocks", "id", &id)))
        .finish())
}

async fn unblock(AppToken(ctx): AppToken, path: RoomUserPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let users = path_users(&path.3, MAX_ROOM_BATCH, "removeBlocks")?;
    let reply = run_batch(&ctx, &id, ManageOp::Unblock(users.clone())).await?;
    if let [u] = users.as_slice() {
        single(reply)?;
        return Ok(Envelope::new(&ctx)
            .data(json!({"result": true, "action": "remove_blocks", "user": u, "id": id}))
            .finish());
    }
    Ok(Envelope::new(&ctx)
        .data(Value::Array(results(reply, "remove_blocks", "id", &id)))
        .finish())
}

/// R16c list: mutes still in force.
async fn mutes(AppToken(ctx): AppToken, path: RoomPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let v = view(&ctx, &id).await?;
    let now = ctx.node.clock.now_ms();
    let all = v.record.roster.mutes.iter().map(|(u, until)| (u, *until));
    let data = mutes::in_force(all, now);
    Ok(Envelope::new(&ctx).list(data).finish())
}

#[derive(Deserialize)]
struct MuteReq {
    usernames: Vec<String>,
    #[serde(default)]
    mute_duration: Option<i64>,
}

/// R16c: 1–60 users for `mute_duration` ms (-1 or absent: for good).
async fn mute(
    AppToken(ctx): AppToken,
    path: RoomPath,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let req: MuteReq = parse_json(&body)?;
    let users = user_list(&req.usernames, MAX_ROOM_BATCH, "usernames")?;
    let until = ctx.node.mute_until(req.mute_duration)?;
    let reply = run_batch(&ctx, &id, ManageOp::Mute { users, until }).await?;
    let data = mutes::muted(reply, until);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// R16c unmute: a comma list of 1–60 users.
async fn unmute(AppToken(ctx): AppToken, path: RoomUserPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let users = path_users(&path.3, MAX_ROOM_BATCH, "removeMute")?;
    let reply = run_batch(&ctx, &id, ManageOp::Unmute(users)).await?;
    let data = mutes::unmuted(reply);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// R17c on.
async fn ban(AppToken(ctx): AppToken, path: RoomPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    run(&ctx, &id, ManageOp::MuteAll(true)).await?;
    Ok(Envelope::new(&ctx).data(json!({"mute": true})).finish())
}

/// R17c off.
async fn unban(AppToken(ctx): AppToken, path: RoomPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    run(&ctx, &id, ManageOp::MuteAll(false)).await?;
    Ok(Envelope::new(&ctx).data(json!({"mute": false})).finish())
}

async fn announcement(AppToken(ctx): AppToken, path: RoomPath) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let v = view(&ctx, &id).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"announcement": v.record.announcement}))
        .finish())
}

#[derive(Deserialize)]
struct AnnouncementReq {
    announcement: String,
}

/// R8c set: at most 512 characters.
async fn set_announcement(
    AppToken(ctx): AppToken,
    path: RoomPath,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = rid(&path.2)?;
    let req: AnnouncementReq = parse_json(&body)?;
    run(&ctx, &id, ManageOp::SetAnnouncement(req.announcement)).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"id": id, "result": true}))
        .finish())
}
