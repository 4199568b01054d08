//! Operational endpoints: `/healthz`, `/readyz`, `/metrics`, and the
//! API's OpenAPI document at `/openapi.json`.

use super::NodeData;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/healthz", healthz)
        .get("/readyz", readyz)
        .get("/metrics", metrics)
        .get("/openapi.json", openapi);
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Ready unless the node drains for a shutdown (then 503, so a load
/// balancer stops sending before the sockets close).
async fn readyz(node: NodeData) -> HttpResponse {
    if node.shutdown.is_draining() {
        return HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "draining"}));
    }
    healthz().await
}

async fn metrics(node: NodeData) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::metrics::render(&node))
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}
