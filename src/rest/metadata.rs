//! User attributes over REST (Easemob "user metadata", §10.3): set (a
//! form-urlencoded body), get, batch get, delete, and the bytes the app's
//! attributes take. Each user's attributes are checked and applied by its
//! entity, whole or not at all.

use super::envelope::Envelope;
use super::extract::{AppToken, Authed, Body};
use super::parse_json;
use crate::attributes::attribute_targets;
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::attributes::Attributes;
use imcloud_actors::ids::UserId;
use serde::Deserialize;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `capacity` and `get` before `{username}`: a user of either name
    // cannot be reached through these paths (as on Easemob).
    cfg.get("/{org}/{app}/metadata/user/capacity", capacity)
        .post("/{org}/{app}/metadata/user/get", batch_get)
        .put("/{org}/{app}/metadata/user/{username}", set)
        .get("/{org}/{app}/metadata/user/{username}", get)
        .delete("/{org}/{app}/metadata/user/{username}", delete);
}

#[derive(Deserialize)]
struct UserPath {
    username: String,
}

fn username(raw: &str) -> Result<UserId, ApiError> {
    UserId::parse(raw).map_err(|e| ApiError::IllegalArgument(e.to_string()))
}

fn data_of(attrs: Attributes) -> serde_json::Value {
    json!(attrs)
}

/// `key=value&…`, as Easemob's clients send it (a repeated key: the last
/// value).
fn form_pairs(body: &[u8]) -> Result<Attributes, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::InvalidBody("the body is not UTF-8".into()))?;
    let pairs = web::Query::<Vec<(String, String)>>::from_query(text.trim())
        .map_err(|e| ApiError::InvalidBody(e.to_string()))?;
    Ok(pairs.into_inner().into_iter().collect())
}

async fn set(
    auth: Authed,
    path: web::Path<UserPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.username)?;
    auth.act_for(&user)?;
    let ctx = auth.ctx;
    let patch = form_pairs(&body)?;
    let attrs = ctx.node.set_attributes(&ctx.app, &user, patch).await?;
    Ok(Envelope::new(&ctx).data(data_of(attrs)).finish())
}

async fn get(auth: Authed, path: web::Path<UserPath>) -> Result<HttpResponse, ApiError> {
    let user = username(&path.username)?;
    auth.act_for(&user)?;
    let ctx = auth.ctx;
    let attrs = ctx.node.attributes(&ctx.app, &user, Vec::new()).await?;
    Ok(Envelope::new(&ctx).data(data_of(attrs)).finish())
}

#[derive(Deserialize)]
struct BatchGet {
    targets: Vec<String>,
    #[serde(default)]
    properties: Vec<String>,
}

/// Any user's attributes, for the app or any of its users (as on `/ws`).
async fn batch_get(auth: Authed, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let ctx = auth.ctx;
    let req: BatchGet = parse_json(&body)?;
    let users = attribute_targets(&req.targets)?;
    let found = ctx
        .node
        .attributes_of(&ctx.app, &users, &req.properties)
        .await?;
    Ok(Envelope::new(&ctx).data(json!(found)).finish())
}

async fn delete(
    AppToken(ctx): AppToken,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    let user = username(&path.username)?;
    ctx.node.delete_attributes(&ctx.app, &user).await?;
    Ok(Envelope::new(&ctx).data(json!(true)).finish())
}

async fn capacity(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let bytes = ctx.node.attribute_capacity(&ctx.app).await?;
    Ok(Envelope::new(&ctx).data(json!(bytes)).finish())
}
