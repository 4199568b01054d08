//! Users (Easemob §3): register one or a batch (U1/U2), get (U3), list with
//! cursor (U4), delete (U5), set password (U7), online status (U13/U14) and
//! offline message count (U15).

use super::envelope::{user_entity, Envelope};
use super::extract::{AppCtx, AppToken, Body};
use super::parse_json;
use crate::auth::password::check_new_password;
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use futures_util::future::join_all;
use imcloud_actors::ids::UserId;
use imcloud_actors::queries::ListUsers;
use imcloud_actors::user::{
    CreateUser, DeleteUser, GetOfflineCount, GetStatus, GetUser, NewUser, SetPassword,
};
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{json, Value};

/// Most users one batch registration takes.
const MAX_BATCH_REGISTER: usize = 60;
/// Most names one batch status call takes.
const MAX_BATCH_STATUS: usize = 100;
const MAX_NICKNAME: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/users", register)
        .get("/{org}/{app}/users", list)
        .post("/{org}/{app}/users/batch/status", batch_status)
        .get("/{org}/{app}/users/{username}", get)
        .delete("/{org}/{app}/users/{username}", delete)
        .put("/{org}/{app}/users/{username}/password", set_password)
        .post("/{org}/{app}/users/{username}/password", set_password)
        .get("/{org}/{app}/users/{username}/status", status)
        .get(
            "/{org}/{app}/users/{username}/offline_msg_count",
            offline_count,
        );
}

/// One user to register. A missing `username` or `password` is reported
/// like an empty one (400 `illegal_argument`), as Easemob does, rather
/// than as a malformed body.
#[derive(Deserialize)]
struct Registration {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    nickname: Option<String>,
}

fn username(raw: &str) -> Result<UserId, ApiError> {
    UserId::parse(raw).map_err(|e| ApiError::IllegalArgument(e.to_string()))
}

/// Validates and hashes one registration, then creates the user.
async fn register_one(ctx: &AppCtx, reg: Registration) -> Result<Value, ApiError> {
    let user = username(&reg.username)?;
    check_new_password(&reg.password).map_err(|e| ApiError::IllegalArgument(e.to_string()))?;
    if reg
        .nickname
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NICKNAME)
    {
        return Err(ApiError::IllegalArgument("NICKNAME_TOO_LONG".into()));
    }
    let password_hash = ctx.node.passwords.hash(reg.password).await?;
    let new = NewUser {
        username: user.to_string(),
        password_hash,
        nickname: reg.nickname,
    };
    let view = ctx
        .node
        .ask(ctx.app.user_key(&user), CreateUser { user: new })
        .await
        .map_err(|e| match e {
            DomainError::UserExists => ApiError::Domain(DomainError::UserExists),
            other => other.into(),
        })?;
    Ok(user_entity(&view))
}

async fn register(ctx: AppCtx, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let parsed: Value = parse_json(&body)?;
    let (items, batch) = match parsed {
        Value::Array(items) => {
            let batch = items.len() > 1;
            (items, batch)
        }
        obj @ Value::Object(_) => (vec![obj], false),
        _ => {
            return Err(ApiError::InvalidBody(
                "expected an object or an array".into(),
            ))
        }
    };
    if batch || !ctx.record.settings.open_registration {
        ctx.require_app_token()?;
    }
    if items.is_empty() {
        return Err(ApiError::IllegalArgument("request body is empty".into()));
    }
    if items.len() > MAX_BATCH_REGISTER {
        return Err(ApiError::IllegalArgument(format!(
            "Request body array size[{}] had almost reached or been greater than the upper range value[{MAX_BATCH_REGISTER}]",
            items.len()
        )));
    }
    let regs: Vec<Registration> = items
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::InvalidBody(e.to_string()))?;
    if !batch {
        let reg = regs
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::IllegalArgument("request body is empty".into()))?;
        let name = reg.username.to_ascii_lowercase();
        let entity = register_one(&ctx, reg).await.map_err(|e| match e {
            ApiError::Domain(DomainError::UserExists) => ApiError::IllegalArgumentDuplicate {
                app: ctx.app.to_string(),
                name,
            },
            other => other,
        })?;
        return Ok(Envelope::new(&ctx).entities(vec![entity]).finish());
    }
    let mut seen = std::collections::HashSet::new();
    for r in &regs {
        if !seen.insert(r.username.to_ascii_lowercase()) {
            return Err(ApiError::IllegalArgument(format!(
                "username {} appears twice in the request",
                r.username
            )));
        }
    }
    let names: Vec<String> = regs.iter().map(|r| r.username.clone()).collect();
    let results = join_all(regs.into_iter().map(|r| register_one(&ctx, r))).await;
    let mut created = Vec::new();
    let mut failed = Vec::new();
    for (name, result) in names.into_iter().zip(results) {
        match result {
            Ok(entity) => created.push(entity),
            Err(ApiError::Domain(DomainError::UserExists)) => failed.push(json!({"username": name, "registerUserFailReason": format!("the {name} already exists")})),
            Err(e) => failed.push(json!({"username": name, "registerUserFailReason": e.public_message()})),
        }
    }
    let mut env = Envelope::new(&ctx).entities(created);
    if !failed.is_empty() {
        env = env.data(Value::Array(failed));
    }
    Ok(env.finish())
}

