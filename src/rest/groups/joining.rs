//! What a user does about a group of its own accord, as the Web SDK calls
//! it (a user token only: the app adds and removes members directly):
//! asking to join (`apply`), inviting (`invite`), the owner's or an
//! admin's answer to a request (`apply_verify`), the invitee's answer to an
//! invitation (`invite_verify`) and leaving (`quit`). The group entity
//! checks each as it does for `/ws`'s `group_apply`, `group_invite`,
//! `group_decide`, `group_answer` and `group_leave`.

use super::{gid, run_as};
use crate::error::ApiError;
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppCtx, Authed, Body};
use crate::rest::parse_json;
use crate::rest::user_batch::user;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::group::GroupOp;
use imcloud_actors::roster::{Actor, ManageReply};
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let at = |tail: &str| format!("/{{org}}/{{app}}/chatgroups/{{id}}/{tail}");
    cfg.post(&at("apply"), apply)
        .post(&at("invite"), invite)
        .post(&at("apply_verify"), decide)
        .post(&at("invite_verify"), answer)
        .delete(&at("quit"), quit);
}

/// The token's user: these calls are a user's own.
fn user_actor(auth: Authed) -> Result<(AppCtx, Actor), ApiError> {
    match auth.split() {
        (_, Actor::App) => Err(ApiError::Domain(DomainError::InvalidArgument(
            "joining, inviting and leaving are a user's calls: the app uses the member calls"
                .into(),
        ))),
        user => Ok(user),
    }
}

/// The envelope of these calls: `data.result`, and `pending` when a
/// request or invitation waits for an answer.
fn answered(ctx: &AppCtx, id: &str, reply: ManageReply<impl Sized>) -> HttpResponse {
    let pending = matches!(reply, ManageReply::Pending);
    Envelope::new(ctx)
        .data(json!({"result": true, "groupid": id, "pending": pending}))
        .finish()
}

async fn apply(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = user_actor(auth)?;
    let id = gid(&path.2)?;
    let reply = run_as(&ctx, &actor, &id, GroupOp::Apply).await?;
    Ok(answered(&ctx, &id, reply))
}

#[derive(Deserialize)]
struct Usernames {
    usernames: Vec<String>,
}

async fn invite(
    auth: Authed,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = user_actor(auth)?;
    let id = gid(&path.2)?;
    let req: Usernames = parse_json(&body)?;
    let users = req
        .usernames
        .iter()
        .map(|u| user(u))
        .collect::<Result<Vec<_>, _>>()?;
    let reply = run_as(&ctx, &actor, &id, GroupOp::Invite(users)).await?;
    Ok(answered(&ctx, &id, reply))
}

#[derive(Deserialize)]
struct Verdict {
    #[serde(default)]
    applicant: Option<String>,
    #[serde(rename = "verifyResult")]
    verify_result: bool,
}

async fn decide(
    auth: Authed,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = user_actor(auth)?;
    let id = gid(&path.2)?;
    let req: Verdict = parse_json(&body)?;
    let applicant = user(
        req.applicant
            .as_deref()
            .ok_or_else(|| ApiError::IllegalArgument("applicant must be provided".into()))?,
    )?;
    let op = GroupOp::Decide {
        user: applicant,
        accept: req.verify_result,
    };
    let reply = run_as(&ctx, &actor, &id, op).await?;
    Ok(answered(&ctx, &id, reply))
}

async fn answer(
    auth: Authed,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = user_actor(auth)?;
    let id = gid(&path.2)?;
    let req: Verdict = parse_json(&body)?;
    let op = GroupOp::AnswerInvite {
        accept: req.verify_result,
    };
    let reply = run_as(&ctx, &actor, &id, op).await?;
    Ok(answered(&ctx, &id, reply))
}

async fn quit(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (ctx, actor) = user_actor(auth)?;
    let id = gid(&path.2)?;
    let reply = run_as(&ctx, &actor, &id, GroupOp::Leave).await?;
    Ok(answered(&ctx, &id, reply))
}
