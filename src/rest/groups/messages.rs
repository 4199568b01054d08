//! Sending to groups from an app server (Easemob §5.1 M2, and the legacy
//! `/messages` form with `target_type: chatgroups`): one message per group,
//! stored once in the group's timeline and fanned out to its members. The
//! group's mute rules apply when the sender is a member.

use crate::error::ApiError;
use crate::groups::{group_id, GroupSendSpec};
use crate::rest::envelope::Envelope;
use crate::rest::extract::{AppCtx, AppToken, Body};
use crate::rest::messages::{check_send, present, typed_body};
use crate::rest::parse_json;
use crate::rest::targets;
use actix_web::{web, HttpResponse};
use futures_util::future::join_all;
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Most groups of one call.
const MAX_GROUPS: usize = 3;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/{org}/{app}/messages/chatgroups",
        web::post().to(send_groups),
    );
}

#[derive(Deserialize)]
struct SendGroups {
    #[serde(default)]
    from: Option<String>,
    to: Vec<String>,
    #[serde(rename = "type")]
    kind: String,
    body: Map<String, Value>,
    #[serde(default, deserialize_with = "present")]
    ext: Option<Value>,
}

/// Checks the call and sends to each group; maps group id → msg id.
pub async fn send_to_groups(
    ctx: &AppCtx,
    from: Option<String>,
    to: Vec<String>,
    body: Value,
    ext: Option<Value>,
) -> Result<Map<String, Value>, ApiError> {
    targets::check_count(&to, MAX_GROUPS)?;
    let from = check_send(ctx, from, &body, &ext)?;
    let groups: Vec<String> = targets::parse_each(&to, group_id)?;
    let sends = groups.iter().map(|g| {
        let spec = GroupSendSpec {
            from: from.clone(),
            body: body.clone(),
            ext: ext.clone(),
            client_msg_id: None,
            origin_session: None,
            from_rest: true,
            sender: None,
        };
        ctx.node.group_send(&ctx.app, g, spec)
    });
    let sent = join_all(sends).await;
    targets::msg_ids(ctx, groups, sent, DomainError::GroupNotFound)
}

async fn send_groups(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: SendGroups = parse_json(&body)?;
    let data = send_to_groups(
        &ctx,
        req.from,
        req.to,
        typed_body(req.kind, req.body),
        req.ext,
    )
    .await?;
    Ok(Envelope::new(&ctx).data(Value::Object(data)).finish())
}
