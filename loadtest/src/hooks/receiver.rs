//! The app server the callback benchmarks post to: an HTTP/1.1 server
//! (hyper) on loopback that answers at once, pre-send requests (path
//! `/pre`) with `{"valid": true}` and post-send ones with `{}` (or 503
//! while told to fail), and counts what it got: requests, events (a
//! batch is a JSON array), distinct `callId`s, and when the first and
//! last accepted events came.

use crate::Error;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::convert::Infallible;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What the receiver saw.
#[derive(Default)]
struct Counts {
    /// Requests answered 200, and the events they carried.
    requests: AtomicU64,
    events: AtomicU64,
    /// Requests answered 503 (told to fail).
    refused: AtomicU64,
    /// Events seen twice (the same `callId`).
    duplicates: AtomicU64,
    /// Nanoseconds from `start` to the first and the last accepted event.
    first_ns: AtomicU64,
    last_ns: AtomicU64,
}

struct State {
    start: Instant,
    failing: AtomicBool,
    counts: Counts,
    /// Hashes of the `callId`s seen (8 bytes an event, not the text).
    call_ids: Mutex<HashSet<u64>>,
}

/// The one field of an event the receiver reads; the rest of the body is
/// skipped unparsed (the receiver shares the box with the server, so it
/// should cost as little as an app server elsewhere would cost nothing).
#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "callId", borrow, default)]
    call_id: Cow<'a, str>,
}

/// The events of a body: a batch is a JSON array, one event an object.
fn events(body: &[u8]) -> Option<Vec<Event<'_>>> {
    let batch = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if batch {
        serde_json::from_slice(body).ok()
    } else {
        serde_json::from_slice(body).ok().map(|e| vec![e])
    }
}

/// A snapshot of the counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seen {
    pub requests: u64,
    pub events: u64,
    pub refused: u64,
    pub duplicates: u64,
    /// Seconds from the first accepted event to the last.
    pub span_secs: f64,
}

pub struct HookReceiver {
    pub base: String,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl HookReceiver {
    pub async fn start() -> Result<HookReceiver, Error> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(State {
            start: Instant::now(),
            failing: AtomicBool::new(false),
            counts: Counts::default(),
            call_ids: Mutex::new(HashSet::new()),
        });
        let s = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let s = s.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| answer(s.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(HookReceiver { base, state, task })
    }

    /// Answers post-send requests 503 (`true`) or 200 from now on.
    pub fn fail(&self, failing: bool) {
        self.state.failing.store(failing, Ordering::SeqCst);
    }

    pub fn seen(&self) -> Seen {
        let c = &self.state.counts;
        let first = c.first_ns.load(Ordering::Relaxed);
        let last = c.last_ns.load(Ordering::Relaxed);
        Seen {
            requests: c.requests.load(Ordering::Relaxed),
            events: c.events.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            duplicates: c.duplicates.load(Ordering::Relaxed),
            span_secs: last.saturating_sub(first) as f64 / 1e9,
        }
    }
}

impl Drop for HookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r
}

async fn answer(
    s: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let pre = req.uri().path() == "/pre";
    let Ok(body) = req.into_body().collect().await.map(|b| b.to_bytes()) else {
        return Ok(reply(StatusCode::BAD_REQUEST, "{}"));
    };
    if pre {
        return Ok(reply(StatusCode::OK, r#"{"valid":true}"#));
    }
    let c = &s.counts;
    if s.failing.load(Ordering::SeqCst) {
        c.refused.fetch_add(1, Ordering::Relaxed);
        return Ok(reply(StatusCode::SERVICE_UNAVAILABLE, "{}"));
    }
    let Some(events) = events(&body) else {
        return Ok(reply(StatusCode::BAD_REQUEST, "{}"));
    };
    let now = s.start.elapsed().as_nanos() as u64;
    let _ = c
        .first_ns
        .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
    c.last_ns.fetch_max(now, Ordering::Relaxed);
    c.requests.fetch_add(1, Ordering::Relaxed);
    c.events.fetch_add(events.len() as u64, Ordering::Relaxed);
    if let Ok(mut ids) = s.call_ids.lock() {
        for e in &events {
            let mut h = DefaultHasher::new();
            e.call_id.hash(&mut h);
            if !ids.insert(h.finish()) {
                c.duplicates.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    Ok(reply(StatusCode::OK, "{}"))
}