async fn get(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.2)?;
    let view = ctx.node.ask(ctx.app.user_key(&user), GetUser).await?;
    Ok(Envelope::new(&ctx)
        .entities(vec![user_entity(&view)])
        .count(1)
        .finish())
}

async fn delete(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.2)?;
    let view = ctx.node.ask(ctx.app.user_key(&user), DeleteUser).await?;
    // The user's groups are dissolved by its entity; its rooms here (rooms
    // keep no per-user index at the user).
    ctx.node
        .delete_rooms_owned_by(&ctx.app, &user.to_string())
        .await?;
    Ok(Envelope::new(&ctx)
        .entities(vec![user_entity(&view)])
        .finish())
}

#[derive(Deserialize)]
struct NewPassword {
    newpassword: Option<String>,
}

async fn set_password(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.2)?;
    let req: NewPassword = parse_json(&body)?;
    let password = req
        .newpassword
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::IllegalArgument("newpassword is required".into()))?;
    check_new_password(&password).map_err(|e| ApiError::IllegalArgument(e.to_string()))?;
    let password_hash = ctx.node.passwords.hash(password).await?;
    ctx.node
        .ask(ctx.app.user_key(&user), SetPassword { password_hash })
        .await?;
    Ok(Envelope::new(&ctx).action("set user password").finish())
}

async fn status(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.2)?;
    let key = ctx.app.user_key(&user);
    ctx.node.ask(key.clone(), GetUser).await?;
    let online = ctx.node.ask(key, GetStatus).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({ user.as_str(): if online { "online" } else { "offline" } }))
        .finish())
}

#[derive(Deserialize)]
struct BatchStatus {
    usernames: Vec<String>,
}

async fn batch_status(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: BatchStatus = parse_json(&body)?;
    if req.usernames.len() > MAX_BATCH_STATUS {
        return Err(ApiError::IllegalArgument(format!(
            "request body exceeds maximum limit, maximum limit is {MAX_BATCH_STATUS}"
        )));
    }
    let users: Vec<UserId> = req
        .usernames
        .iter()
        .map(|u| username(u))
        .collect::<Result<_, _>>()?;
    let online = join_all(
        users
            .iter()
            .map(|u| ctx.node.ask(ctx.app.user_key(u), GetStatus)),
    )
    .await;
    let data: Vec<Value> = users
        .iter()
        .zip(online)
        .map(|(u, o)| json!({ u.as_str(): if o.unwrap_or(false) { "online" } else { "offline" } }))
        .collect();
    Ok(Envelope::new(&ctx)
        .action("get batch user status")
        .data(Value::Array(data))
        .finish())
}

async fn offline_count(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.2)?;
    let n = ctx
        .node
        .ask(ctx.app.user_key(&user), GetOfflineCount)
        .await?;
    Ok(Envelope::new(&ctx)
        .data(json!({ user.as_str(): n }))
        .finish())
}

/// Opaque cursor of the user list: base64url of `[created, username]`.
pub(crate) fn encode_cursor(pos: &(i64, String)) -> String {
    URL_SAFE_NO_PAD.encode(json!([pos.0, pos.1]).to_string())
}

pub(crate) fn decode_cursor(c: &str) -> Result<(i64, String), ApiError> {
    let bad = || ApiError::IllegalArgument("cursor is not valid".into());
    let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    serde_json::from_slice::<(i64, String)>(&bytes).map_err(|_| bad())
}

async fn list(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let limit = match ctx.param("limit") {
        Some(l) => l
            .parse::<usize>()
            .map_err(|_| ApiError::IllegalArgument("limit must be a number".into()))?
            .clamp(1, 100),
        None => 10,
    };
    let after = ctx.param("cursor").map(decode_cursor).transpose()?;
    // Each shard returns its next `limit + 1` users; merged, the first
    // `limit` are the page and one more says whether another page exists.
    let mut rows = ctx
        .node
        .ask_every_shard(|| ListUsers {
            app: ctx.app.to_string(),
            after: after.clone(),
            limit: limit + 1,
        })
        .await?;
    rows.sort();
    let more = rows.len() > limit;
    rows.truncate(limit);
    let views = join_all(rows.iter().map(|(_, name)| {
        let key = imcloud_shards::EntityKey::new(
            ctx.app.to_string(),
            imcloud_shards::EntityKind::User,
            name.clone(),
        );
        ctx.node.ask(key, GetUser)
    }))
    .await;
    let entities: Vec<Value> = views
        .into_iter()
        .filter_map(Result::ok)
        .map(|v| user_entity(&v))
        .collect();
    let cursor = if more {
        rows.last().map(encode_cursor)
    } else {
        None
    };
    Ok(Envelope::new(&ctx)
        .count(entities.len())
        .entities(entities)
        .cursor(cursor)
        .finish())
}
