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
/// balancer stops sending before the sockets close), or, in a cluster,
/// while it does not serve every shard its view gives it yet.
async fn readyz(node: NodeData) -> HttpResponse {
    if node.shutdown.is_draining() {
        return HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "draining"}));
    }
    if let Some(cluster) = &node.cluster {
        if !cluster.ownership.is_ready() {
            let serving = cluster.ownership.served().len();
            return HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "taking shards", "serving": serving}));
        }
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
