//! Groups (Easemob §6 `chatgroups`): with the app token a call acts as
//! the app, which has the owner's rights; the group entity still checks
//! everything else (membership, limits, the owner's own protections).
//!
//! - this file: create (G1), get one or several (G2), modify and transfer
//!   owner (G3/G13), dismiss (G4), a user's groups (G6/G6b), is_joined (G7).
//! - [`list`]: every group of the app, newest first, with cursor (G5).
//! - [`joining`]: a user's own calls (apply, invite, answers, leave).
//!
//! The calls the Web SDK makes as its user also take the user's token:
//! the group entity then checks what the user's role allows (a user token
//! creates groups it owns, reads public groups and its own).
//! - [`members`]: members list/add/remove (G9–G12).
//! - admins, block list, mutes, mute-all and the announcement (G14–G24,
//!   G28/G29) are `rest::roster`'s, shared with chatrooms.

mod joining;
mod list;

use super::envelope::Envelope;
use super::extract::{AppCtx, AppToken, Authed, Body};
use super::user_batch::user;
use super::{multi_get, parse_json, patch_body};
use crate::error::ApiError;
use crate::groups::group_id;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use futures_util::future::join_all;
use imcloud_actors::group::{GroupOp, GroupRecord, GroupReply, GroupView};
use imcloud_actors::ids::UserId;
use imcloud_actors::roster::{Actor, ManageOp, ManageReply, Patch, Role, Scope};
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Most ids one G2 call takes.
const MAX_GET_IDS: usize = 100;
/// Default `maxusers` of a new group (Easemob: 200, owner included).
const DEFAULT_MAXUSERS: u32 = 200;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/chatgroups", create)
        .get("/{org}/{app}/chatgroups/user/{username}", user_groups_paged)
        .get(
            "/{org}/{app}/users/{username}/joined_chatgroups",
            joined_groups,
        )
        .get("/{org}/{app}/chatgroups/{ids}", get)
        .put("/{org}/{app}/chatgroups/{id}", update)
        .delete("/{org}/{app}/chatgroups/{id}", dismiss)
        .get(
            "/{org}/{app}/chatgroups/{id}/user/{username}/is_joined",
            is_joined,
        )
        .post(
            "/{org}/{app}/chatgroups/{id}/user/{username}/is_joined",
            is_joined,
        );
    list::configure(cfg);
    joining::configure(cfg);
}

/// The group id of a path segment.
pub(super) fn gid(raw: &str) -> Result<String, ApiError> {
    Ok(group_id(raw)?)
}

/// Reads the whole group, as the app.
pub(super) async fn view(ctx: &AppCtx, id: &str) -> Result<GroupView, ApiError> {
    view_as(ctx, &Actor::App, id).await
}

/// Reads the whole group as `actor` (a user reads a public group, or one
/// it is in).
async fn view_as(ctx: &AppCtx, actor: &Actor, id: &str) -> Result<GroupView, ApiError> {
    match run_as(ctx, actor, id, ManageOp::Get).await? {
        ManageReply::View(v) => Ok(*v),
        _ => Err(ApiError::Domain(DomainError::Internal)),
    }
}

/// Runs an operation as `actor` (users who would join hold a group slot
/// first, see `Node::group`).
async fn run_as(
    ctx: &AppCtx,
    actor: &Actor,
    id: &str,
    op: impl Into<GroupOp>,
) -> Result<GroupReply, ApiError> {
    Ok(ctx.node.group(&ctx.app, id, actor.clone(), op).await?)
}

/// Easemob's `affiliations`: the owner, then everyone else as `member`.
pub(in crate::rest) fn affiliations(v: &GroupView) -> Vec<Value> {
    v.members
        .iter()
        .map(|(u, m)| match m.role {
            Role::Owner => json!({"owner": u}),
            _ => json!({"member": u}),
        })
        .collect()
}

fn group_json(v: &GroupView) -> Value {
    let r = &v.record;
    json!({
        "id": r.id, "name": r.name, "description": r.description,
        "membersonly": r.membersonly, "allowinvites": r.allowinvites,
        "maxusers": r.maxusers, "owner": r.owner, "created": r.created,
        "custom": r.custom, "mute": r.mute_all, "affiliations_count": v.members.len(),
        "disabled": false, "public": r.public, "affiliations": affiliations(v),
    })
}

