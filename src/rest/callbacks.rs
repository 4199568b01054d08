//! An app's callback rules over REST (imcloud §14.3): list, add (the
//! secret is generated here), change, delete; and what an operator needs
//! to see of a post-send rule's queue: its state, depth, counters and
//! last failed requests. A change applies from the next message: the
//! node's gateway cache is refreshed before answering, the other nodes'
//! through the app-change bus.

use super::envelope::Envelope;
use super::extract::{AppToken, Body};
use crate::error::ApiError;
use crate::hooks::stats::LaneStats;
use crate::routes::Register;
use actix_web::{web, HttpResponse};
use imcloud_actors::app::{AddCallback, DeleteCallback, GetApp, PatchCallback};
use imcloud_actors::hooks::{CallbackRule, LaneKey, RuleKind, RulePatch};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

/// Bytes of randomness in a generated secret.
const SECRET_BYTES: usize = 24;

pub fn configure(cfg: &mut web::ServiceConfig) {
    const PATH: &str = "/{org}/{app}/callbacks";
    const RULE: &str = "/{org}/{app}/callbacks/{name}";
    cfg.get(PATH, list)
        .post(PATH, add)
        .put(RULE, change)
        .delete(RULE, delete)
        .get("/{org}/{app}/callbacks/{name}/failures", failures);
}

fn name_of(path: &web::Path<(String, String, String)>) -> String {
    path.2.clone()
}

/// Asks the App entity for its record and keeps it in this node's cache,
/// so the change is seen by the next message sent here.
async fn refresh(ctx: &super::extract::AppCtx) -> Result<(), ApiError> {
    let record = ctx.node.ask(ctx.app.entity_key(), GetApp).await?;
    ctx.node.apps.remember(record);
    Ok(())
}

fn lane_stats(
    ctx: &super::extract::AppCtx,
    rule: &CallbackRule,
) -> Option<std::sync::Arc<LaneStats>> {
    ctx.node.hooks.lanes.get(&LaneKey {
        app: ctx.app.to_string(),
        lane: rule.id,
    })
}

/// A rule as REST shows it: its fields, and for a post-send rule what
/// this node knows of its queue.
fn view(ctx: &super::extract::AppCtx, rule: &CallbackRule) -> Value {
    let mut v = serde_json::to_value(rule).unwrap_or(Value::Null);
    if rule.kind == RuleKind::PostSend {
        let queue = match lane_stats(ctx, rule) {
            Some(s) => json!({
                "state": s.state(),
                "queued": s.queued.load(Ordering::Relaxed),
                "delivered": s.delivered.load(Ordering::Relaxed),
                "failed_requests": s.failed.load(Ordering::Relaxed),
                "dropped": s.dropped.load(Ordering::Relaxed),
                "suspended_until": s.suspended_until.load(Ordering::Relaxed),
            }),
            None => json!({ "state": "active", "queued": 0, "delivered": 0,
                "failed_requests": 0, "dropped": 0, "suspended_until": 0 }),
        };
        v["queue"] = queue;
    }
    v
}

fn patch_of(body: &[u8]) -> Result<RulePatch, ApiError> {
    super::parse_json::<RulePatch>(body)
}

/// K1: `data: [rules]`, secrets shown.
async fn list(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let record = ctx.node.ask(ctx.app.entity_key(), GetApp).await?;
    let rules: Vec<Value> = record.callbacks.iter().map(|r| view(&ctx, r)).collect();
    Ok(Envelope::new(&ctx).data(json!(rules)).finish())
}

/// K2: `data: rule` with its generated `secret`.
async fn add(AppToken(ctx): AppToken, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let patch = patch_of(&body)?;
    let secret = crate::apps::random_token(SECRET_BYTES);
    let rule = ctx
        .node
        .ask(ctx.app.entity_key(), AddCallback { patch, secret })
        .await?;
    refresh(&ctx).await?;
    Ok(Envelope::new(&ctx).data(view(&ctx, &rule)).finish())
}

/// K3: `data: rule`.
async fn change(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let patch = patch_of(&body)?;
    let name = name_of(&path);
    let rule = ctx
        .node
        .ask(ctx.app.entity_key(), PatchCallback { name, patch })
        .await?;
    refresh(&ctx).await?;
    Ok(Envelope::new(&ctx).data(view(&ctx, &rule)).finish())
}

/// K4: `data: {"deleted": name}`; the rule's queue is purged by its
/// courier.
async fn delete(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let name = name_of(&path);
    ctx.node
        .ask(ctx.app.entity_key(), DeleteCallback { name: name.clone() })
        .await?;
    refresh(&ctx).await?;
    Ok(Envelope::new(&ctx)
        .data(json!({ "deleted": name }))
        .finish())
}

/// `data: [failures]`, newest last: the failed requests this node kept
/// of a post-send rule (`hooks.failures_kept`).
async fn failures(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let name = name_of(&path);
    let record = ctx.node.ask(ctx.app.entity_key(), GetApp).await?;
    let rule = record
        .callbacks
        .iter()
        .find(|r| r.name == name)
        .ok_or(imcloud_actors::DomainError::RuleNotFound(name))?;
    let failed = lane_stats(&ctx, rule)
        .map(|s| s.failures())
        .unwrap_or_default();
    Ok(Envelope::new(&ctx).data(json!(failed)).finish())
}
