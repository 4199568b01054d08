//! Group management from a device: `group_apply`, `group_decide`,
//! `group_leave`, `group_add`, `group_remove`, `group_mute`,
//! `group_unmute`, `group_block`, `group_admin`, `group_dismiss`,
//! `group_info`, `group_invite`, `group_answer`. Each becomes one operation at the group's entity, which
//! checks the caller's role (owner/admin) itself.

use super::{args, OpResult};
use crate::error::ApiError;
use crate::groups::{group_id, mute_until};
use crate::ws::session::SocketState;
use imcloud_actors::group::{Actor, GroupOp, GroupReply, MAX_BATCH};
use imcloud_actors::ids::UserId;
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::future::Future;

#[derive(Deserialize)]
struct GroupArgs {
    group: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    accept: Option<bool>,
    #[serde(default)]
    admin: Option<bool>,
    /// Mute duration in ms; -1 (or absent) mutes for good.
    #[serde(default)]
    duration: Option<i64>,
}

pub(super) fn user(name: Option<&str>) -> Result<String, ApiError> {
    let name = name.ok_or_else(|| DomainError::InvalidArgument("`user` is required".into()))?;
    Ok(UserId::parse(name)?.to_string())
}

pub(super) fn users(names: &[String]) -> Result<Vec<String>, ApiError> {
    if names.is_empty() || names.len() > MAX_BATCH {
        return Err(
            DomainError::InvalidArgument(format!("`users` must name 1-{MAX_BATCH} users")).into(),
        );
    }
    names
        .iter()
        .map(|n| Ok(UserId::parse(n)?.to_string()))
        .collect()
}

/// Whether `op` is a group op this module handles.
pub fn handles(op: &str) -> bool {
    matches!(
        op,
        "group_apply"
            | "group_decide"
            | "group_leave"
            | "group_add"
            | "group_remove"
            | "group_mute"
            | "group_unmute"
            | "group_block"
            | "group_admin"
            | "group_dismiss"
            | "group_info"
            | "group_invite"
            | "group_answer"
    )
}

pub fn start(
    state: &SocketState,
    op: &str,
    raw: Value,
) -> Result<impl Future<Output = OpResult> + 'static, ApiError> {
    let Some(authed) = &state.authed else {
        return Err(ApiError::NotLoggedIn);
    };
    let a: GroupArgs = args(raw)?;
    let group = group_id(&a.group)?;
    let gop = match op {
        "group_apply" => GroupOp::Apply,
        "group_leave" => GroupOp::Leave,
        "group_dismiss" => GroupOp::Dismiss,
        "group_info" => GroupOp::Get,
        "group_decide" => GroupOp::Decide {
            user: user(a.user.as_deref())?,
            accept: a
                .accept
                .ok_or_else(|| DomainError::InvalidArgument("`accept` is required".into()))?,
        },
        "group_admin" => GroupOp::SetAdmin {
            user: user(a.user.as_deref())?,
            admin: a.admin.unwrap_or(true),
        },
        "group_add" => GroupOp::Add(users(&a.users)?),
        "group_invite" => GroupOp::Invite(users(&a.users)?),
        "group_answer" => GroupOp::AnswerInvite {
            accept: a
                .accept
                .ok_or_else(|| DomainError::InvalidArgument("`accept` is required".into()))?,
        },
        "group_remove" => GroupOp::Remove(users(&a.users)?),
        "group_mute" => GroupOp::Mute {
            users: users(&a.users)?,
            until: mute_until(a.duration)?,
        },
        "group_unmute" => GroupOp::Unmute(users(&a.users)?),
        "group_block" => GroupOp::Block(users(&a.users)?),
        other => return Err(ApiError::UnknownOp(other.to_string())),
    };
    let node = state.node.clone();
    let app = authed.app.clone();
    let actor = Actor::User(authed.user.clone());
    Ok(async move {
        let joining = match &gop {
            GroupOp::Add(u) | GroupOp::Invite(u) => Some(u.clone()),
            GroupOp::Decide { user, accept: true } => Some(vec![user.clone()]),
            GroupOp::AnswerInvite { accept: true } => match &actor {
                Actor::User(u) => Some(vec![u.clone()]),
                Actor::App => None,
            },
            GroupOp::Apply => match &actor {
                Actor::User(u) => Some(vec![u.clone()]),
                Actor::App => None,
            },
            _ => None,
        };
        let reply = match joining {
            Some(u) => node.group_joining(&app, &group, actor, gop, u).await?,
            None => node.group(&app, &group, actor, gop).await?,
        };
        Ok(reply_fields(reply))
    })
}

/// The per-user outcomes of a batch operation, as reply fields.
pub(super) fn user_results(results: Vec<(String, Result<(), DomainError>)>) -> Map<String, Value> {
    let list: Vec<Value> = results
        .into_iter()
        .map(|(u, r)| match r {
            Ok(()) => json!({"user": u, "ok": true}),
            Err(e) => {
                let e = ApiError::Domain(e);
                json!({"user": u, "ok": false, "error": {"code": e.info().code, "message": e.public_message()}})
            }
        })
        .collect();
    Map::from_iter([("results".to_string(), Value::Array(list))])
}

fn reply_fields(reply: GroupReply) -> Map<String, Value> {
    match reply {
        GroupReply::Done => Map::new(),
        GroupReply::Pending => Map::from_iter([("pending".to_string(), json!(true))]),
        GroupReply::Users(results) => user_results(results),
        GroupReply::View(v) => {
            let r = &v.record;
            let members: Vec<Value> = v
                .members
                .iter()
                .map(|(u, m)| json!({"user": u, "role": m.role.as_str()}))
                .collect();
            Map::from_iter([(
                "group".to_string(),
                json!({
                    "id": r.id, "name": r.name, "description": r.description,
                    "owner": r.owner, "public": r.public, "membersonly": r.membersonly,
                    "allowinvites": r.allowinvites, "maxusers": r.maxusers,
                    "announcement": r.announcement, "mute_all": r.mute_all,
                    "members": members,
                }),
            )])
        }
    }
}