#[derive(Deserialize)]
struct NewGroup {
    #[serde(default)]
    groupid: Option<String>,
    #[serde(default)]
    groupname: Option<String>,
    #[serde(default, alias = "desc")]
    description: Option<String>,
    #[serde(default)]
    public: Option<bool>,
    #[serde(default)]
    maxusers: Option<u32>,
    #[serde(default)]
    allowinvites: Option<bool>,
    #[serde(default, alias = "members_only", alias = "approval")]
    membersonly: Option<bool>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    custom: Option<String>,
}

/// G1. A user token (the SDK's `createGroup`) creates a group the user
/// owns.
async fn create(auth: Authed, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: NewGroup = parse_json(&body)?;
    let public = req
        .public
        .ok_or_else(|| ApiError::IllegalArgument("group must contain public field!".into()))?;
    let owner = user(
        req.owner
            .as_deref()
            .ok_or_else(|| ApiError::IllegalArgument("owner must be provided".into()))?,
    )?;
    auth.act_for(&UserId::parse(&owner)?)?;
    let ctx = auth.ctx;
    let members: Vec<String> = req
        .members
        .iter()
        .map(|m| user(m))
        .collect::<Result<_, _>>()?;
    let maxusers = req.maxusers.unwrap_or(DEFAULT_MAXUSERS);
    let id = match req.groupid {
        Some(g) => gid(&g)?,
        None => ctx.node.env.msg_ids.next().to_string(),
    };
    let record = GroupRecord {
        id: id.clone(),
        owner,
        name: req.groupname.unwrap_or_default(),
        description: req.description.unwrap_or_default(),
        public,
        maxusers,
        // Easemob forces invitations off for public groups at creation.
        allowinvites: !public && req.allowinvites.unwrap_or(false),
        membersonly: req.membersonly.unwrap_or(false),
        custom: req.custom.unwrap_or_default(),
        announcement: String::new(),
        mute_all: false,
        created: ctx.node.clock.now_ms(),
        applicants: Vec::new(),
        invitees: Vec::new(),
    };
    run_as(&ctx, &Actor::App, &id, GroupOp::Create { record, members }).await?;
    Ok(Envelope::new(&ctx).data(json!({ "groupid": id })).finish())
}

/// G2: up to 100 comma-separated ids.
/// G2. A user token (the SDK's `getGroupInfo`) reads public groups and
/// the private ones its user is in (403 `forbidden_op` otherwise).
async fn get(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let groups = multi_get::Kind {
        what: "group",
        max: MAX_GET_IDS,
        id: gid,
        missing: |e| matches!(e, ApiError::Domain(DomainError::NotFound(Scope::Group))),
        json: group_json,
    };
    let ctx = &ctx;
    multi_get::get(ctx, &path.2, groups, |id| {
        let actor = actor.clone();
        async move { view_as(ctx, &actor, &id).await }
    })
    .await
}

/// Fields G3 accepts; `newowner` makes it G13.
const UPDATABLE: [&str; 10] = [
    "groupname",
    "name",
    "description",
    "maxusers",
    "membersonly",
    "allowinvites",
    "invite_need_confirm",
    "public",
    "custom",
    "avatar",
];

/// G3/G13 (the SDK's `modifyGroup`, `changeGroupOwner`).
async fn update(
    auth: Authed,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let id = gid(&path.2)?;
    let req: Map<String, Value> = parse_json(&body)?;
    if let Some(new) = req.get("newowner") {
        let new = user(new.as_str().unwrap_or_default())?;
        run_as(&ctx, &actor, &id, ManageOp::TransferOwner(new)).await?;
        return Ok(Envelope::new(&ctx).data(json!({"newowner": true})).finish());
    }
    patch_body::only_fields(&req, &UPDATABLE)?;
    let text = |k: &str| patch_body::text(&req, k);
    let flag = |k: &str| patch_body::flag(&req, k);
    let maxusers = patch_body::maxusers(&req)?;
    let patch = Patch {
        name: text("groupname")?.or(text("name")?),
        description: text("description")?,
        public: flag("public")?,
        maxusers,
        allowinvites: flag("allowinvites")?,
        membersonly: flag("membersonly")?,
        custom: text("custom")?,
    };
    run_as(&ctx, &actor, &id, ManageOp::Update(patch)).await?;
    let data: Map<String, Value> = req.keys().map(|k| (k.clone(), json!(true))).collect();
    Ok(Envelope::new(&ctx).data(Value::Object(data)).finish())
}

