//! Queuing an event from an entity step: one outbox entry per post-send
//! rule the event goes to, in the step's batch (so the event is on disk
//! exactly when the change it reports is), and, once that batch is
//! durable, a signal to the gateway's couriers. An app without an enabled
//! post-send rule costs one map lookup.

use super::event::{AlertReason, HookEvent, QueuedEvent};
use crate::message::StoredMessage;
use crate::trees::outbox;
use crate::ChatEntity;
use imcloud_shards::{codec, StepCtx};
use serde::Serialize;

/// Queues `event` of `app` for every post-send rule it matches.
pub fn emit(ctx: &mut StepCtx<'_, ChatEntity>, app: &str, event: HookEvent) {
    let Some(hooks) = ctx.env().hooks.post_rules(app) else {
        return;
    };
    let lanes = hooks.lanes_for(&event);
    if lanes.is_empty() {
        return;
    }
    let queued = QueuedEvent {
        at: ctx.env().clock.now_ms(),
        event,
    };
    put_in_lanes(ctx, app, &lanes, &queued);
}

/// Queues the event `make` builds around a fresh event id (its `callId`),
/// if the app has a post-send rule; costs one lookup otherwise.
pub fn emit_new(ctx: &mut StepCtx<'_, ChatEntity>, app: &str, make: impl FnOnce(u64) -> HookEvent) {
    if ctx.env().hooks.post_rules(app).is_none() {
        return;
    }
    let event_id = ctx.env().msg_ids.next();
    emit(ctx, app, make(event_id));
}

/// Writes `value` once into each of `lanes` of `app` with a fresh id, and
/// signals the couriers after the commit.
pub fn put_in_lanes<T: Serialize>(
    ctx: &mut StepCtx<'_, ChatEntity>,
    app: &str,
    lanes: &[u32],
    value: &T,
) {
    let bytes = match codec::encode(value) {
        Ok(b) => b,
        // The step fails and is retried by nobody: its caller hears it.
        Err(e) => return ctx.fail(e),
    };
    let id = ctx.env().msg_ids.next();
    for &lane in lanes {
        ctx.put_raw(outbox::key(app, lane, id), bytes.clone());
    }
    let registry = ctx.env().hooks.clone();
    let (app, lanes, shard) = (app.to_string(), lanes.to_vec(), ctx.store().shard);
    ctx.after_commit(move || registry.outbox.committed(&app, &lanes, shard, id, 1));
}

/// Queues the `keyword_alert` of a stored message whose sensitive words
/// the gateway replaced (`words`; none: nothing to report), in the step
/// that stores it.
pub fn emit_replaced(
    ctx: &mut StepCtx<'_, ChatEntity>,
    app: &str,
    message: &StoredMessage,
    words: Vec<String>,
) {
    if words.is_empty() {
        return;
    }
    let type_name = message
        .body
        .get("type")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_string();
    let event = HookEvent::KeywordAlert {
        chat: message.chat,
        from: message.from.clone(),
        to: message.to.clone(),
        msg_id: message.msg_id,
        type_name,
        reason: AlertReason::Replaced,
        words,
    };
    emit(ctx, app, event);
}
