//! The operator's apps (spec §14.5): A1 lists them, A2 creates one with
//! fresh credentials, A3 deletes one with all its data (`src/app_admin.rs`);
//! and imcloud's own A4, one app's credentials, for the console's
//! operator to act on an app made earlier.

use super::extract::Body;
use super::operator::Operator;
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::ids::AppKey;
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::{json, Value};

/// Apps one page lists unless `limit` says otherwise.
const DEFAULT_LIMIT: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/_admin/apps", list)
        .post("/_admin/apps", create)
        .get("/_admin/apps/{org}/{app}", details)
        .delete("/_admin/apps/{org}/{app}", delete);
}

#[derive(Deserialize)]
struct ListQuery {
    limit: Option<usize>,
    cursor: Option<String>,
}

/// A1: `data: [{"appkey", "created", "users", "deleting"}]`, by app key,
/// `limit` (1–1000, default 100) at a time, `cursor` while more follow.
async fn list(op: Operator, req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    // Parsed here so that a bad `limit` gets the error envelope.
    let q = web::Query::<ListQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::IllegalArgument(format!("bad query: {e}")))?
        .into_inner();
    let after = match q.cursor.filter(|c| !c.is_empty()) {
        Some(c) => Some(
            AppKey::parse(&c)
                .map_err(|_| ApiError::IllegalArgument(format!("cursor {c} is not an app key")))?,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    let page = op
        .node
        .list_apps(after.map(|a| a.to_string()), limit)
        .await?;
    let apps: Vec<Value> = page
        .apps
        .iter()
        .map(|(a, users)| {
            json!({"appkey": a.appkey, "created": a.created, "users": users, "deleting": a.deleting})
        })
        .collect();
    let count = apps.len();
    let mut extra = serde_json::Map::new();
    extra.insert("count".into(), json!(count));
    if let Some(next) = page.next {
        extra.insert("cursor".into(), json!(next));
    }
    Ok(op.answer_with(Value::Array(apps), extra))
}

#[derive(Deserialize)]
struct CreateBody {
    appkey: Option<String>,
}

/// A2: `data: {"appkey", "client_id", "client_secret"}`.
async fn create(op: Operator, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let b: CreateBody = super::parse_json(&body)?;
    let appkey = b
        .appkey
        .ok_or_else(|| ApiError::RequiredProperty("appkey must be provided".into()))?;
    let app = AppKey::parse(&appkey).map_err(|_| {
        ApiError::IllegalArgument(format!(
            "appkey {appkey} is not legal: org#app, each 1-32 lowercase letters, digits or hyphens"
        ))
    })?;
    let record = op
        .node
        .create_app(&app, op.node.config.app_defaults.clone())
        .await
        .map_err(|e| match e {
            DomainError::AppExists => ApiError::AppExists(app.to_string()),
            other => ApiError::Domain(other),
        })?;
    Ok(op.answer(crate::apps::credentials_json(&record)))
}

/// A3: `data: {"deleted": appkey}` once the app's data is gone.
async fn delete(op: Operator, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (org, name) = path.into_inner();
    let app =
        AppKey::new(&org, &name).map_err(|_| ApiError::AppNotFound(format!("{org}/{name}")))?;
    op.node.delete_app(&app).await.map_err(|e| match e {
        DomainError::AppNotFound => ApiError::AppNotFound(format!("{org}/{name}")),
        other => ApiError::Domain(other),
    })?;
    Ok(op.answer(json!({"deleted": app.to_string()})))
}

/// A4: `data: {"appkey", "client_id", "client_secret", "created", "users"}`.
async fn details(
    op: Operator,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org, name) = path.into_inner();
    let not_found = || ApiError::AppNotFound(format!("{org}/{name}"));
    let app = AppKey::new(&org, &name).map_err(|_| not_found())?;
    let record = op.node.app(&app).await.map_err(|e| match e {
        DomainError::AppNotFound => not_found(),
        other => ApiError::Domain(other),
    })?;
    let mut data = crate::apps::credentials_json(&record);
    data["created"] = json!(record.created);
    data["users"] = json!(op.node.count_users(&record.appkey).await?);
    Ok(op.answer(data))
}
