//! A user's push profile over REST (Easemob §3 U8, §10.4): `PUT
//! /{org}/{app}/users/{username}` with the push nickname,
//! `notification_display_style` (0: "You have a new message", 1: the
//! sender and a preview) and the legacy do-not-disturb fields
//! (`notification_no_disturbing` with its `_start` / `_end` hours, the
//! app-wide quiet interval); and `PUT /{org}/{app}/push/nickname` for up
//! to 50 users at once. Stored in the user's record (acked once on disk);
//! the user's entity renders notifications with them.

use super::envelope::{user_entity, Envelope};
use super::extract::{AppCtx, AppToken, Body};
use super::parse_json;
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::ids::UserId;
use imcloud_actors::push::settings::format_interval;
use imcloud_actors::user::{GetUser, PushView, SetPushProfile};
use serde_json::{json, Map, Value};

/// Most users one `push/nickname` call names.
const MAX_NICKNAMES: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.put("/{org}/{app}/users/{username}", update_user)
        .put("/{org}/{app}/push/nickname", set_nicknames);
}

fn user_of(raw: &str) -> Result<UserId, ApiError> {
    UserId::parse(raw).map_err(|e| ApiError::IllegalArgument(e.to_string()))
}

fn bad(what: &str) -> ApiError {
    ApiError::IllegalArgument(what.to_string())
}

/// An hour of the legacy fields: 0–24 as a number or its text (24 is
/// midnight).
fn hour(v: &Value, key: &str) -> Result<u16, ApiError> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    match n {
        Some(h) if h <= 24 => Ok((h % 24) as u16 * 60),
        _ => Err(bad(&format!("{key} must be an hour, 0-24"))),
    }
}

fn flag(v: &Value, key: &str) -> Result<bool, ApiError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
        _ => Err(bad(&format!("{key} must be true or false"))),
    }
}

/// The change a U8 body asks for. Other fields are ignored, as Easemob
/// does.
fn profile_change(body: &Map<String, Value>) -> Result<SetPushProfile, ApiError> {
    let mut change = SetPushProfile::default();
    if let Some(v) = body.get("nickname") {
        let nick = v.as_str().ok_or_else(|| bad("nickname must be a string"))?;
        change.nickname = Some(nick.to_string());
    }
    if let Some(v) = body.get("notification_display_style") {
        let style = match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match style {
            Some(s @ (0 | 1)) => change.display_style = Some(s as u8),
            _ => return Err(bad("notification_display_style must be 0 or 1")),
        }
    }
    if let Some(v) = body.get("notification_no_disturbing") {
        let quiet = flag(v, "notification_no_disturbing")?;
        change.interval = Some(if quiet {
            // No hours (or equal ones): quiet all day.
            let start = match body.get("notification_no_disturbing_start") {
                Some(v) => hour(v, "notification_no_disturbing_start")?,
                None => 0,
            };
            let end = match body.get("notification_no_disturbing_end") {
                Some(v) => hour(v, "notification_no_disturbing_end")?,
                None => start,
            };
            Some((start, end))
        } else {
            None
        });
    }
    Ok(change)
}

/// The user as U3 shows it, with its push fields.
fn view(user: &imcloud_actors::user::UserView, push: &PushView) -> Value {
    let mut v = user_entity(user);
    if let Some(obj) = v.as_object_mut() {
        let p = &push.profile;
        obj.insert("notification_display_style".into(), json!(p.display_style));
        obj.insert(
            "notification_no_disturbing".into(),
            json!(p.app_wide.interval.is_some()),
        );
        if let Some((start, end)) = p.app_wide.interval {
            obj.insert("notification_no_disturbing_start".into(), json!(start / 60));
            obj.insert("notification_no_disturbing_end".into(), json!(end / 60));
            obj.insert(
                "notification_ignore_interval".into(),
                json!(format_interval(Some((start, end)))),
            );
        }
    }
    v
}

async fn apply(ctx: &AppCtx, user: &UserId, change: SetPushProfile) -> Result<Value, ApiError> {
    let push = ctx.node.ask(ctx.app.user_key(user), change).await?;
    let u = ctx.node.ask(ctx.app.user_key(user), GetUser).await?;
    Ok(view(&u, &push))
}

/// U8: `entities: [user]` after the change.
async fn update_user(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = user_of(&path.2)?;
    let fields: Map<String, Value> = parse_json(&body)?;
    let change = profile_change(&fields)?;
    let entity = apply(&ctx, &user, change).await?;
    Ok(Envelope::new(&ctx).entities(vec![entity]).finish())
}

/// `[{"username", "push_nickname"}]` (≤ 50): `entities` the same, as set.
async fn set_nicknames(
    AppToken(ctx): AppToken,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let list: Vec<Map<String, Value>> = parse_json(&body)?;
    if list.is_empty() || list.len() > MAX_NICKNAMES {
        return Err(bad(&format!("1-{MAX_NICKNAMES} users per request")));
    }
    let mut changes = Vec::with_capacity(list.len());
    for item in &list {
        let name = item
            .get("username")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("each item needs a username"))?;
        let nick = item
            .get("push_nickname")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("each item needs a push_nickname string"))?;
        changes.push((user_of(name)?, nick.to_string()));
    }
    let mut done = Vec::with_capacity(changes.len());
    for (user, nick) in changes {
        let change = SetPushProfile {
            nickname: Some(nick.clone()),
            ..Default::default()
        };
        ctx.node.ask(ctx.app.user_key(&user), change).await?;
        done.push(json!({"username": user.to_string(), "push_nickname": nick}));
    }
    Ok(Envelope::new(&ctx).entities(done).finish())
}
