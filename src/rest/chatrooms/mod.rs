//! Chatrooms (Easemob §7 `chatrooms`), with the app token: every call acts
//! as the app, which may do everything; the room entity still checks the
//! rest (membership, limits, the owner's own protections).
//!
//! - this file: create (R1c), get one or several (R4c), modify and
//!   transfer owner (R5c/R6c), delete (R7c), and the helpers the other
//!   files share.
//! - [`list`]: every room of the app, newest first, with cursor (R2c).
//! - [`members`]: members list/add/remove (R9c–R12c).
//! - admins, block list, mutes, mute-all and the announcement (R13c, R14c,
//!   R16c, R17c, R8c) are `rest::roster`'s, shared with groups.
//! - [`super_admin`]: the app's chatroom super admins (R18c–R20c).
//!
//! Route order matters: `super_admin` is registered before
//! `/chatrooms/{ids}` so that it is never read as a room id.

mod list;
mod super_admin;

use super::envelope::Envelope;
use super::extract::{AppCtx, Authed, Body, Caller};
use super::user_batch::user;
use super::{multi_get, parse_json, patch_body};
use crate::chatrooms::{room_id, NewRoom};
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::chatroom::{RoomOp, RoomReply, RoomView};
use imcloud_actors::roster::{Actor, ManageOp, ManageReply, Patch, Scope};
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Most ids one R4c call takes.
const MAX_GET_IDS: usize = 100;
/// Most members one R1c call names (more are added with R11c).
const MAX_CREATE_MEMBERS: usize = 1000;

type RoomPath = web::Path<(String, String, String)>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // First: `/chatrooms/super_admin` must not match `/chatrooms/{ids}`.
    super_admin::configure(cfg);
    list::configure(cfg);
    cfg.post("/{org}/{app}/chatrooms", create)
        .get("/{org}/{app}/chatrooms/{ids}", get)
        .put("/{org}/{app}/chatrooms/{id}", update)
        .delete("/{org}/{app}/chatrooms/{id}", delete);
}

/// The room id of a path segment.
fn rid(raw: &str) -> Result<String, ApiError> {
    Ok(room_id(raw)?)
}

/// Reads the whole room.
async fn view(ctx: &AppCtx, id: &str) -> Result<RoomView, ApiError> {
    match run(ctx, &Actor::App, id, ManageOp::Get).await? {
        ManageReply::View(v) => Ok(*v),
        _ => Err(ApiError::Domain(DomainError::Internal)),
    }
}

/// Runs an operation as `actor`: the app, or a user (its token: the room
/// checks what its role allows).
async fn run(
    ctx: &AppCtx,
    actor: &Actor,
    id: &str,
    op: impl Into<RoomOp>,
) -> Result<RoomReply, ApiError> {
    Ok(ctx.node.room(&ctx.app, id, actor.clone(), op).await?)
}

/// Easemob's `affiliations`: the owner, then everyone else as `member`.
pub(in crate::rest) fn affiliations(v: &RoomView) -> Vec<Value> {
    v.members
        .iter()
        .map(|u| {
            if *u == v.record.roster.owner {
                json!({"owner": u})
            } else {
                json!({"member": u})
            }
        })
        .collect()
}

fn room_json(v: &RoomView) -> Value {
    let r = &v.record;
    json!({
        "id": r.id, "name": r.name, "description": r.description,
        "membersonly": false, "allowinvites": false, "maxusers": r.maxusers,
        "owner": r.roster.owner, "created": r.created, "custom": r.custom,
        "mute": r.roster.mute_all, "affiliations_count": v.members.len(),
        "affiliations": affiliations(v), "public": true,
    })
}

#[derive(Deserialize)]
struct CreateReq {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    maxusers: Option<u32>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    custom: Option<String>,
}

fn required(v: Option<String>, field: &str) -> Result<String, ApiError> {
    v.ok_or_else(|| ApiError::IllegalArgument(format!("{field} must be provided")))
}

