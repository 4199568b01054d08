//! A user's block list over REST (§4 C7–C9). A blocked user's 1:1
//! messages to the user fail with 210 and are neither stored nor
//! delivered; its friend requests fail the same way. Blocking a friend
//! keeps the friendship.
//!
//! The Web SDK reads the list with its user's token (C8) and changes it
//! through `POST` / `DELETE /sdk/user/{owner}/blocks` with `{"usernames"}`.

use super::envelope::{user_entity, Envelope};
use super::extract::{AppToken, Authed, Body};
use super::paging::{encode_text_cursor, text_cursor};
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::contact::MAX_BLOCKS;
use imcloud_actors::ids::UserId;
use imcloud_actors::user::GetUser;
use serde::Deserialize;
use serde_json::{json, Value};

/// Most users one C7 call blocks.
const MAX_PER_CALL: usize = 100;
/// C8's largest page.
const MAX_PAGE: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/users/{owner}/blocks/users", block)
        .get("/{org}/{app}/users/{owner}/blocks/users", list)
        .delete("/{org}/{app}/users/{owner}/blocks/users/{blocked}", unblock)
        .post("/{org}/{app}/sdk/user/{owner}/blocks", block)
        .delete("/{org}/{app}/sdk/user/{owner}/blocks", unblock_many);
}

#[derive(Deserialize)]
struct OwnerPath {
    owner: String,
}

#[derive(Deserialize)]
struct PairPath {
    owner: String,
    blocked: String,
}

#[derive(Deserialize)]
struct BlockBody {
    usernames: Vec<String>,
}

/// C7: blocks every named user (each must exist); `data: [names]`.
async fn block(
    auth: Authed,
    path: web::Path<OwnerPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let owner = UserId::parse(&path.owner)?;
    auth.act_for(&owner)?;
    let ctx = auth.ctx;
    let users = block_body(&body)?;
    let blocked = ctx.node.block_users(&ctx.app, &owner, &users).await?;
    let data: Vec<Value> = blocked.into_iter().map(Value::String).collect();
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// The users a block or unblock body names (1–100).
fn block_body(body: &[u8]) -> Result<Vec<UserId>, ApiError> {
    let BlockBody { usernames } = super::parse_json(body)?;
    if usernames.is_empty() || usernames.len() > MAX_PER_CALL {
        return Err(ApiError::IllegalArgument(format!(
            "usernames must name 1-{MAX_PER_CALL} users"
        )));
    }
    Ok(usernames
        .iter()
        .map(|u| UserId::parse(u))
        .collect::<Result<Vec<_>, _>>()?)
}

/// The SDK's `removeFromBlockList`: takes every named user off the list;
/// `data: [names]`.
async fn unblock_many(
    auth: Authed,
    path: web::Path<OwnerPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let owner = UserId::parse(&path.owner)?;
    auth.act_for(&owner)?;
    let ctx = auth.ctx;
    let users = block_body(&body)?;
    for u in &users {
        ctx.node.unblock_user(&ctx.app, &owner, u).await?;
    }
    let data: Vec<Value> = users.iter().map(|u| json!(u.to_string())).collect();
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

/// C8: the block list, newest first: without `pageSize` the latest 500
/// at once; with it, pages of 1–50 and an opaque cursor.
async fn list(auth: Authed, path: web::Path<OwnerPath>) -> Result<HttpResponse, ApiError> {
    let owner = UserId::parse(&path.owner)?;
    auth.act_for(&owner)?;
    let ctx = auth.ctx;
    let size = match ctx.param("pageSize") {
        None => MAX_BLOCKS,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| ApiError::IllegalArgument("pageSize must be a number".into()))?
            .clamp(1, MAX_PAGE),
    };
    let from = match text_cursor(&ctx)? {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| ApiError::IllegalArgument("cursor is not valid".into()))?,
    };
    let all = ctx.node.blocks_of(&ctx.app, &owner).await?;
    let page: Vec<Value> = all
        .iter()
        .skip(from)
        .take(size)
        .map(|(u, _)| json!(u))
        .collect();
    let next = from + page.len();
    let cursor = (next < all.len()).then(|| encode_text_cursor(&next.to_string()));
    Ok(Envelope::new(&ctx).list(page).cursor(cursor).finish())
}

/// C9: takes one user off the list; `entities: [user]`.
async fn unblock(
    AppToken(ctx): AppToken,
    path: web::Path<PairPath>,
) -> Result<HttpResponse, ApiError> {
    let (owner, blocked) = (UserId::parse(&path.owner)?, UserId::parse(&path.blocked)?);
    let view = ctx.node.ask(ctx.app.user_key(&blocked), GetUser).await?;
    ctx.node.unblock_user(&ctx.app, &owner, &blocked).await?;
    Ok(Envelope::new(&ctx)
        .entities(vec![user_entity(&view)])
        .finish())
}
