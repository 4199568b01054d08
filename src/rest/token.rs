//! `POST /{org}/{app}/token`: app tokens (`client_credentials`) and user
//! tokens (`password`).

use super::extract::{AppCtx, Body};
use super::{envelope::user_entity, parse_json};
use crate::auth::token::{self, Claims, Subject};
use crate::device::login::check_password;
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::ids::UserId;
use imcloud_actors::user::GetUser;
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::json;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.post("/{org}/{app}/token", grant)
        .get("/{org}/{app}/sdk/users/{username}/token/expires", expires);
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    ttl: Option<u64>,
}

/// Constant-time string comparison for secrets.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

async fn grant(ctx: AppCtx, Body(body): Body) -> Result<HttpResponse, ApiError> {
    let req: TokenRequest = parse_json(&body)?;
    let record = ctx.record.clone();
    let ttl = req.ttl.unwrap_or(record.settings.token_ttl_secs);
    let exp = if ttl == 0 {
        0
    } else {
        ctx.node.clock.now_secs().saturating_add(ttl)
    };
    match req.grant_type.as_str() {
        "client_credentials" => {
            let id = req
                .client_id
                .ok_or_else(|| ApiError::IllegalArgument("client_id must be provided.".into()))?;
            let secret = req.client_secret.ok_or_else(|| {
                ApiError::IllegalArgument("client_secret must be provided".into())
            })?;
            if !same_secret(&id, &record.client_id) {
                return Err(ApiError::InvalidGrant("client_id does not match".into()));
            }
            if !same_secret(&secret, &record.client_secret) {
                return Err(ApiError::InvalidGrant(
                    "client_secret does not match".into(),
                ));
            }
            let t = token::issue(
                &record,
                &Claims {
                    app: record.appkey.clone(),
                    sub: Subject::App,
                    exp,
                },
            )
            .map_err(|_| ApiError::Domain(DomainError::Internal))?;
            Ok(HttpResponse::Ok()
                .json(json!({"access_token": t, "expires_in": ttl, "application": record.uuid})))
        }
        "password" => {
            let name = req
                .username
                .ok_or_else(|| ApiError::IllegalArgument("username must be provided".into()))?;
            let password = req
                .password
                .ok_or_else(|| ApiError::IllegalArgument("password must be provided".into()))?;
            let user =
                UserId::parse(&name).map_err(|e| ApiError::IllegalArgument(e.to_string()))?;
            let key = ctx.app.user_key(&user);
            // The same check as a device's password login.
            let creds = check_password(&ctx.node, &ctx.app, &user, password)
                .await
                .map_err(|e| match e {
                    DomainError::UserNotFound => ApiError::GrantUserNotFound,
                    DomainError::AuthFailed => ApiError::InvalidGrant("invalid password".into()),
                    other => other.into(),
                })?;
            if !creds.activated {
                return Err(ApiError::InvalidGrant("user not activated".into()));
            }
            let view = ctx.node.ask(key, GetUser).await?;
            let claims = Claims {
                app: record.appkey.clone(),
                sub: Subject::User {
                    name: user.to_string(),
                    uid: creds.uuid.clone(),
                    epoch: creds.token_epoch,
                },
                exp,
            };
            let t = token::issue(&record, &claims)
                .map_err(|_| ApiError::Domain(DomainError::Internal))?;
            Ok(HttpResponse::Ok()
                .json(json!({"access_token": t, "expires_in": ttl, "user": user_entity(&view)})))
        }
        other => Err(ApiError::IllegalArgument(format!(
            "grant_type {other} is not supported"
        ))),
    }
}

/// What `expire_timestamp` says of a token that never expires: the last
/// millisecond of year 9999 (the SDK caps its timers at ~24.8 days).
const NEVER_MS: u64 = 253_402_300_799_999;

/// The Web SDK's `renewToken`: when the bearer token (the user's own)
/// expires, `{"expire_timestamp": ms}`, flat.
async fn expires(
    auth: super::extract::Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = imcloud_actors::ids::UserId::parse(&path.2)?;
    auth.act_for(&user)?;
    let exp = auth.ctx.token_expiry()?;
    let ms = if exp == 0 {
        NEVER_MS
    } else {
        exp.saturating_mul(1000)
    };
    Ok(HttpResponse::Ok().json(json!({ "expire_timestamp": ms })))
}
