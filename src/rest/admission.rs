//! Admission of REST requests: a middleware around the REST routes that
//! holds one of the node's `rest.max_inflight` slots for each request
//! until its response is ready, and refuses a request that finds none with
//! 429 `server_busy` and `Retry-After: 1` before anything else is done
//! (no app lookup, no body read); while the node drains for a shutdown it
//! refuses every request with 503 `server_shutting_down`. The operational
//! endpoints and the WebSocket upgrade sit outside it.

use crate::error::ApiError;
use crate::node::Node;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, ResponseError};
use imcloud_actors::DomainError;
use std::sync::atomic::Ordering;

/// Runs the request in one of the node's REST slots, or refuses it.
pub async fn admit(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(node) = req.app_data::<web::Data<Node>>().cloned() else {
        tracing::error!("REST routes served without a node: a wiring bug");
        let internal = ApiError::Domain(DomainError::Internal);
        return Ok(req
            .into_response(internal.error_response())
            .map_into_right_body());
    };
    if node.shutdown.is_draining() {
        return Ok(req
            .into_response(ApiError::ShuttingDown.error_response())
            .map_into_right_body());
    }
    let Some(slot) = node.guard.rest_requests.try_enter() else {
        node.gateway.rest_overloaded.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("REST request refused: the node's in-flight cap is reached");
        return Ok(req
            .into_response(ApiError::Overloaded.error_response())
            .map_into_right_body());
    };
    let response = next.call(req).await;
    drop(slot);
    Ok(response?.map_into_left_body())
}
