//! A middleware that times every REST call by method and route pattern
//! (`imcloud_rest_request_seconds`); a path no route serves is timed as
//! `unmatched`, so clients cannot add labels.

use crate::node::Node;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error};
use std::time::Instant;

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let node = req.app_data::<web::Data<Node>>().cloned();
    let method = req.method().clone();
    let response = next.call(req).await?;
    if let Some(node) = node {
        // Routing has happened by now: the request knows its pattern.
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_string());
        node.gateway
            .dist
            .rest_request(method.as_str(), &route, started.elapsed());
    }
    Ok(response)
}
