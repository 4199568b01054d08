//! The REST calls groups and chatrooms share, on the one roster: admins
//! (G14–G16, R13c), the block list (G17–G20, R14c), mutes (G21–G23,
//! R16c), mute-all (G24, R17c) and the announcement (G28/G29, R8c). Each
//! route serves `/chatgroups/{id}/…` and `/chatrooms/{id}/…`; what Easemob
//! answers differently for the two (the id's key, a few error wordings,
//! `count` on a mute list, rooms checking that a new admin exists) is in
//! [`Area`].

use super::envelope::Envelope;
use super::extract::{AppCtx, AppToken, Body};
use super::mutes;
use super::parse_json;
use super::user_batch::{path_users, results, single, user, user_list_or, Outcomes};
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use imcloud_actors::chatroom::RoomView;
use imcloud_actors::group::GroupView;
use imcloud_actors::roster::limits::MAX_BATCH;
use imcloud_actors::roster::{Actor, ManageOp, ManageReply, Role, Scope};
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{json, Value};

/// The path segment that names a group or a room.
const KIND: &str = "{kind:chatgroups|chatrooms}";

pub fn configure(cfg: &mut web::ServiceConfig) {
    let at = |rest: &str| format!("/{{org}}/{{app}}/{KIND}/{{id}}{rest}");
    cfg.route(&at("/admin"), web::get().to(admins))
        .route(&at("/admin"), web::post().to(add_admin))
        .route(&at("/admin/{username}"), web::delete().to(remove_admin))
        .route(&at("/blocks/users"), web::get().to(blocks))
        .route(&at("/blocks/users"), web::post().to(block_batch))
        .route(&at("/blocks/users/{username}"), web::post().to(block_one))
        .route(&at("/blocks/users/{usernames}"), web::delete().to(unblock))
        .route(&at("/mute"), web::get().to(mute_list))
        .route(&at("/mute"), web::post().to(mute))
        .route(&at("/mute/{usernames}"), web::delete().to(unmute))
        .route(&at("/ban"), web::post().to(ban))
        .route(&at("/ban"), web::delete().to(unban))
        .route(&at("/announcement"), web::get().to(announcement))
        .route(&at("/announcement"), web::post().to(set_announcement));
}

/// A group or a room, and what Easemob answers differently for each.
struct Area {
    scope: Scope,
    id: String,
}

impl Area {
    /// The key Easemob names the id with in per-user results.
    fn id_key(&self) -> &'static str {
        match self.scope {
            Scope::Group => "groupid",
            Scope::Chatroom => "id",
        }
    }

    /// The error of a user list of the wrong size, in Easemob's words for
    /// `call`.
    fn too_many(&self, call: Call) -> String {
        match (self.scope, call) {
            (Scope::Group, Call::Block) => {
                format!("userNames is more than max limit : {MAX_BATCH}")
            }
            (Scope::Group, Call::Mute) => {
                format!("userNames size is more than max limit : {MAX_BATCH}")
            }
            (Scope::Group, Call::Unmute) => {
                format!("removeMute member size more than max limit: name 1-{MAX_BATCH} users")
            }
            (Scope::Chatroom, Call::Block | Call::Mute) => {
                format!("usernames: name 1-{MAX_BATCH} users")
            }
            (Scope::Chatroom, Call::Unmute) => format!("removeMute: name 1-{MAX_BATCH} users"),
        }
    }
}

#[derive(Clone, Copy)]
enum Call {
    Block,
    Mute,
    Unmute,
}

#[derive(Deserialize)]
struct On {
    kind: String,
    id: String,
}

#[derive(Deserialize)]
struct OnUser {
    kind: String,
    id: String,
    username: String,
}

#[derive(Deserialize)]
struct OnUsers {
    kind: String,
    id: String,
    usernames: String,
}

fn area(kind: &str, id: &str) -> Result<Area, ApiError> {
    let (scope, id) = match kind {
        "chatgroups" => (Scope::Group, crate::groups::group_id(id)?),
        _ => (Scope::Chatroom, crate::chatrooms::room_id(id)?),
    };
    Ok(Area { scope, id })
}

