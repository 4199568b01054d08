//! Operational endpoints: `/healthz`, `/readyz`, `/metrics`.

use super::NodeData;
use actix_web::{web, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
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