/// G4 (the SDK's `destroyGroup`: the owner's).
async fn dismiss(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = auth.split();
    let id = gid(&path.2)?;
    run_as(&ctx, &actor, &id, ManageOp::Delete).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"success": true, "groupid": id}))
        .finish())
}

/// The user's groups, read one by one for their names; `page` is
/// `(pagenum from 0, pagesize)`.
async fn groups_of(
    ctx: &AppCtx,
    username: &str,
    page: (usize, usize),
) -> Result<(Vec<GroupView>, usize), ApiError> {
    let u = UserId::parse(username).map_err(|e| ApiError::IllegalArgument(e.to_string()))?;
    let all = ctx.node.user_groups(&ctx.app, &u).await?;
    let total = all.len();
    let (num, size) = page;
    let ids: Vec<String> = all
        .into_iter()
        .skip(num.saturating_mul(size))
        .take(size)
        .map(|(g, _)| g)
        .collect();
    let views = join_all(ids.iter().map(|g| view(ctx, g))).await;
    // A group dismissed since the index was written is skipped.
    Ok((views.into_iter().filter_map(Result::ok).collect(), total))
}

fn page_param(ctx: &AppCtx, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    match ctx.param(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| ApiError::IllegalArgument(format!("{name} must be 0-{max}"))),
    }
}

/// G6: `pagesize` 1–20 (default 5), `pagenum` from 0.
async fn user_groups_paged(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let who = UserId::parse(&path.2)?;
    auth.act_for(&who)?;
    let ctx = auth.ctx;
    let size = page_param(&ctx, "pagesize", 5, 20)?.max(1);
    let num = page_param(&ctx, "pagenum", 0, 100_000)?;
    let (views, total) = groups_of(&ctx, &path.2, (num, size)).await?;
    let me = who.to_string();
    let entities = views
        .iter()
        .map(|v| {
            let r = &v.record;
            json!({"groupId": r.id, "id": r.id, "name": r.name, "owner": r.owner,
                "description": r.description, "disabled": false, "public": r.public,
                "allowinvites": r.allowinvites, "membersonly": r.membersonly,
                "maxusers": r.maxusers, "created": r.created,
                "affiliations_count": v.members.len(), "permission": role_in(v, &me)})
        })
        .collect();
    Ok(Envelope::new(&ctx)
        .entities(entities)
        .field("total", json!(total))
        .finish())
}

/// `user`'s role in the group (`member` if it is none).
fn role_in(v: &GroupView, user: &str) -> &'static str {
    v.members
        .iter()
        .find(|(m, _)| m == user)
        .map_or("member", |(_, r)| r.role.as_str())
}

/// G6b: `pagesize` up to 100 (default 100), `pagenum` from 0. With
/// `version=v3` (the Web SDK's `getJoinedGroups`) each item is
/// `{"id", "name", "disabled", "permission"}` (the user's role).
async fn joined_groups(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let who = UserId::parse(&path.2)?;
    auth.act_for(&who)?;
    let ctx = auth.ctx;
    let size = page_param(&ctx, "pagesize", 100, 100)?.max(1);
    let num = page_param(&ctx, "pagenum", 0, 100_000)?;
    let (views, _) = groups_of(&ctx, &path.2, (num, size)).await?;
    let v3 = ctx.param("version") == Some("v3");
    let me = who.to_string();
    let data: Vec<Value> = views
        .iter()
        .map(|v| {
            if v3 {
                json!({"id": v.record.id, "name": v.record.name, "disabled": false,
                    "permission": role_in(v, &me)})
            } else {
                json!({"groupid": v.record.id, "groupname": v.record.name})
            }
        })
        .collect();
    Ok(Envelope::new(&ctx).list(data).finish())
}

async fn is_joined(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id = gid(&path.2)?;
    let u = user(&path.3)?;
    let v = view(&ctx, &id).await?;
    let joined = v.members.iter().any(|(m, _)| *m == u);
    Ok(Envelope::new(&ctx).data(json!(joined)).finish())
}
