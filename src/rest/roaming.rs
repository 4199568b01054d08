//! One-sided deletion of conversations and roaming history (Easemob §5.7):
//! H1 deletes a conversation from a user's list (`delete_roam`: its 1:1
//! history too), H2 deletes named 1:1 messages (at most 50), H5 the 1:1
//! messages up to a time. Only the named user's copies go. `isNotify` is
//! accepted; the user's devices see the change in `conversations` and
//! `history` (no push).

use super::envelope::Envelope;
use super::extract::{AppCtx, AppToken, Body};
use super::parse_json;
use crate::error::ApiError;
use crate::groups::{group_id, group_key};
use actix_web::{web, HttpResponse};
use imcloud_actors::group::ReadMarkAt;
use imcloud_actors::ids::{first_id_at, UserId};
use imcloud_actors::message::ChatType;
use imcloud_actors::user::{
    ClearUpTo, DeleteConversation, DeleteMessages, MarkGroupRead, MAX_DELETE_IDS,
};
use serde::Deserialize;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/{org}/{app}/users/{username}/user_channel",
        web::delete().to(delete_channel),
    )
    .route(
        "/{org}/{app}/rest/message/roaming/chat/user/{username}",
        web::delete().to(delete_messages),
    )
    .route(
        "/{org}/{app}/rest/message/roaming/chat/user/{username}/time",
        web::delete().to(delete_up_to),
    )
    .route(
        "/{org}/{app}/rest/message/roaming/chat/user/{username}/time",
        web::post().to(delete_up_to),
    );
}

#[derive(Deserialize)]
struct Channel {
    #[serde(default)]
    channel: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    delete_roam: Option<bool>,
}

fn illegal(msg: &str) -> ApiError {
    ApiError::IllegalArgument(msg.into())
}

async fn delete_channel(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = UserId::parse(&path.2)?;
    let req: Channel = parse_json(&body)?;
    let channel = req
        .channel
        .filter(|c| !c.is_empty())
        .ok_or_else(|| illegal("field channel cannot be null or empty"))?;
    let delete_roam = req
        .delete_roam
        .ok_or_else(|| illegal("field delete_roam cannot be null"))?;
    let key = ctx.app.user_key(&user);
    match req.kind.as_deref() {
        Some("chat") => {
            let with = UserId::parse(&channel)?.to_string();
            let delete = DeleteConversation {
                chat: ChatType::Single,
                with,
                delete_roam,
                group_last: 0,
            };
            ctx.node.ask(key, delete).await?;
        }
        Some("groupchat") => {
            let group = group_id(&channel)?;
            // Everything in it is read, and it leaves the list until a newer
            // message comes; the group's history is shared and stays.
            let mark = ctx
                .node
                .ask(
                    group_key(&ctx.app, &group),
                    ReadMarkAt {
                        user: user.to_string(),
                        msg_id: None,
                    },
                )
                .await?;
            let read = MarkGroupRead {
                group: group.clone(),
                mark,
                session: None,
            };
            ctx.node.ask(key.clone(), read).await?;
            let delete = DeleteConversation {
                chat: ChatType::Group,
                with: group,
                delete_roam,
                group_last: mark.msg_id,
            };
            ctx.node.ask(key, delete).await?;
        }
        _ => return Err(illegal("field type must be chat or groupchat")),
    }
    Ok(Envelope::new(&ctx).data(json!({"result": "ok"})).finish())
}

/// Easemob's flat answer of the roaming calls.
fn done(ctx: &AppCtx) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "requestStatusCode": "ok",
        "timestamp": ctx.node.clock.now_ms(),
    }))
}

fn peer_of(ctx: &AppCtx) -> Result<String, ApiError> {
    let peer = ctx
        .param("userId")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| illegal("param userId cannot be empty"))?;
    Ok(UserId::parse(peer)?.to_string())
}

async fn delete_messages(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId::parse(&path.2)?;
    let peer = peer_of(&ctx)?;
    let list = ctx.param("msgIdList").unwrap_or_default();
    let ids: Vec<u64> = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>()
                .map_err(|_| illegal("msgIdList holds msg ids"))
        })
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        return Err(illegal("param msgIdList cannot be empty"));
    }
    if ids.len() > MAX_DELETE_IDS {
        return Err(ApiError::RoamingParam(format!(
            "delete msg list limit can not greater than {MAX_DELETE_IDS}"
        )));
    }
    let delete = DeleteMessages { peer, msg_ids: ids };
    ctx.node.ask(ctx.app.user_key(&user), delete).await?;
    Ok(done(&ctx))
}

async fn delete_up_to(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId::parse(&path.2)?;
    let peer = peer_of(&ctx)?;
    let time = ctx
        .param("delTime")
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| illegal("param delTime must be a time in ms"))?;
    // Up to and including `time`: every id below the first of the next ms.
    let msg_id = first_id_at(time.saturating_add(1)).saturating_sub(1);
    let clear = ClearUpTo { peer, msg_id };
    ctx.node.ask(ctx.app.user_key(&user), clear).await?;
    Ok(done(&ctx))
}
