//! The operator's credential: `Authorization: Bearer <secret>` with the
//! secret of `[admin] secret`. With no secret configured the operator
//! endpoints do not answer (404, as if absent); an app's or a user's token
//! never opens them (401).

use crate::error::ApiError;
use crate::node::Node;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use imcloud_actors::DomainError;
use sha2::{Digest, Sha256};
use std::future::{ready, Ready};
use std::time::Instant;

/// A request that carries the operator secret.
pub struct Operator {
    pub node: web::Data<Node>,
    pub started: Instant,
    pub uri: String,
    pub path: String,
    pub method: String,
}

/// Equal digests, compared without an early exit (the time taken tells
/// nothing of how much of a guess was right).
fn same_secret(given: &str, secret: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(secret.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

fn check(req: &HttpRequest) -> Result<Operator, ApiError> {
    let node = req
        .app_data::<web::Data<Node>>()
        .cloned()
        .ok_or(ApiError::Domain(DomainError::Internal))?;
    let secret = &node.config.admin.secret;
    if secret.is_empty() {
        return Err(ApiError::OperatorOff);
    }
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or(ApiError::OperatorUnauthorized)?;
    if !same_secret(given, secret) {
        return Err(ApiError::OperatorUnauthorized);
    }
    let conn = req.connection_info();
    Ok(Operator {
        started: Instant::now(),
        uri: format!("{}://{}{}", conn.scheme(), conn.host(), req.path()),
        path: req.path().to_string(),
        method: req.method().as_str().to_ascii_lowercase(),
        node,
    })
}

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(check(req))
    }
}

impl Operator {
    /// The success envelope of an operator call (no app: only the common
    /// keys) with `data`.
    pub fn answer(&self, data: serde_json::Value) -> actix_web::HttpResponse {
        self.answer_with(data, serde_json::Map::new())
    }

    /// [`Operator::answer`] with more keys (a list's `count`, `cursor`).
    pub fn answer_with(
        &self,
        data: serde_json::Value,
        extra: serde_json::Map<String, serde_json::Value>,
    ) -> actix_web::HttpResponse {
        let mut body = serde_json::json!({
            "action": self.method,
            "path": self.path,
            "uri": self.uri,
            "entities": [],
            "data": data,
            "timestamp": self.node.clock.now_ms(),
            "duration": self.started.elapsed().as_millis() as u64,
        });
        if let Some(obj) = body.as_object_mut() {
            obj.extend(extra);
        }
        actix_web::HttpResponse::Ok().json(body)
    }
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn only_the_same_secret_matches() {
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cret ", "s3cret"));
        assert!(!same_secret("", "s3cret"));
    }
}
