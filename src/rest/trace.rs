//! One tracing span per REST request, carrying a request id (the client's
//! `X-Request-Id` when it sends a sane one, else a new one; echoed in the
//! response), the method, the path and the app (`org#app`), so every log
//! line of a request, down to the entity steps it causes, can be found by
//! its id. The end of a request is logged at debug with its status and
//! latency.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::Error;
use std::time::Instant;
use tracing::Instrument;

/// The header that carries a request's id.
pub const REQUEST_ID: &str = "x-request-id";
/// Longest request id taken from a client.
const MAX_ID_LEN: usize = 64;

fn client_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let sane = !v.is_empty()
        && v.len() <= MAX_ID_LEN
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    sane.then(|| v.to_string())
}

/// `org#app` of a path `/{org}/{app}/…`, if it has one.
fn app_of(path: &str) -> Option<String> {
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    let org = parts.next().filter(|s| !s.is_empty())?;
    let app = parts.next().filter(|s| !s.is_empty())?;
    Some(format!("{org}#{app}"))
}

pub async fn trace(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = client_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let app = app_of(req.path()).unwrap_or_default();
    let span = tracing::info_span!(
        "rest",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        app = %app
    );
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    tracing::debug!(
        parent: &span,
        status = res.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request done"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID), v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_comes_from_the_first_two_segments() {
        assert_eq!(app_of("/demo/chat/users"), Some("demo#chat".into()));
        assert_eq!(app_of("/healthz"), None);
        assert_eq!(app_of("/"), None);
    }
}