/// R1c: `name`, `description`, `owner` required; every user named must
/// exist. A user token (the SDK's `createChatRoom`) creates a room its
/// user owns, if the user is one of the app's chatroom super admins.
async fn create(auth: Authed, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: CreateReq = parse_json(&body)?;
    let name = required(req.name, "name")?;
    let description = required(req.description, "description")?;
    let owner = user(&required(req.owner, "owner")?)?;
    auth.act_for(&imcloud_actors::ids::UserId::parse(&owner)?)?;
    let ctx = auth.ctx;
    if matches!(auth.caller, Caller::User(_)) && !ctx.node.is_super_admin(&ctx.app, &owner).await? {
        return Err(DomainError::Forbidden(
            Scope::Chatroom,
            "only chatroom super admins may create chatrooms".into(),
        )
        .into());
    }
    if req.members.len() > MAX_CREATE_MEMBERS {
        return Err(ApiError::IllegalArgument(format!(
            "members: name at most {MAX_CREATE_MEMBERS} users"
        )));
    }
    let members: Vec<String> = req
        .members
        .iter()
        .map(|m| user(m))
        .collect::<Result<_, _>>()?;
    let new = NewRoom {
        name,
        description,
        maxusers: req.maxusers,
        owner,
        members,
        custom: req.custom.unwrap_or_default(),
    };
    let id = ctx.node.create_room(&ctx.app, new).await?;
    Ok(Envelope::new(&ctx).data(json!({ "id": id })).finish())
}

/// R4c: up to 100 comma-separated ids (any user of the app reads them,
/// as the SDK's `getChatRoomDetails`).
async fn get(auth: Authed, path: RoomPath) -> Result<HttpResponse, ApiError> {
    let ctx = auth.ctx;
    let rooms = multi_get::Kind {
        what: "chatroom",
        max: MAX_GET_IDS,
        id: rid,
        missing: |e| matches!(e, ApiError::Domain(DomainError::NotFound(Scope::Chatroom))),
        json: room_json,
    };
    let ctx = &ctx;
    multi_get::get(
        ctx,
        &path.2,
        rooms,
        |id| async move { view(ctx, &id).await },
    )
    .await
}

/// Fields R5c accepts (`groupname` is an alias of `name`); `newowner`
/// makes it R6c.
const UPDATABLE: [&str; 4] = ["name", "groupname", "description", "maxusers"];

/// R5c (settings) and R6c (`newowner`: must be an existing user); the
/// SDK's `modifyChatRoom` as the room's owner or an admin.
async fn update(auth: Authed, path: RoomPath, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let id = rid(&path.2)?;
    let req: Map<String, Value> = parse_json(&body)?;
    if let Some(new) = req.get("newowner") {
        let new = user(
            new.as_str()
                .ok_or_else(|| ApiError::IllegalArgument("newowner must be a username".into()))?,
        )?;
        ctx.node
            .users_exist(&ctx.app, std::slice::from_ref(&new))
            .await?;
        run(&ctx, &actor, &id, ManageOp::TransferOwner(new)).await?;
        return Ok(Envelope::new(&ctx).data(json!({"newowner": true})).finish());
    }
    patch_body::only_fields(&req, &UPDATABLE)?;
    if req.is_empty() {
        return Err(ApiError::IllegalArgument(
            "name one of name, description, maxusers".into(),
        ));
    }
    let text = |k: &str| patch_body::text(&req, k);
    let patch = Patch {
        name: text("name")?.or(text("groupname")?),
        description: text("description")?,
        maxusers: patch_body::maxusers(&req)?,
        ..Patch::default()
    };
    run(&ctx, &actor, &id, ManageOp::Update(patch)).await?;
    // Easemob answers `groupname` for the name.
    let data: Map<String, Value> = req
        .keys()
        .map(|k| {
            let k = if k == "name" { "groupname" } else { k.as_str() };
            (k.to_string(), json!(true))
        })
        .collect();
    Ok(Envelope::new(&ctx).data(Value::Object(data)).finish())
}

/// R7c; the SDK's `destroyChatRoom` as the room's owner.
async fn delete(auth: Authed, path: RoomPath) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let id = rid(&path.2)?;
    run(&ctx, &actor, &id, ManageOp::Delete).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"success": true, "id": id}))
        .finish())
}
