//! The app's moderation of users over REST (§3): U9/U10 deactivate and
//! activate a user (a deactivated user cannot log in, its tokens are
//! revoked and its devices kicked), and U18–U20 app-wide mutes per kind
//! of chat with an expiry (a muted user's messages of that kind fail with
//! 219, whatever API sends them).

use super::envelope::{user_entity, Envelope};
use super::extract::{AppToken, Body};
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::ids::UserId;
use imcloud_actors::queries::ListGlobalMutes;
use imcloud_actors::user::moderation::GlobalMutes;
use imcloud_actors::user::{GetGlobalMutes, SetActivated, SetGlobalMutes};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Most muted users U20 reads from one shard.
const MAX_MUTED_PER_SHARD: usize = 10_000;
/// U20's largest page.
const MAX_PAGE: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/users/{username}/deactivate", deactivate)
        .post("/{org}/{app}/users/{username}/activate", activate)
        .post("/{org}/{app}/mutes", set_mutes)
        .get("/{org}/{app}/mutes", list_mutes)
        .get("/{org}/{app}/mutes/{username}", get_mutes);
}

#[derive(Deserialize)]
struct UserPath {
    username: String,
}

/// U9.
async fn deactivate(
    AppToken(ctx): AppToken,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    set_activated(ctx, &path.username, false).await
}

/// U10.
async fn activate(
    AppToken(ctx): AppToken,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    set_activated(ctx, &path.username, true).await
}

async fn set_activated(
    ctx: super::extract::AppCtx,
    name: &str,
    on: bool,
) -> Result<HttpResponse, ApiError> {
    let user = UserId::parse(name)?;
    let view = ctx
        .node
        .ask(ctx.app.user_key(&user), SetActivated { on })
        .await?;
    let action = if on {
        "activate user"
    } else {
        "Deactivate user"
    };
    Ok(Envelope::new(&ctx)
        .action(action)
        .entities(vec![user_entity(&view)])
        .finish())
}

/// U18's body: seconds per kind of chat (0 lifts, -1 is for good).
#[derive(Deserialize)]
struct MuteBody {
    username: Option<String>,
    chat: Option<i64>,
    groupchat: Option<i64>,
    chatroom: Option<i64>,
}

/// When a mute of `secs` from `now` ends, or why it cannot be set.
fn mute_end(field: &str, secs: Option<i64>, now_ms: i64) -> Result<Option<i64>, ApiError> {
    match secs {
        None => Ok(None),
        Some(0) => Ok(Some(0)),
        Some(-1) => Ok(Some(i64::MAX)),
        Some(s) if (1..=i64::from(i32::MAX)).contains(&s) => Ok(Some(now_ms + s * 1000)),
        Some(_) => Err(ApiError::IllegalArgument(format!(
            "{field} must be 0 (lift), -1 (for good) or 1-2147483647 seconds"
        ))),
    }
}

/// U18: `data: {"result": "ok"}`.
async fn set_mutes(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: MuteBody = super::parse_json(&body)?;
    let Some(name) = req.username else {
        return Err(ApiError::RequiredProperty(
            "Entity user requires a property named username".into(),
        ));
    };
    let user = UserId::parse(&name)?;
    let now = ctx.node.clock.now_ms();
    let set = SetGlobalMutes {
        chat: mute_end("chat", req.chat, now)?,
        groupchat: mute_end("groupchat", req.groupchat, now)?,
        chatroom: mute_end("chatroom", req.chatroom, now)?,
    };
    ctx.node.ask(ctx.app.user_key(&user), set).await?;
    Ok(Envelope::new(&ctx).data(json!({"result": "ok"})).finish())
}

/// Seconds left of a mute ending at `until` (ms): 0 none, -1 for good.
fn seconds_left(until: i64, now_ms: i64) -> i64 {
    match until {
        i64::MAX => -1,
        u if u <= now_ms => 0,
        // Rounded up: a mute with 0.2 s left is still a mute.
        u => (u - now_ms + 999) / 1000,
    }
}

/// U19: each kind's seconds left.
async fn get_mutes(
    AppToken(ctx): AppToken,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId::parse(&path.username)?;
    let m = ctx
        .node
        .ask(ctx.app.user_key(&user), GetGlobalMutes)
        .await?;
    let now = ctx.node.clock.now_ms();
    Ok(Envelope::new(&ctx)
        .data(json!({
            "userid": format!("{}_{}", ctx.app, user),
            "chat": seconds_left(m.chat, now),
            "groupchat": seconds_left(m.groupchat, now),
            "chatroom": seconds_left(m.chatroom, now),
            "unixtime": now / 1000,
        }))
        .finish())
}

/// A page parameter: a positive number or `default`.
fn page_param(ctx: &super::extract::AppCtx, name: &str, default: usize) -> Result<usize, ApiError> {
    match ctx.param(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| ApiError::IllegalArgument(format!("{name} must be a number"))),
    }
}

/// U20: one row per muted user and kind of chat, by name, paged by
/// `pageNum` (from 1) and `pageSize` (1–50).
async fn list_mutes(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let size = page_param(&ctx, "pageSize", 10)?.clamp(1, MAX_PAGE);
    let num = page_param(&ctx, "pageNum", 1)?.max(1);
    let mut users: Vec<(String, GlobalMutes)> = ctx
        .node
        .ask_every_shard(|| ListGlobalMutes {
            app: ctx.app.to_string(),
            limit: MAX_MUTED_PER_SHARD,
        })
        .await?;
    users.sort_by(|a, b| a.0.cmp(&b.0));
    let now = ctx.node.clock.now_ms();
    let rows = users.iter().flat_map(|(name, m)| {
        [
            ("chat", m.chat),
            ("groupchat", m.groupchat),
            ("chatroom", m.chatroom),
        ]
        .into_iter()
        .filter(move |(_, until)| *until > now)
        .map(move |(kind, until)| {
            let mut row = Map::new();
            row.insert("username".into(), json!(name));
            row.insert(kind.into(), json!(seconds_left(until, now)));
            Value::Object(row)
        })
    });
    let page: Vec<Value> = rows
        .skip((num - 1).saturating_mul(size))
        .take(size)
        .collect();
    Ok(Envelope::new(&ctx)
        .data(json!({"data": page, "unixtime": now / 1000}))
        .finish())
}
