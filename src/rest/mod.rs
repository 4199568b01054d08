//! The REST API for app servers, compatible with Easemob's server API:
//! paths under `/{org}/{app}/…`, the success envelope, error bodies and
//! token auth. Each module exposes `configure`. `roster` holds the calls
//! groups and chatrooms share; `posts` their messages. `admission` wraps
//! every app route (not the operational endpoints of `ops`); `cors`
//! wraps everything (web pages on other origins, preflights included).

pub mod admin_apps;
pub mod admission;
pub mod blocks;
pub mod callback_test;
pub mod callbacks;
pub mod chatfiles;
pub mod chatrooms;
pub mod contacts;
pub mod cors;
pub mod created;
pub mod envelope;
pub mod export;
pub mod extract;
pub mod groups;
pub mod latency;
pub mod messages;
pub mod metadata;
pub mod moderation;
pub mod multi_get;
pub mod mutes;
pub mod operator;
pub mod ops;
pub mod paging;
pub mod patch_body;
pub mod posts;
pub mod presence;
pub mod push;
pub mod push_profile;
pub mod recall;
pub mod rewrite;
pub mod roaming;
pub mod roster;
pub mod sdk_chats;
pub mod sensitive_words;
pub mod settings;
pub mod targets;
pub mod token;
pub mod trace;
pub mod user_batch;
pub mod user_devices;
pub mod users;

use crate::error::ApiError;
use crate::node::Node;
use actix_web::{web, HttpResponse};

/// Routes of the whole REST surface plus health and metrics: the app
/// routes in one scope behind admission control, whose unknown paths get
/// the 404 error body.
pub fn configure(cfg: &mut web::ServiceConfig) {
    ops::configure(cfg);
    crate::cluster::status::configure(cfg);
    cfg.service(
        web::scope("")
            .wrap(actix_web::middleware::from_fn(admission::admit))
            .wrap(actix_web::middleware::from_fn(latency::observe))
            .configure(app_routes)
            .default_service(web::to(not_found)),
    );
}

/// The routes under `/{org}/{app}/…`, and the operator's `/_admin/…`.
fn app_routes(cfg: &mut web::ServiceConfig) {
    // First: `/_admin/apps/{org}/{app}` must not be read as an app's path.
    admin_apps::configure(cfg);
    token::configure(cfg);
    users::configure(cfg);
    contacts::configure(cfg);
    blocks::configure(cfg);
    moderation::configure(cfg);
    user_devices::configure(cfg);
    messages::configure(cfg);
    chatfiles::configure(cfg);
    export::configure(cfg);
    groups::configure(cfg);
    chatrooms::configure(cfg);
    posts::configure(cfg);
    recall::configure(cfg);
    rewrite::configure(cfg);
    roaming::configure(cfg);
    sdk_chats::configure(cfg);
    roster::configure(cfg);
    settings::configure(cfg);
    sensitive_words::configure(cfg);
    callbacks::configure(cfg);
    callback_test::configure(cfg);
    push::configure(cfg);
    push_profile::configure(cfg);
    metadata::configure(cfg);
    presence::configure(cfg);
}

/// Body of every unknown route.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

/// Parses a JSON body, mapping every failure to `invalid_request_body`.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::InvalidBody(e.to_string()))
}

/// Shared state handed to handlers.
pub type NodeData = web::Data<Node>;
