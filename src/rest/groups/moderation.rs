//! Group moderation: the block list (G17–G20), mute of members and
//! mute-all (G21–G24), and the announcement (G28/G29).

use super::members::{names, results, single};
use super::{gid, run, user, view};
use crate::error::ApiError;
use crate::groups::mute_until;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppToken, Body};
use crate::rest::parse_json;
use actix_web::{web, HttpResponse};
use imcloud_actors::group::{GroupOp, GroupReply, MAX_BATCH};
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
    single(run(&ctx, &id, GroupOp::Block(vec![u.clone()])).await?)?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": true, "action": "add_blocks", "user": u, "groupid": id}))
        .finish())
}

#[derive(Deserialize)]
struct Usernames {
    usernames: Vec<String>,
}

fn usernames(body: &[u8]) -> Result<Vec<String>, ApiError> {
    let req: Usernames = parse_json(body)?;
    if req.usernames.is_empty() || req.usernames.len() > MAX_BATCH {
        return Err(ApiError::IllegalArgument(format!(
            "userNames is more than max limit : {MAX_BATCH}"
        )));
    }
    req.usernames.iter().map(|u| user(u)).collect()
}

async fn block_batch(
    AppToken(ctx): AppToken,
    path: GroupPath,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let users = usernames(&body)?;
    let reply = run(&ctx, &id, GroupOp::Block(users)).await?;
    Ok(Envelope::new(&ctx)
        .data(Value::Array(results(reply, "add_blocks", &id)))
        .finish())
}

async fn unblock(AppToken(ctx): AppToken, path: GroupUserPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let users = names(&path.3, "removeBlocks")?;
    let reply = run(&ctx, &id, GroupOp::Unblock(users.clone())).await?;
    if users.len() == 1 {
        single(reply)?;
        return Ok(Envelope::new(&ctx)
            .data(
                json!({"result": true, "action": "remove_blocks", "user": users[0], "groupid": id}),
            )
            .finish());
    }
    Ok(Envelope::new(&ctx)
        .data(Value::Array(results(reply, "remove_blocks", &id)))
        .finish())
}

async fn mutes(AppToken(ctx): AppToken, path: GroupPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let v = view(&ctx, &id).await?;
    let now = imcloud_actors::ids::now_ms();
    let data: Vec<Value> = v
        .members
        .iter()
        .filter(|(_, m)| m.mute_until > now)
        .map(|(u, m)| json!({"user": u, "expire": expire(m.mute_until)}))
        .collect();
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// A mute's end as Easemob shows it: ms, or -1 for good.
fn expire(until: i64) -> i64 {
    if until == i64::MAX {
        -1
    } else {
        until
    }
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
    if req.usernames.is_empty() || req.usernames.len() > MAX_BATCH {
        return Err(ApiError::IllegalArgument(format!(
            "userNames size is more than max limit : {MAX_BATCH}"
        )));
    }
    let users: Vec<String> = req
        .usernames
        .iter()
        .map(|u| user(u))
        .collect::<Result<_, _>>()?;
    let until = mute_until(req.mute_duration)?;
    let reply = run(&ctx, &id, GroupOp::Mute { users, until }).await?;
    let data: Vec<Value> = match reply {
        GroupReply::Users(list) => list
            .into_iter()
            .map(|(u, r)| match r {
                Ok(()) => json!({"result": true, "expire": expire(until), "user": u}),
                Err(e) => json!({"result": false, "reason": ApiError::Domain(e).public_message(), "user": u}),
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

async fn unmute(AppToken(ctx): AppToken, path: GroupUserPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let users = names(&path.3, "removeMute member size more than max limit")?;
    let reply = run(&ctx, &id, GroupOp::Unmute(users)).await?;
    let data: Vec<Value> = match reply {
        GroupReply::Users(list) => list
            .into_iter()
            .map(|(u, r)| json!({"result": r.is_ok(), "user": u}))
            .collect(),
        _ => Vec::new(),
    };
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

async fn ban(AppToken(ctx): AppToken, path: GroupPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    run(&ctx, &id, GroupOp::MuteAll(true)).await?;
    Ok(Envelope::new(&ctx).data(json!({"mute": true})).finish())
}

async fn unban(AppToken(ctx): AppToken, path: GroupPath) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    run(&ctx, &id, GroupOp::MuteAll(false)).await?;
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
    run(&ctx, &id, GroupOp::SetAnnouncement(req.announcement)).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"id": id, "result": true}))
        .finish())
}
