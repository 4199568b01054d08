//! Contacts over REST (§4 C1–C6): the app server makes and ends
//! friendships (both sides, no request needed), lists a user's friends
//! (all at once, or paged with remarks), sets remarks and imports up to 10
//! friends at once. Both users' devices get `contact` pushes.
//!
//! The calls the Web SDK makes as its user take that user's token too:
//! listing, paging, remarks and removing friends, and the friend requests
//! a user makes and answers (`contacts/apply`, `contacts/accept/users/…`,
//! `contacts/decline/users/…`), which only a user makes.

use super::envelope::{user_entity, Envelope};
use super::extract::{AppCtx, AppToken, Authed, Body, Caller};
use super::paging::{encode_text_cursor, text_cursor};
use crate::contacts::ContactActor;
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::ids::UserId;
use imcloud_actors::user::{FriendVia, GetUser};
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{json, Value};

/// Most users C6 imports in one call (Easemob: 10).
const MAX_IMPORT: usize = 10;
/// C4's largest and default page.
const MAX_PAGE: usize = 50;
const DEFAULT_PAGE: usize = 10;

pub fn configure(cfg: &mut web::ServiceConfig) {
    const PAIR: &str = "/{org}/{app}/users/{owner}/contacts/users/{friend}";
    cfg.post(PAIR, add)
        .delete(PAIR, remove)
        .get("/{org}/{app}/users/{owner}/contacts/users", list_all)
        .get("/{org}/{app}/user/{owner}/contacts", page)
        .get("/{org}/{app}/users/{owner}/contacts", page)
        .put("/{org}/{app}/user/{owner}/contacts/users/{friend}", remark)
        .put(PAIR, remark)
        .post("/{org}/{app}/users/{owner}/contacts/apply", apply)
        .post(
            "/{org}/{app}/users/{owner}/contacts/accept/users/{friend}",
            accept,
        )
        .post(
            "/{org}/{app}/users/{owner}/contacts/decline/users/{friend}",
            decline,
        )
        .post("/{org}/{app}/users/{owner}/contacts/import", import);
}

#[derive(Deserialize)]
struct OwnerPath {
    owner: String,
}

#[derive(Deserialize)]
struct PairPath {
    owner: String,
    friend: String,
}

fn app_actor<'a>(ctx: &'a AppCtx, owner: &'a UserId) -> ContactActor<'a> {
    ContactActor {
        app: &ctx.app,
        user: owner,
        session: None,
    }
}

/// C1: `owner` and `friend` become friends; `entities: [friend]`.
async fn add(AppToken(ctx): AppToken, path: web::Path<PairPath>) -> Result<HttpResponse, ApiError> {
    let (owner, friend) = (UserId::parse(&path.owner)?, UserId::parse(&path.friend)?);
    let view = ctx.node.ask(ctx.app.user_key(&friend), GetUser).await?;
    ctx.node
        .make_friends(&app_actor(&ctx, &owner), &friend, FriendVia::App)
        .await?;
    Ok(Envelope::new(&ctx)
        .entities(vec![user_entity(&view)])
        .finish())
}

/// C2: they are no longer friends; `entities: [friend]`.
async fn remove(auth: Authed, path: web::Path<PairPath>) -> Result<HttpResponse, ApiError> {
    let (owner, friend) = (UserId::parse(&path.owner)?, UserId::parse(&path.friend)?);
    auth.act_for(&owner)?;
    let ctx = auth.ctx;
    let view = ctx.node.ask(ctx.app.user_key(&friend), GetUser).await?;
    ctx.node
        .remove_contact(&app_actor(&ctx, &owner), &friend)
        .await?;
    Ok(Envelope::new(&ctx)
        .entities(vec![user_entity(&view)])
        .finish())
}

