//! Extractors that state a handler's contract in its signature: `AppCtx`
//! (the app named by the path exists, and the call passed the app's
//! allow-list and rate limit), `AppToken` (plus a valid app token for it),
//! `Authed` (the app's token or a live user token: calls the SDKs make as
//! their user), and `Body` (the raw request body, within the size limit).

use crate::auth::token::{self, Subject, TokenError};
use crate::error::ApiError;
use crate::guard::RestCaller;
use crate::node::Node;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use imcloud_actors::app::AppRecord;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::user::GetCredentials;
use imcloud_actors::DomainError;
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

/// The app named by `/{org}/{app}/…` and facts about the request. Every
/// app REST call makes exactly one: making it checks the call against the
/// app's allow-list and counts it against its endpoint class's budget
/// (`src/guard/`).
pub struct AppCtx {
    pub app: AppKey,
    pub record: Arc<AppRecord>,
    pub node: web::Data<Node>,
    pub started: Instant,
    pub method: String,
    pub path: String,
    pub uri: String,
    /// Query parameters as arrays of strings (Easemob's `params`).
    pub params: Map<String, Value>,
    bearer: Option<String>,
}

fn query_params(query: &str) -> Map<String, Value> {
    let mut params = Map::new();
    for (k, v) in url_pairs(query) {
        let entry = params.entry(k).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = entry {
            a.push(Value::String(v));
        }
    }
    params
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    web::Query::<Vec<(String, String)>>::from_query(query)
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

impl AppCtx {
    /// A query parameter's first value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name)?.as_array()?.first()?.as_str()
    }

    /// Checks that the request carries a valid app token for this app.
    pub fn require_app_token(&self) -> Result<(), ApiError> {
        match self.claims()? {
            Subject::App => Ok(()),
            Subject::User { .. } => Err(ApiError::NeedAppToken),
        }
    }

    /// Checks that the request carries a valid token of this app, the
    /// app's or one of its users' (signature and expiry; a user token's
    /// revocation is checked where the user's entity is asked).
    pub fn require_token(&self) -> Result<Subject, ApiError> {
        self.claims()
    }

    /// Whether the request carries a valid app token (for endpoints where
    /// it is optional).
    pub fn has_app_token(&self) -> bool {
        matches!(self.claims(), Ok(Subject::App))
    }

    /// When the request's (valid) token expires, Unix seconds; 0: never.
    pub fn token_expiry(&self) -> Result<u64, ApiError> {
        let t = self.bearer.as_deref().ok_or(ApiError::TokenExpired)?;
        token::verify(&self.record, t, self.node.clock.now_secs())
            .map(|c| c.exp)
            .map_err(|_| ApiError::TokenCorrupt)
    }

    fn claims(&self) -> Result<Subject, ApiError> {
        let Some(t) = &self.bearer else {
            return Err(ApiError::TokenExpired);
        };
        match token::verify(&self.record, t, self.node.clock.now_secs()) {
            Ok(c) => Ok(c.sub),
            Err(TokenError::Expired) => Err(ApiError::TokenExpired),
            Err(TokenError::Malformed) => Err(ApiError::TokenCorrupt),
            Err(TokenError::BadSignature) => {
                // Issued for another app key, or not by this server.
                if token::peek(t)
                    .map(|c| c.app != self.record.appkey)
                    .unwrap_or(true)
                {
                    Err(ApiError::TokenCorrupt)
                } else {
                    Err(ApiError::TokenForged)
                }
            }
        }
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let h = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let t = h
        .strip_prefix("Bearer ")
        .or_else(|| h.strip_prefix("bearer "))?;
    Some(t.trim().to_string())
}

/// Whether a call is a device's (a valid user token, or an attachment
/// download) or the app server's.
fn rest_caller(req: &HttpRequest, record: &AppRecord, now_secs: u64) -> RestCaller {
    let download = req.method() == actix_web::http::Method::GET
        && req
            .match_pattern()
            .is_some_and(|p| p.ends_with("/chatfiles/{uuid}"));
    let user_token = bearer(req)
        .and_then(|t| token::verify(record, &t, now_secs).ok())
        .is_some_and(|c| matches!(c.sub, Subject::User { .. }));
    if download || user_token {
        RestCaller::Device
    } else {
        RestCaller::AppServer
    }
}

impl FromRequest for AppCtx {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let started = Instant::now();
            let node = req
                .app_data::<web::Data<Node>>()
                .cloned()
                .ok_or(ApiError::Domain(DomainError::Internal))?;
            let org = req.match_info().get("org").unwrap_or_default().to_string();
            let app_name = req.match_info().get("app").unwrap_or_default().to_string();
            let app = AppKey::new(&org, &app_name)
                .map_err(|_| ApiError::AppNotFound(format!("{org}/{app_name}")))?;
            let record = node.app(&app).await.map_err(|e| match e {
                DomainError::AppNotFound => ApiError::AppNotFound(format!("{org}/{app_name}")),
                other => ApiError::Domain(other),
            })?;
            node.gateway.dist.rest_call(&record.appkey);
            let caller = rest_caller(&req, &record, node.clock.now_secs());
            node.guard.check_rest(&req, &record, caller)?;
            let prefix = format!("/{org}/{app_name}");
            let path = req
                .path()
                .strip_prefix(&prefix)
                .unwrap_or(req.path())
                .to_string();
            let conn = req.connection_info();
            let uri = format!("{}://{}{}", conn.scheme(), conn.host(), req.path());
            Ok(AppCtx {
                app,
                record,
                node,
                started,
                method: req.method().as_str().to_string(),
                path,
                uri,
                params: query_params(req.query_string()),
                bearer: bearer(&req),
            })
        })
    }
}

