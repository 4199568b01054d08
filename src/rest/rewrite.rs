//! Editing a message as the app server (Easemob §5.9 W1): `PUT
//! /messages/rewrite/{msg_id}` with `user` (the message's sender; imcloud
//! needs it to find the message), `new_msg` (`txt` with `msg`, or `custom`
//! with `customEvent` / `customExts`), `new_ext` and `is_combine_ext`
//! (default true: merge `new_ext` into the old `ext`). At most 10 edits.

use super::envelope::Envelope;
use super::extract::{AppToken, Body};
use super::messages::easemob_body;
use super::parse_json;
use crate::edit::EditRequest;
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::conversation::Edit;
use imcloud_actors::ids::UserId;
use serde::Deserialize;
use serde_json::{Map, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.put("/{org}/{app}/messages/rewrite/{msg_id}", rewrite);
}

#[derive(Deserialize)]
struct Rewrite {
    #[serde(default)]
    user: Option<String>,
    new_msg: Map<String, Value>,
    #[serde(default)]
    new_ext: Option<Value>,
    #[serde(default = "yes")]
    is_combine_ext: bool,
}

fn yes() -> bool {
    true
}

fn refused(msg: &str) -> ApiError {
    ApiError::RewriteParam(msg.into())
}

async fn rewrite(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let msg_id = path
        .2
        .parse::<u64>()
        .map_err(|_| refused("msg_id must be a message id"))?;
    let req: Rewrite = parse_json(&body)?;
    let user = req
        .user
        .filter(|u| !u.is_empty())
        .ok_or_else(|| refused("param user can't be empty: name the message's sender"))?;
    let from = UserId::parse(&user)?;
    let kind = req.new_msg.get("type").and_then(Value::as_str);
    if !matches!(kind, Some("txt" | "custom")) {
        return Err(refused("new_msg type must be txt or custom"));
    }
    let edit = Edit {
        body: easemob_body(req.new_msg),
        ext: req.new_ext,
        merge_ext: req.is_combine_ext,
    };
    let edit = EditRequest {
        chat: None,
        from,
        to: None,
        msg_id,
        edit,
    };
    ctx.node.edit(&ctx.app, edit).await?;
    Ok(Envelope::new(&ctx)
        .data(Value::String("success".into()))
        .finish())
}