/// C3: every friend's name; `data: [names]`, `count`. With
/// `needReturnRemark=true` (the SDK's `getAllContacts`) also `entities:
/// [{"username", "remark"}]`.
async fn list_all(auth: Authed, path: web::Path<OwnerPath>) -> Result<HttpResponse, ApiError> {
    let owner = UserId::parse(&path.owner)?;
    auth.act_for(&owner)?;
    let ctx = auth.ctx;
    let list = ctx.node.contacts_of(&ctx.app, &owner).await?;
    let with_remarks = ctx.param("needReturnRemark") == Some("true");
    let entities: Vec<Value> = list
        .friends
        .iter()
        .map(|(n, r)| json!({"username": n, "remark": r.remark}))
        .collect();
    let names: Vec<Value> = list.friends.into_iter().map(|(n, _)| json!(n)).collect();
    let mut envelope = Envelope::new(&ctx).list(names);
    if with_remarks {
        envelope = envelope.entities(entities);
    }
    Ok(envelope.finish())
}

/// C4: friends by name, `limit` (1–50) a page, remarks when
/// `needReturnRemark=true`; the cursor is the last name, opaque.
async fn page(auth: Authed, path: web::Path<OwnerPath>) -> Result<HttpResponse, ApiError> {
    let owner = UserId::parse(&path.owner)?;
    auth.act_for(&owner)?;
    let ctx = auth.ctx;
    let limit = match ctx.param("limit") {
        None => DEFAULT_PAGE,
        Some(l) => {
            let n = l
                .parse::<usize>()
                .map_err(|_| ApiError::IllegalArgument("limit must be a number".into()))?;
            if n > MAX_PAGE {
                return Err(ApiError::IllegalArgument(format!(
                    "page size more than max limit : {MAX_PAGE}"
                )));
            }
            n.max(1)
        }
    };
    let after = text_cursor(&ctx)?;
    let with_remarks = ctx.param("needReturnRemark") == Some("true");
    let list = ctx.node.contacts_of(&ctx.app, &owner).await?;
    let mut rest = list
        .friends
        .into_iter()
        .filter(|(n, _)| after.as_ref().is_none_or(|a| n > a));
    let items: Vec<(String, String)> = rest
        .by_ref()
        .take(limit)
        .map(|(n, r)| (n, r.remark))
        .collect();
    let more = rest.next().is_some();
    let cursor = more
        .then(|| items.last().map(|(n, _)| encode_text_cursor(n)))
        .flatten();
    let contacts: Vec<Value> = items
        .iter()
        .map(|(n, remark)| {
            if with_remarks {
                json!({"username": n, "remark": remark})
            } else {
                json!({"username": n})
            }
        })
        .collect();
    Ok(Envelope::new(&ctx)
        .count(contacts.len())
        .data(json!({ "contacts": contacts }))
        .cursor(cursor)
        .finish())
}

#[derive(Deserialize)]
struct RemarkBody {
    remark: String,
}

/// C5: the remark of a friend; a flat body.
async fn remark(
    auth: Authed,
    path: web::Path<PairPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (owner, friend) = (UserId::parse(&path.owner)?, UserId::parse(&path.friend)?);
    auth.act_for(&owner)?;
    let ctx = auth.ctx;
    let RemarkBody { remark } = super::parse_json(&body)?;
    ctx.node
        .set_remark(&ctx.app, &owner, &friend, remark)
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "action": "put",
        "status": "ok",
        "timestamp": ctx.node.clock.now_ms(),
        "uri": ctx.uri,
        "duration": ctx.started.elapsed().as_millis() as u64,
    })))
}

#[derive(Deserialize)]
struct ImportBody {
    usernames: Vec<String>,
}

