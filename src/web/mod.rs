//! The browser side the binary serves from memory: `imcloud.js`, the
//! first-party JavaScript client of `/ws` (at `/sdk/imcloud.js`, for the
//! demo and for app teams' own pages), `/demo`, a chat page built on
//! it, and `/console`, the admin console on the REST API (docs/console.md). The files live in `src/web/assets/` and are compiled in, so running
//! the server needs no JS build step and no asset folder.

use crate::routes::Register as _;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// One embedded file and how it is served.
struct Asset {
    body: &'static str,
    content_type: &'static str,
    /// `Cache-Control`: the page is revalidated every time (it names the
    /// scripts it loads); the scripts may be reused a few minutes.
    cache: &'static str,
    /// The strong ETag (the body's SHA-256, cut short), made on first use.
    etag: OnceLock<String>,
}

impl Asset {
    const fn new(body: &'static str, content_type: &'static str, cache: &'static str) -> Asset {
        Asset {
            body,
            content_type,
            cache,
            etag: OnceLock::new(),
        }
    }

    fn etag(&self) -> &str {
        self.etag.get_or_init(|| {
            let digest = Sha256::digest(self.body.as_bytes());
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            format!("\"{hex}\"")
        })
    }
}

const JS: &str = "text/javascript; charset=utf-8";
const REUSE: &str = "public, max-age=300";
static IMCLOUD_JS: Asset = Asset::new(include_str!("assets/imcloud.js"), JS, REUSE);
static DEMO_HTML: Asset = Asset::new(
    include_str!("assets/demo.html"),
    "text/html; charset=utf-8",
    "no-cache",
);
static DEMO_JS: Asset = Asset::new(include_str!("assets/demo.js"), JS, REUSE);
static DEMO_IMAGES_JS: Asset = Asset::new(include_str!("assets/demo-images.js"), JS, REUSE);
static DEMO_MESSAGES_JS: Asset = Asset::new(include_str!("assets/demo-messages.js"), JS, REUSE);
static DEMO_PEOPLE_JS: Asset = Asset::new(include_str!("assets/demo-people.js"), JS, REUSE);
static DEMO_CSS: Asset = Asset::new(
    include_str!("assets/demo.css"),
    "text/css; charset=utf-8",
    REUSE,
);

static CONSOLE_HTML: Asset = Asset::new(
    include_str!("assets/console.html"),
    "text/html; charset=utf-8",
    "no-cache",
);
static CONSOLE_CSS: Asset = Asset::new(
    include_str!("assets/console.css"),
    "text/css; charset=utf-8",
    REUSE,
);
/// The console's scripts by path: the core, then one file per concern.
static CONSOLE_SCRIPTS: [(&str, Asset); 6] = [
    (
        "/console/console.js",
        Asset::new(include_str!("assets/console.js"), JS, REUSE),
    ),
    (
        "/console/console-users.js",
        Asset::new(include_str!("assets/console-users.js"), JS, REUSE),
    ),
    (
        "/console/console-rooms.js",
        Asset::new(include_str!("assets/console-rooms.js"), JS, REUSE),
    ),
    (
        "/console/console-settings.js",
        Asset::new(include_str!("assets/console-settings.js"), JS, REUSE),
    ),
    (
        "/console/console-hooks.js",
        Asset::new(include_str!("assets/console-hooks.js"), JS, REUSE),
    ),
    (
        "/console/console-metrics.js",
        Asset::new(include_str!("assets/console-metrics.js"), JS, REUSE),
    ),
];

/// The demo (and the console) loads only its own origin's scripts and styles and talks
/// only to its own origin (`/ws`, the token call, uploads and downloads);
/// it is never framed.
const DEMO_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/sdk/imcloud.js", |req: HttpRequest| async move {
        serve(&req, &IMCLOUD_JS, None)
    })
    .get("/demo", |req: HttpRequest| async move {
        serve(&req, &DEMO_HTML, Some(DEMO_CSP))
    })
    .get("/demo/demo.js", |req: HttpRequest| async move {
        serve(&req, &DEMO_JS, None)
    })
    .get("/demo/demo-images.js", |req: HttpRequest| async move {
        serve(&req, &DEMO_IMAGES_JS, None)
    })
    .get("/demo/demo-messages.js", |req: HttpRequest| async move {
        serve(&req, &DEMO_MESSAGES_JS, None)
    })
    .get("/demo/demo-people.js", |req: HttpRequest| async move {
        serve(&req, &DEMO_PEOPLE_JS, None)
    })
    .get("/demo/demo.css", |req: HttpRequest| async move {
        serve(&req, &DEMO_CSS, None)
    })
    .get("/console", |req: HttpRequest| async move {
        serve(&req, &CONSOLE_HTML, Some(DEMO_CSP))
    })
    .get("/console/console.css", |req: HttpRequest| async move {
        serve(&req, &CONSOLE_CSS, None)
    });
    for (path, asset) in &CONSOLE_SCRIPTS {
        cfg.get(path, move |req: HttpRequest| async move {
            serve(&req, asset, None)
        });
    }
}

fn serve(req: &HttpRequest, asset: &'static Asset, csp: Option<&str>) -> HttpResponse {
    let tag = asset.etag();
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        // If-None-Match compares weakly: a `W/` tag matches too.
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim())
                .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
        });
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, asset.cache))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if let Some(csp) = csp {
        res.insert_header((header::CONTENT_SECURITY_POLICY, csp));
    }
    if fresh {
        return res.finish();
    }
    res.content_type(asset.content_type).body(asset.body)
}
