//! G5 `GET /{org}/{app}/chatgroups?limit={N}&cursor={c}`: every group of the
//! app, newest first (paged, read and answered by
//! [`crate::rest::created`]).

use super::view;
use crate::error::ApiError;
use crate::rest::created;
use crate::rest::extract::AppToken;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::group::GroupView;
use imcloud_actors::trees::created_index::Listed;
use serde_json::{json, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/{org}/{app}/chatgroups", list);
}

async fn list(AppToken(ctx): AppToken) -> Result<HttpResponse, ApiError> {
    let ctx = &ctx;
    let read = |id: String| async move { view(ctx, &id).await };
    created::answer(ctx, Listed::Groups, read, show).await
}

/// One entry of the list.
fn show(v: &GroupView) -> Value {
    let r = &v.record;
    json!({"owner": r.owner, "groupid": r.id, "affiliations": v.members.len(),
        "type": "group", "lastModified": r.created, "groupname": r.name})
}