/// C6: up to 10 friends at once; each name lands in one outcome list.
async fn import(
    AppToken(ctx): AppToken,
    path: web::Path<OwnerPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let owner = UserId::parse(&path.owner)?;
    let ImportBody { usernames } = super::parse_json(&body)?;
    if usernames.len() > MAX_IMPORT {
        return Err(ApiError::IllegalArgument(format!(
            "request user over flow limit:{MAX_IMPORT}."
        )));
    }
    ctx.node.ask(ctx.app.user_key(&owner), GetUser).await?;
    let (mut success, mut missing, mut over, mut failed) = (vec![], vec![], vec![], vec![]);
    for name in usernames {
        let Ok(friend) = UserId::parse(&name) else {
            missing.push(name);
            continue;
        };
        match ctx
            .node
            .make_friends(&app_actor(&ctx, &owner), &friend, FriendVia::App)
            .await
        {
            Ok(()) => success.push(name),
            Err(DomainError::UserNotFound) => missing.push(name),
            Err(DomainError::ContactLimit(_)) => over.push(name),
            Err(e) => {
                tracing::debug!(error = %e, user = %name, "contact import failed");
                failed.push(name)
            }
        }
    }
    if success.is_empty() && !over.is_empty() && missing.is_empty() && failed.is_empty() {
        return Err(
            DomainError::ContactLimit(imcloud_actors::contact::ContactLimit::Friends).into(),
        );
    }
    Ok(Envelope::new(&ctx)
        .field("status", json!("ok"))
        .data(json!({
            "success": success,
            "NotExistFailed": missing,
            "maxLimitFailed": over,
            "UnKnowFailed": failed,
        }))
        .finish())
}

/// The user a friend request call acts as: only a user makes and
/// answers friend requests (the app server makes friends with C1), so
/// the token must be `owner`'s own.
fn requester(auth: &Authed, owner: &str) -> Result<UserId, ApiError> {
    let owner = UserId::parse(owner)?;
    match &auth.caller {
        Caller::App => Err(ApiError::Domain(DomainError::InvalidArgument(
            "friend requests are made and answered by users: use C1 to make friends".into(),
        ))),
        Caller::User(_) => {
            auth.act_for(&owner)?;
            Ok(owner)
        }
    }
}

#[derive(Deserialize)]
struct ApplyBody {
    usernames: Vec<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// The SDK's `addContact`: a friend request to each of `usernames` (the
/// SDK sends one), kept until answered; their devices get it.
async fn apply(
    auth: Authed,
    path: web::Path<OwnerPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let owner = requester(&auth, &path.owner)?;
    let ApplyBody { usernames, reason } = super::parse_json(&body)?;
    if usernames.is_empty() || usernames.len() > MAX_IMPORT {
        return Err(ApiError::IllegalArgument(format!(
            "usernames must name 1-{MAX_IMPORT} users"
        )));
    }
    let ctx = auth.ctx;
    for name in &usernames {
        let to = UserId::parse(name)?;
        ctx.node
            .request_contact(
                &app_actor(&ctx, &owner),
                &to,
                reason.clone().unwrap_or_default(),
            )
            .await?;
    }
    Ok(Envelope::new(&ctx)
        .data(json!({"result": "ok", "usernames": usernames}))
        .finish())
}

/// The SDK's `acceptInvitation`: `owner` accepts `friend`'s request.
async fn accept(auth: Authed, path: web::Path<PairPath>) -> Result<HttpResponse, ApiError> {
    let owner = requester(&auth, &path.owner)?;
    let friend = UserId::parse(&path.friend)?;
    let ctx = auth.ctx;
    ctx.node
        .make_friends(&app_actor(&ctx, &owner), &friend, FriendVia::Accept)
        .await?;
    Ok(Envelope::new(&ctx).data(json!({"result": "ok"})).finish())
}

/// The SDK's `declineInvitation`: `owner` turns `friend`'s request down.
async fn decline(auth: Authed, path: web::Path<PairPath>) -> Result<HttpResponse, ApiError> {
    let owner = requester(&auth, &path.owner)?;
    let friend = UserId::parse(&path.friend)?;
    let ctx = auth.ctx;
    ctx.node
        .decline_contact(&app_actor(&ctx, &owner), &friend)
        .await?;
    Ok(Envelope::new(&ctx).data(json!({"result": "ok"})).finish())
}
