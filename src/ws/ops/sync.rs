//! `sync`: what the device missed. The device names the last seq it holds
//! per stream (`"user"` is the user's own timeline); the reply has the
//! newer messages oldest first, the new cursors, and `more`.

use super::{args, OpResult};
use crate::error::ApiError;
use crate::ws::codec::WireMessage;
use crate::ws::session::SocketState;
use imcloud_actors::{Command, DomainError};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::future::Future;
use tokio::sync::oneshot;

#[derive(Deserialize)]
struct SyncArgs {
    #[serde(default)]
    cursors: BTreeMap<String, u64>,
    #[serde(default)]
    limit: Option<usize>,
}

pub fn start(
    state: &SocketState,
    raw: Value,
) -> Result<impl Future<Output = OpResult> + 'static, ApiError> {
    let Some(authed) = &state.authed else {
        return Err(ApiError::NotLoggedIn);
    };
    let a: SyncArgs = args(raw)?;
    if let Some(stream) = a.cursors.keys().find(|k| k.as_str() != "user") {
        return Err(DomainError::InvalidArgument(format!("unknown stream `{stream}`")).into());
    }
    let node = state.node.clone();
    let after = a.cursors.get("user").copied().unwrap_or(0);
    let limit = a.limit.unwrap_or(node.config.limits.sync_page_default);
    let (tx, rx) = oneshot::channel();
    // A refusal is answered through the reply channel.
    let _ = node.router.send(
        authed.key.clone(),
        Command::Sync {
            after,
            limit,
            reply: tx,
        },
    );
    Ok(async move {
        let page = node.wait(rx).await?;
        let messages: Vec<Value> = page
            .messages
            .iter()
            .map(|m| json!(WireMessage::from(m.as_ref())))
            .collect();
        Ok(Map::from_iter([
            ("messages".to_string(), Value::Array(messages)),
            ("cursors".to_string(), json!({"user": page.cursor})),
            ("more".to_string(), Value::Bool(page.more)),
        ]))
    })
}
