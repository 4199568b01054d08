//! The guard in front of every request (`src/guard/`): REST rate limits
//! per app and endpoint class, the apps' REST allow-lists behind trusted
//! proxies, admission control of REST and WebSocket requests, and a flood
//! of the real binary that another app is still served through. Helpers
//! here: REST calls that keep the `Retry-After` header, from a chosen
//! local address.

mod admission;
mod allow_list;
mod flood;
mod rates;

use reqwest::Method;
use serde_json::Value;
use std::net::IpAddr;

/// A REST answer: status, JSON body and `Retry-After`.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub retry_after: Option<String>,
}

impl Answer {
    /// The status and body, as `crate::rest::assert_error` takes them.
    pub fn pair(&self) -> (u16, Value) {
        (self.status, self.body.clone())
    }
}

/// A client whose connections come from `local` (any 127.0.0.0/8 address
/// works on loopback).
pub fn client_from(local: &str) -> reqwest::Client {
    let ip: IpAddr = local.parse().expect("a local address");
    reqwest::Client::builder()
        .local_address(ip)
        .build()
        .expect("a client")
}

/// `method` on `url` with an optional bearer token, JSON body and extra
/// headers.
pub async fn call(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = http.request(method.clone(), url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = resp.text().await.expect("a body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{method} {url} -> {status}: not JSON: {text:?}"));
    Answer {
        status,
        body,
        retry_after,
    }
}
