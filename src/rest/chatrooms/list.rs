//! R2c `GET /{org}/{app}/chatrooms?limit={N}&cursor={c}`: every room of the
//! app, newest first (paged, read and answered by
//! [`crate::rest::created`]).

use super::view;
use crate::error::ApiError;
use crate::rest::created;
use crate::rest::extract::Authed;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::chatroom::RoomView;
use imcloud_actors::trees::created_index::Listed;
use serde_json::{json, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/{org}/{app}/chatrooms", list);
}

/// R2c; any user of the app lists the rooms (the SDK's `getChatRooms`).
async fn list(auth: Authed) -> Result<HttpResponse, ApiError> {
    let ctx = &auth.ctx;
    let read = |id: String| async move { view(ctx, &id).await };
    created::answer(ctx, Listed::Rooms, read, show).await
}

/// One entry of the list.
fn show(v: &RoomView) -> Value {
    let r = &v.record;
    json!({"id": r.id, "name": r.name, "owner": r.roster.owner,
        "affiliations_count": v.members.len()})
}
