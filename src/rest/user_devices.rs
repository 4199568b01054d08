//! A user's devices as the app server sees them (Easemob §3): U17 lists the
//! online devices, U11 logs every device out, U12 one device (DELETE, and
//! GET as the Java SDK sends it). A logged-out device gets a `kick` push
//! (`forced_logout`) and its socket closes; it may log in again.

use super::envelope::Envelope;
use super::extract::{AppToken, Authed};
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use imcloud_actors::ids::UserId;
use imcloud_actors::user::{Disconnect, ListDevices};
use serde_json::{json, Value};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/{org}/{app}/users/{username}/resources", resources)
        .get("/{org}/{app}/users/{username}/disconnect", disconnect_all)
        .delete(
            "/{org}/{app}/users/{username}/disconnect/{resource}",
            disconnect_one,
        )
        .get(
            "/{org}/{app}/users/{username}/disconnect/{resource}",
            disconnect_one,
        );
}

/// U17; also the Web SDK's `getSelfIdsOnOtherPlatform` with its user's
/// token.
async fn resources(
    auth: Authed,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId::parse(&path.2)?;
    auth.act_for(&user)?;
    let ctx = auth.ctx;
    let devices = ctx.node.ask(ctx.app.user_key(&user), ListDevices).await?;
    let data: Vec<Value> = devices
        .iter()
        .map(|d| json!({"res": d, "device_uuid": d, "device_name": d}))
        .collect();
    Ok(Envelope::new(&ctx).data(Value::Array(data)).finish())
}

async fn disconnect_all(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId::parse(&path.2)?;
    ctx.node
        .ask(ctx.app.user_key(&user), Disconnect { device: None })
        .await?;
    Ok(Envelope::new(&ctx)
        .data(json!({"result": true}))
        .entities(Vec::new())
        .count(0)
        .finish())
}

async fn disconnect_one(
    AppToken(ctx): AppToken,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user = UserId::parse(&path.2)?;
    let device = Some(path.3.clone());
    let n = ctx
        .node
        .ask(ctx.app.user_key(&user), Disconnect { device })
        .await?;
    // `false`: no device of that name was online.
    Ok(Envelope::new(&ctx).data(json!({"result": n > 0})).finish())
}