/// An `AppCtx` whose request carries a valid app token.
pub struct AppToken(pub AppCtx);

impl FromRequest for AppToken {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = AppCtx::from_request(req, payload);
        Box::pin(async move {
            let ctx = ctx.await?;
            ctx.require_app_token()?;
            Ok(AppToken(ctx))
        })
    }
}

/// The raw request body, at most `rest.max_body_bytes`. Reading it fails
/// with an `ApiError`, so an oversized or broken body still gets the error
/// envelope (actix's own `Bytes` extractor answers in plain text).
pub struct Body(pub web::Bytes);

impl FromRequest for Body {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<Node>>()
            .map(|n| n.config.rest.max_body_bytes)
            .unwrap_or_default();
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            bytes.await.map(Body).map_err(|e| {
                let status = e.as_response_error().status_code();
                if status == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::BodyTooLarge(limit)
                } else {
                    ApiError::InvalidBody(e.to_string())
                }
            })
        })
    }
}

/// Who makes a call: the app server (the app's token) or one of the
/// app's users (a user token, as the SDKs send).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    App,
    User(UserId),
}

/// An `AppCtx` whose request carries the app's token or a live user
/// token of the app: signed by it, not expired, and still good at the
/// user's entity (the user exists under the uuid the token names, is
/// active, and has not changed its password since). A user token that is
/// no longer good is refused as expired (401 `unauthorized`).
pub struct Authed {
    pub ctx: AppCtx,
    pub caller: Caller,
}

impl Authed {
    /// The call may act for `user`: the app's token, or `user`'s own
    /// token (another user's is 403 `forbidden_op`).
    pub fn act_for(&self, user: &UserId) -> Result<(), ApiError> {
        match &self.caller {
            Caller::App => Ok(()),
            Caller::User(me) if me == user => Ok(()),
            Caller::User(_) => Err(ApiError::OtherUser(user.to_string())),
        }
    }

    /// Who acts on a group or a chatroom: the app (with the owner's
    /// rights) or the token's user (with the rights its role gives it).
    pub fn actor(&self) -> imcloud_actors::roster::Actor {
        match &self.caller {
            Caller::App => imcloud_actors::roster::Actor::App,
            Caller::User(u) => imcloud_actors::roster::Actor::User(u.to_string()),
        }
    }

    /// The context and the actor.
    pub fn split(self) -> (AppCtx, imcloud_actors::roster::Actor) {
        let actor = self.actor();
        (self.ctx, actor)
    }

    /// The user a user token names (`None` for the app's token).
    pub fn user(&self) -> Option<&UserId> {
        match &self.caller {
            Caller::App => None,
            Caller::User(u) => Some(u),
        }
    }
}

impl FromRequest for Authed {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = AppCtx::from_request(req, payload);
        Box::pin(async move {
            let ctx = ctx.await?;
            let caller = match ctx.require_token()? {
                Subject::App => Caller::App,
                Subject::User { name, uid, epoch } => {
                    let user = UserId::parse(&name).map_err(|_| ApiError::TokenCorrupt)?;
                    let creds = ctx
                        .node
                        .ask(ctx.app.user_key(&user), GetCredentials)
                        .await
                        .map_err(|e| match e {
                            DomainError::UserNotFound => ApiError::TokenExpired,
                            other => ApiError::Domain(other),
                        })?;
                    if creds.uuid != uid || creds.token_epoch != epoch || !creds.activated {
                        return Err(ApiError::TokenExpired);
                    }
                    Caller::User(user)
                }
            };
            Ok(Authed { ctx, caller })
        })
    }
}
