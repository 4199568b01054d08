//! One-sided deletion of conversations and roaming history (Easemob §5.7):
//! H1 deletes a conversation from a user's list (`delete_roam`: its
//! history too), H2 deletes named 1:1 messages (at most 50), H5 the 1:1
//! messages up to a time, H3 named group messages and H6 a group's up to
//! a time (for this user: the group's timeline is shared), H4 every
//! conversation with its history.
//! Only the named user's copies go. `isNotify` is accepted; the user's
//! devices see the change in `conversations` and `history` (no push).
//! Each call takes the app's token or the named user's own: the Web SDK
//! makes them as its user, under `sdk/…` and `user/…/user_channel`.

use super::envelope::Envelope;
use super::extract::{AppCtx, Authed, Body};
use super::parse_json;
use crate::error::ApiError;
use crate::groups::{group_id, group_key};
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::group::ReadMarkAt;
use imcloud_actors::ids::{first_id_at, UserId};
use imcloud_actors::message::ChatType;
use imcloud_actors::user::{
    ClearUpTo, DeleteConversation, DeleteMessages, HideGroupMessages, ListConversations,
    MarkGroupRead, MAX_DELETE_IDS,
};
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `users/…/user_channel` is the server API's; the Web SDK's
    // `deleteConversation` says `user/…/user_channel`.
    for users in ["users", "user"] {
        cfg.delete(
            &format!("/{{org}}/{{app}}/{users}/{{username}}/user_channel"),
            delete_channel,
        );
    }
    // `rest/…` is the server API's, `sdk/…` the Web SDK's
    // (`removeHistoryMessages`, `deleteAllMessagesAndConversations`).
    for root in ["rest", "sdk"] {
        let at = |tail: &str| format!("/{{org}}/{{app}}/{root}/message/roaming/{tail}");
        cfg.delete(&at("chat/user/{username}"), delete_messages)
            .delete(&at("chat/user/{username}/time"), delete_up_to)
            .post(&at("chat/user/{username}/time"), delete_up_to)
            .delete(&at("group/user/{username}"), delete_group_messages)
            .delete(&at("group/user/{username}/time"), delete_group_up_to)
            .post(&at("group/user/{username}/time"), delete_group_up_to)
            .post(&at("user/{username}/delete/all"), delete_all);
    }
}

/// The path's user, once the caller may act for it (the app's token or
/// the user's own).
fn acting(auth: &Authed, raw: &str) -> Result<UserId, ApiError> {
    let user = UserId::parse(raw)?;
    auth.act_for(&user)?;
    Ok(user)
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
    auth: Authed,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = acting(&auth, &path.2)?;
    let ctx = auth.ctx;
    let req: Channel = parse_json(&body)?;
    let channel = req
        .channel
        .filter(|c| !c.is_empty())
        .ok_or_else(|| illegal("field channel cannot be null or empty"))?;
    let delete_roam = req
        .delete_roam
        .ok_or_else(|| illegal("field delete_roam cannot be null"))?;
    let chat = match req.kind.as_deref() {
        Some("chat") => ChatType::Single,
        Some("groupchat" | "groupChat") => ChatType::Group,
        _ => return Err(illegal("field type must be chat or groupchat")),
    };
    delete_conversation(&ctx, &user, chat, &channel, delete_roam).await?;
    Ok(Envelope::new(&ctx).data(json!({"result": "ok"})).finish())
}

/// Deletes `user`'s conversation with `with` from their list (with
/// `delete_roam`, its history too).
async fn delete_conversation(
    ctx: &AppCtx,
    user: &UserId,
    chat: ChatType,
    with: &str,
    delete_roam: bool,
) -> Result<(), ApiError> {
    let key = ctx.app.user_key(user);
    match chat {
        ChatType::Group => {
            let group = group_id(with)?;
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
        _ => {
            let delete = DeleteConversation {
                chat: ChatType::Single,
                with: UserId::parse(with)?.to_string(),
                delete_roam,
                group_last: 0,
            };
            ctx.node.ask(key, delete).await?;
        }
    }
    Ok(())
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
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = acting(&auth, &path.2)?;
    let ctx = auth.ctx;
    let peer = peer_of(&ctx)?;
    let delete = DeleteMessages {
        peer,
        msg_ids: msg_id_list(&ctx)?,
    };
    ctx.node.ask(ctx.app.user_key(&user), delete).await?;
    Ok(done(&ctx))
}

/// H3: the named group messages leave the member's history of the group.
async fn delete_group_messages(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = acting(&auth, &path.2)?;
    let ctx = auth.ctx;
    let group = group_param(&ctx)?;
    let hide = HideGroupMessages {
        group,
        msg_ids: msg_id_list(&ctx)?,
    };
    ctx.node.ask(ctx.app.user_key(&user), hide).await?;
    Ok(done(&ctx))
}

fn group_param(ctx: &AppCtx) -> Result<String, ApiError> {
    let group = ctx
        .param("groupId")
        .filter(|g| !g.is_empty())
        .ok_or_else(|| illegal("param groupId cannot be empty"))?;
    Ok(group_id(group)?)
}

/// `msgIdList`: 1 to 50 msg ids.
fn msg_id_list(ctx: &AppCtx) -> Result<Vec<u64>, ApiError> {
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
    Ok(ids)
}

async fn delete_up_to(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = acting(&auth, &path.2)?;
    let ctx = auth.ctx;
    let peer = peer_of(&ctx)?;
    clear_up_to(&ctx, &user, ChatType::Single, peer).await
}

async fn delete_group_up_to(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = acting(&auth, &path.2)?;
    let ctx = auth.ctx;
    let group = group_param(&ctx)?;
    clear_up_to(&ctx, &user, ChatType::Group, group).await
}

/// H5, H6: `user`'s history with `peer` up to and including `delTime`.
async fn clear_up_to(
    ctx: &AppCtx,
    user: &UserId,
    chat: ChatType,
    peer: String,
) -> Result<HttpResponse, ApiError> {
    let time = ctx
        .param("delTime")
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(|| illegal("param delTime must be a time in ms"))?;
    // Up to and including `time`: every id below the first of the next ms.
    let msg_id = first_id_at(time.saturating_add(1)).saturating_sub(1);
    let clear = ClearUpTo { chat, peer, msg_id };
    ctx.node.ask(ctx.app.user_key(user), clear).await?;
    Ok(done(ctx))
}

/// H4: every conversation of the user, with its history.
async fn delete_all(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = acting(&auth, &path.2)?;
    let ctx = auth.ctx;
    let records = ctx
        .node
        .ask(ctx.app.user_key(&user), ListConversations)
        .await?;
    // Groups are conversations whether or not they have a record yet.
    let groups = ctx.node.user_groups(&ctx.app, &user).await?;
    let mut all: Vec<(ChatType, String)> = records
        .into_iter()
        .map(|c| (c.chat, c.with))
        .chain(groups.into_iter().map(|(g, _)| (ChatType::Group, g)))
        .collect();
    all.sort();
    all.dedup();
    for (chat, with) in all {
        match delete_conversation(&ctx, &user, chat, &with, true).await {
            // A group left meanwhile is not the user's any more.
            Ok(()) | Err(ApiError::Domain(DomainError::NotMember(_))) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done(&ctx))
}
