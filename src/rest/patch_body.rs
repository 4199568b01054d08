//! The JSON-object bodies of the modify calls of groups (G3) and
//! chatrooms (R5c): which keys one may hold, and each key's value checked
//! for its type with Easemob's messages. What each entity accepts and
//! how it limits the values stays with the entity.

use crate::error::ApiError;
use serde_json::{Map, Value};

/// Refuses a body with a key outside `allowed`, naming them all.
pub fn only_fields(req: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    let bad: Vec<&str> = req
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if !bad.is_empty() {
        return Err(ApiError::IllegalArgument(format!(
            "some of [{}] are not valid fields",
            bad.join(", ")
        )));
    }
    Ok(())
}

/// A string field, if sent.
pub fn text(req: &Map<String, Value>, k: &str) -> Result<Option<String>, ApiError> {
    match req.get(k) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::IllegalArgument(format!("{k} must be a string"))),
    }
}

/// A boolean field, if sent.
pub fn flag(req: &Map<String, Value>, k: &str) -> Result<Option<bool>, ApiError> {
    match req.get(k) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::IllegalArgument(format!("{k} must be a boolean"))),
    }
}

/// `maxusers`, if sent: a whole number that fits a u32.
pub fn maxusers(req: &Map<String, Value>) -> Result<Option<u32>, ApiError> {
    req.get("maxusers")
        .map(|v| {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| ApiError::IllegalArgument("maxusers must be a number".into()))
        })
        .transpose()
}