/// A group's or a room's view, for the reads these calls make.
enum Viewed {
    Group(Box<GroupView>),
    Room(Box<RoomView>),
}

impl Viewed {
    fn admins(&self) -> Vec<String> {
        match self {
            Viewed::Group(v) => v
                .members
                .iter()
                .filter(|(_, m)| m.role == Role::Admin)
                .map(|(u, _)| u.clone())
                .collect(),
            Viewed::Room(v) => v.record.roster.admins.iter().cloned().collect(),
        }
    }

    fn blocks(&self) -> Vec<String> {
        match self {
            Viewed::Group(v) => v.blocks.clone(),
            Viewed::Room(v) => v.record.roster.blocks.iter().cloned().collect(),
        }
    }

    /// Every mute with its end (ms).
    fn mutes(&self) -> Vec<(String, i64)> {
        match self {
            Viewed::Group(v) => v
                .members
                .iter()
                .filter(|(_, m)| m.mute_until != 0)
                .map(|(u, m)| (u.clone(), m.mute_until))
                .collect(),
            Viewed::Room(v) => v
                .record
                .roster
                .mutes
                .iter()
                .map(|(u, until)| (u.clone(), *until))
                .collect(),
        }
    }

    fn announcement(&self) -> &str {
        match self {
            Viewed::Group(v) => &v.record.announcement,
            Viewed::Room(v) => &v.record.announcement,
        }
    }
}

/// Runs `op` as the app on the group or room.
async fn run(ctx: &AppCtx, area: &Area, op: ManageOp) -> Result<ManageReply<Viewed>, ApiError> {
    fn viewed<V>(reply: ManageReply<V>, wrap: fn(Box<V>) -> Viewed) -> ManageReply<Viewed> {
        match reply {
            ManageReply::View(v) => ManageReply::View(Box::new(wrap(v))),
            ManageReply::Done => ManageReply::Done,
            ManageReply::Pending => ManageReply::Pending,
            ManageReply::Users(u) => ManageReply::Users(u),
        }
    }
    let (node, app, id) = (&ctx.node, &ctx.app, area.id.as_str());
    Ok(match area.scope {
        Scope::Group => viewed(node.group(app, id, Actor::App, op).await?, Viewed::Group),
        Scope::Chatroom => viewed(node.room(app, id, Actor::App, op).await?, Viewed::Room),
    })
}

async fn view(ctx: &AppCtx, area: &Area) -> Result<Viewed, ApiError> {
    match run(ctx, area, ManageOp::Get).await? {
        ManageReply::View(v) => Ok(*v),
        _ => Err(ApiError::Domain(DomainError::Internal)),
    }
}

async fn batch(ctx: &AppCtx, area: &Area, op: ManageOp) -> Result<Outcomes, ApiError> {
    match run(ctx, area, op).await? {
        ManageReply::Users(list) => Ok(list),
        _ => Ok(Vec::new()),
    }
}

/// G14, R13c: the admins.
async fn admins(AppToken(ctx): AppToken, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let list = view(&ctx, &area).await?.admins();
    let n = list.len();
    Ok(Envelope::new(&ctx).data(json!(list)).count(n).finish())
}

#[derive(Deserialize)]
struct NewAdmin {
    newadmin: String,
}

/// G15, R13c: a member made admin (a room's must be an existing user).
async fn add_admin(
    AppToken(ctx): AppToken,
    on: web::Path<On>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let req: NewAdmin = parse_json(&body)?;
    let u = user(&req.newadmin)?;
    if area.scope == Scope::Chatroom {
        ctx.node
            .users_exist(&ctx.app, std::slice::from_ref(&u))
            .await?;
    }
    let op = ManageOp::SetAdmin {
        user: u.clone(),
        admin: true,
    };
    run(&ctx, &area, op).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": "success", "newadmin": u}))
        .finish())
}

/// G16, R13c.
async fn remove_admin(
    AppToken(ctx): AppToken,
    on: web::Path<OnUser>,
) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let u = user(&on.username)?;
    let op = ManageOp::SetAdmin {
        user: u.clone(),
        admin: false,
    };
    run(&ctx, &area, op).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": "success", "oldadmin": u}))
        .finish())
}

