//! Presence over REST (§10.3): set a device's status and the presence
//! text, subscribe, get statuses, unsubscribe, list a user's
//! subscriptions, count a group's members online. As on Easemob, these answer a flat body with one
//! `result` key instead of the envelope (errors keep the error body).
//! Every call acts as the user named in the path, with the app's token
//! or that user's own (the Web SDK's calls); the group count takes the
//! app's.

use super::extract::{AppCtx, AppToken, Authed, Body};
use super::parse_json;
use crate::error::ApiError;
use crate::presence::{presence_users, Subscribed};
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::ids::UserId;
use imcloud_actors::presence::{DeviceRef, PresenceStatus, MAX_PAGE_SIZE};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/{org}/{app}/users/{username}/presence/sublist", sublist)
        .post(
            "/{org}/{app}/users/{username}/presence/{resource}/{status}",
            set,
        )
        .post("/{org}/{app}/users/{username}/presence/{expiry}", subscribe)
        .post("/{org}/{app}/users/{username}/presence", get)
        .delete("/{org}/{app}/users/{username}/presence", unsubscribe)
        .get(
            "/{org}/{app}/presence/online/{group_id}/type/{kind}",
            group_online,
        );
}

/// Entries of a sublist page when `pageSize` is absent.
const SUBLIST_DEFAULT: usize = 100;

#[derive(Deserialize)]
struct UserPath {
    username: String,
}

#[derive(Deserialize)]
struct DevicePath {
    username: String,
    resource: String,
    status: String,
}

#[derive(Deserialize)]
struct ExpiryPath {
    username: String,
    expiry: String,
}

fn username(raw: &str) -> Result<UserId, ApiError> {
    UserId::parse(raw).map_err(|e| ApiError::IllegalArgument(e.to_string()))
}

/// `{"result": value}`.
fn result(value: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "result": value }))
}

/// A status item: `{"uid", "last_time", "expiry", "ext", "status"}`
/// (`expiry` 0: not subscribed). The Web SDK reads the same item in a
/// pushed presence change (`crate::msync::notify`).
pub(crate) fn status_item(p: PresenceStatus, expiry: Option<i64>) -> Value {
    json!({
        "uid": p.user,
        "last_time": p.last_time,
        "expiry": expiry.unwrap_or(0),
        "ext": p.ext,
        "status": p.status,
    })
}

#[derive(Deserialize)]
struct Ext {
    #[serde(default)]
    ext: Option<String>,
}

async fn set(
    auth: Authed,
    path: web::Path<DevicePath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.username)?;
    auth.act_for(&user)?;
    let ctx = auth.ctx;
    // The body may be left out: the status alone changes.
    let ext = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        parse_json::<Ext>(&body)?.ext
    };
    let device = DeviceRef::Resource(path.resource.clone());
    let status = Some(path.status.clone());
    ctx.node
        .set_presence(&ctx.app, &user, device, status, ext)
        .await?;
    Ok(result(json!("ok")))
}

#[derive(Deserialize)]
struct Usernames {
    usernames: Vec<String>,
}

async fn subscribe(
    auth: Authed,
    path: web::Path<ExpiryPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.username)?;
    auth.act_for(&user)?;
    let ctx = auth.ctx;
    let expiry = path
        .expiry
        .parse::<u64>()
        .map_err(|_| ApiError::IllegalArgument("expiry must be a number of seconds".into()))?;
    let req: Usernames = parse_json(&body)?;
    let targets = presence_users(&req.usernames)?;
    let subscribed = ctx
        .node
        .subscribe(&ctx.app, &user, &targets, expiry)
        .await?;
    let items = subscribed
        .into_iter()
        .map(|Subscribed { status, expires_at }| status_item(status, Some(expires_at)))
        .collect();
    Ok(result(Value::Array(items)))
}

async fn get(
    auth: Authed,
    path: web::Path<UserPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.username)?;
    auth.act_for(&user)?;
    let ctx = auth.ctx;
    let req: Usernames = parse_json(&body)?;
    let users = presence_users(&req.usernames)?;
    let statuses = ctx.node.presence_of(&ctx.app, &user, &users).await?;
    let items = statuses
        .into_iter()
        .map(|(status, expiry)| status_item(status, expiry))
        .collect();
    Ok(result(Value::Array(items)))
}

/// The users to unsubscribe from: a JSON array of names, or an object
/// with them under `users` (or `usernames`).
#[derive(Deserialize)]
#[serde(untagged)]
enum UnsubscribeBody {
    Names(Vec<String>),
    Users { users: Vec<String> },
    Usernames { usernames: Vec<String> },
}

async fn unsubscribe(
    auth: Authed,
    path: web::Path<UserPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.username)?;
    auth.act_for(&user)?;
    let ctx = auth.ctx;
    let names = match parse_json::<UnsubscribeBody>(&body)? {
        UnsubscribeBody::Names(n)
        | UnsubscribeBody::Users { users: n }
        | UnsubscribeBody::Usernames { usernames: n } => n,
    };
    let targets = presence_users(&names)?;
    ctx.node.unsubscribe(&ctx.app, &user, &targets).await?;
    Ok(result(json!("ok")))
}

#[derive(Deserialize)]
struct GroupOnlinePath {
    group_id: String,
    kind: String,
}

/// The number of a group's members with a device online (`type` 1: a
/// group; the only kind there is).
async fn group_online(
    AppToken(ctx): AppToken,
    path: web::Path<GroupOnlinePath>,
) -> Result<HttpResponse, ApiError> {
    if path.kind != "1" {
        return Err(ApiError::IllegalArgument("type must be 1 (a group)".into()));
    }
    let group = crate::groups::group_id(&path.group_id)?;
    let online = ctx.node.online_members(&ctx.app, &group).await?;
    Ok(result(json!(online)))
}

/// A page parameter: a number, or `default` when absent.
fn page_param(ctx: &AppCtx, name: &str, default: usize) -> Result<usize, ApiError> {
    match ctx.param(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| ApiError::IllegalArgument(format!("{name} must be a number"))),
    }
}

async fn sublist(auth: Authed, path: web::Path<UserPath>) -> Result<HttpResponse, ApiError> {
    let user = username(&path.username)?;
    auth.act_for(&user)?;
    let ctx = auth.ctx;
    let page = page_param(&ctx, "pageNum", 1)?;
    let size = page_param(&ctx, "pageSize", SUBLIST_DEFAULT)?;
    if size == 0 || size > MAX_PAGE_SIZE {
        return Err(ApiError::IllegalArgument(format!(
            "pageSize must be 1-{MAX_PAGE_SIZE}"
        )));
    }
    let page = ctx.node.subscriptions(&ctx.app, &user, page, size).await?;
    let sublist: Vec<Value> = page
        .subscriptions
        .into_iter()
        .map(|s| json!({"uid": s.user, "expiry": s.expires_at}))
        .collect();
    Ok(result(json!({"totalnum": page.total, "sublist": sublist})))
}
