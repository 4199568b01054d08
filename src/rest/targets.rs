//! The targets of an app-server send (M1 users, M2 groups, M3 rooms) and
//! the reply that maps each target to its msg id. The three sends differ in
//! what they send to and how; the checks of `to` and the shape of the
//! reply are Easemob's, the same for all.

use super::extract::AppCtx;
use crate::error::ApiError;
use imcloud_actors::message::SendAck;
use imcloud_actors::DomainError;
use serde_json::{Map, Value};
use std::fmt::Display;

/// Each target of `to` checked with `parse`; a bad one fails the call as
/// a send error.
pub fn parse_each<T, E: Display>(
    to: &[String],
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Vec<T>, ApiError> {
    to.iter()
        .map(|t| parse(t).map_err(|e| ApiError::MessageSend(e.to_string())))
        .collect()
}

/// `to` names 1–`max` targets (checked before anything else of the call).
pub fn check_count(to: &[String], max: usize) -> Result<(), ApiError> {
    if to.is_empty() {
        return Err(ApiError::MessageSend("param to can't be empty".into()));
    }
    if to.len() > max {
        return Err(ApiError::MessageSend(format!(
            "params to's size can't exceed limit {max}"
        )));
    }
    Ok(())
}

/// Maps each target to the msg id of its send. A target that does not
/// exist (`missing`) still gets a fresh msg id, as Easemob accepts such
/// sends silently; any other failure fails the call.
pub fn msg_ids(
    ctx: &AppCtx,
    targets: impl IntoIterator<Item = String>,
    sends: Vec<Result<SendAck, DomainError>>,
    missing: DomainError,
) -> Result<Map<String, Value>, ApiError> {
    let mut data = Map::new();
    for (target, result) in targets.into_iter().zip(sends) {
        let id = match result {
            Ok(ack) => ack.msg_id.to_string(),
            Err(e) if e == missing => ctx.node.env.msg_ids.next().to_string(),
            Err(e) => return Err(e.into()),
        };
        data.insert(target, Value::String(id));
    }
    Ok(data)
}
