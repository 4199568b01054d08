//! Per-user batch calls of groups and chatrooms (add, remove, block,
//! mute…): the usernames they name, in a JSON list or a comma list in the
//! path, and the per-user outcomes they answer. Both entities reply with
//! the same `(user, result)` list, so one piece of code shapes it; what
//! differs (the id key Easemob uses, the error wording of some calls) is a
//! parameter.

use crate::error::ApiError;
use imcloud_actors::ids::UserId;
use imcloud_actors::DomainError;
use serde_json::{json, Value};

/// What a batch operation answers: each user with its own result.
pub type Outcomes = Vec<(String, Result<(), DomainError>)>;

/// A username of the path or body, as the canonical id.
pub fn user(raw: &str) -> Result<String, ApiError> {
    UserId::parse(raw)
        .map(|u| u.to_string())
        .map_err(|e| ApiError::IllegalArgument(e.to_string()))
}

/// Usernames from a body list of 1–`max`; `what` names the list in the
/// error.
pub fn user_list(list: &[String], max: usize, what: &str) -> Result<Vec<String>, ApiError> {
    user_list_or(list, max, || format!("{what}: name 1-{max} users"))
}

/// Like [`user_list`], for the calls whose count error Easemob words its
/// own way (`too_many` is the whole message).
pub fn user_list_or(
    list: &[String],
    max: usize,
    too_many: impl FnOnce() -> String,
) -> Result<Vec<String>, ApiError> {
    if list.is_empty() || list.len() > max {
        return Err(ApiError::IllegalArgument(too_many()));
    }
    list.iter().map(|u| user(u)).collect()
}

/// Usernames from a comma list in the path, 1–`max` (empty items are
/// skipped, as in `a,,b`).
pub fn path_users(raw: &str, max: usize, what: &str) -> Result<Vec<String>, ApiError> {
    path_users_or(raw, max, || format!("{what}: name 1-{max} users"))
}

/// Like [`path_users`], with the count error worded by `too_many`.
pub fn path_users_or(
    raw: &str,
    max: usize,
    too_many: impl FnOnce() -> String,
) -> Result<Vec<String>, ApiError> {
    let list: Vec<String> = raw
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    user_list_or(&list, max, too_many)
}

/// Easemob's list of per-user results of `action`; the entity's id goes
/// under `id_key` (`groupid` for groups, `id` for chatrooms).
pub fn results(list: Outcomes, action: &str, id_key: &str, id: &str) -> Vec<Value> {
    list.into_iter()
        .map(|(u, r)| {
            let mut v = match r {
                Ok(()) => json!({"result": true, "action": action, "user": u}),
                Err(e) => json!({"result": false, "action": action,
                    "reason": ApiError::Domain(e).public_message(), "user": u}),
            };
            if let Some(o) = v.as_object_mut() {
                o.insert(id_key.into(), json!(id));
            }
            v
        })
        .collect()
}

/// A one-user batch: its error is the call's.
pub fn single(list: Outcomes) -> Result<(), ApiError> {
    match list.into_iter().next() {
        Some((_, Err(e))) => Err(e.into()),
        _ => Ok(()),
    }
}
