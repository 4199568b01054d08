//! Reading several groups (G2) or chatrooms (R4c) named by a comma list
//! of ids in the path. One id answers as the entity alone would (a missing
//! one is the call's 404); among several, a missing one is an entry with
//! `error` and the others are still shown.

use super::envelope::Envelope;
use super::extract::AppCtx;
use crate::error::ApiError;
use actix_web::HttpResponse;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::future::Future;

/// How one kind of entity is read and shown.
pub struct Kind<V> {
    /// The word of the messages: `group`, `chatroom`.
    pub what: &'static str,
    /// Most ids one call takes.
    pub max: usize,
    /// Checks one id.
    pub id: fn(&str) -> Result<String, ApiError>,
    /// Whether a read failed because the entity does not exist.
    pub missing: fn(&ApiError) -> bool,
    /// The entity as Easemob shows it.
    pub json: fn(&V) -> Value,
}

/// Answers the call for the ids of `raw`, reading each with `read`.
pub async fn get<V, F, Fut>(
    ctx: &AppCtx,
    raw: &str,
    kind: Kind<V>,
    read: F,
) -> Result<HttpResponse, ApiError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<V, ApiError>>,
{
    let what = kind.what;
    let ids: Vec<&str> = raw.split(',').filter(|s| !s.is_empty()).collect();
    if ids.is_empty() || ids.len() > kind.max {
        return Err(ApiError::IllegalArgument(format!(
            "name 1-{} {what} ids",
            kind.max
        )));
    }
    let ids: Vec<String> = ids.into_iter().map(kind.id).collect::<Result<_, _>>()?;
    if let [id] = ids.as_slice() {
        let v = read(id.clone()).await?;
        return Ok(Envelope::new(ctx)
            .data(json!([(kind.json)(&v)]))
            .count(1)
            .finish());
    }
    let views = join_all(ids.iter().cloned().map(&read)).await;
    let mut data = Vec::with_capacity(ids.len());
    for (id, v) in ids.iter().zip(views) {
        match v {
            Ok(v) => data.push((kind.json)(&v)),
            Err(e) if (kind.missing)(&e) => {
                data.push(json!({"id": id, "error": format!("{what} id doesn't exist")}))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(Envelope::new(ctx).list(data).finish())
}