/// G17, R14c: the block list.
async fn blocks(AppToken(ctx): AppToken, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let list = view(&ctx, &area).await?.blocks();
    let n = list.len();
    Ok(Envelope::new(&ctx).data(json!(list)).count(n).finish())
}

/// G19, R14c: one user blocked (a member is removed first).
async fn block_one(
    AppToken(ctx): AppToken,
    on: web::Path<OnUser>,
) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let u = user(&on.username)?;
    single(batch(&ctx, &area, ManageOp::Block(vec![u.clone()])).await?)?;
    let mut data = json!({"result": true, "action": "add_blocks", "user": u});
    data[area.id_key()] = json!(area.id);
    Ok(Envelope::new(&ctx).data(data).finish())
}

#[derive(Deserialize)]
struct Usernames {
    usernames: Vec<String>,
}

/// G18, R14c: users blocked, a result each.
async fn block_batch(
    AppToken(ctx): AppToken,
    on: web::Path<On>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let req: Usernames = parse_json(&body)?;
    let users = user_list_or(&req.usernames, MAX_BATCH, || area.too_many(Call::Block))?;
    let reply = batch(&ctx, &area, ManageOp::Block(users)).await?;
    let data = results(reply, "add_blocks", area.id_key(), &area.id);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// G20, R14c: one user (its error is the call's) or a comma list.
async fn unblock(
    AppToken(ctx): AppToken,
    on: web::Path<OnUsers>,
) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let users = path_users(&on.usernames, MAX_BATCH, "removeBlocks")?;
    let reply = batch(&ctx, &area, ManageOp::Unblock(users.clone())).await?;
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
async fn mute_list(AppToken(ctx): AppToken, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let all = view(&ctx, &area).await?.mutes();
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
async fn mute(
    AppToken(ctx): AppToken,
    on: web::Path<On>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let req: MuteReq = parse_json(&body)?;
    let users = user_list_or(&req.usernames, MAX_BATCH, || area.too_many(Call::Mute))?;
    let until = ctx.node.mute_until(req.mute_duration)?;
    let reply = batch(&ctx, &area, ManageOp::Mute { users, until }).await?;
    let data = mutes::muted(reply, until);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// G23, R16c: a comma list of 1–60 users.
async fn unmute(AppToken(ctx): AppToken, on: web::Path<OnUsers>) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let names: Vec<String> = on
        .usernames
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let users = user_list_or(&names, MAX_BATCH, || area.too_many(Call::Unmute))?;
    let reply = batch(&ctx, &area, ManageOp::Unmute(users)).await?;
    let data = mutes::unmuted(reply);
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

async fn mute_all(ctx: &AppCtx, on: &On, mute: bool) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    run(ctx, &area, ManageOp::MuteAll(mute)).await?;
    Ok(Envelope::new(ctx).data(json!({ "mute": mute })).finish())
}

/// G24, R17c on: the owner and admins may still send; nobody is put on
/// the mute list.
async fn ban(AppToken(ctx): AppToken, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    mute_all(&ctx, &on, true).await
}

/// G24, R17c off.
async fn unban(AppToken(ctx): AppToken, on: web::Path<On>) -> Result<HttpResponse, ApiError> {
    mute_all(&ctx, &on, false).await
}

/// G28, R8c.
async fn announcement(
    AppToken(ctx): AppToken,
    on: web::Path<On>,
) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let v = view(&ctx, &area).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"announcement": v.announcement()}))
        .finish())
}

#[derive(Deserialize)]
struct AnnouncementReq {
    announcement: String,
}

/// G29, R8c: at most 512 characters (checked by the group or room).
async fn set_announcement(
    AppToken(ctx): AppToken,
    on: web::Path<On>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let area = area(&on.kind, &on.id)?;
    let req: AnnouncementReq = parse_json(&body)?;
    run(&ctx, &area, ManageOp::SetAnnouncement(req.announcement)).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"id": area.id, "result": true}))
        .finish())
}
