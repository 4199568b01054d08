//! The browser side the binary serves from memory: `imcloud.js`, the
//! first-party JavaScript client of `/ws` (at `/sdk/imcloud.js`, for the
//! demo and for app teams' own pages), and `/demo`, a chat page built on
//! it. The files live in `src/web/assets/` and are compiled in, so running
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
}

const IMCLOUD_JS: Asset = Asset {
    body: include_str!("assets/imcloud.js"),
    content_type: "text/javascript; charset=utf-8",
    cache: "public, max-age=300",
};
const DEMO_HTML: Asset = Asset {
    body: include_str!("assets/demo.html"),
    content_type: "text/html; charset=utf-8",
    cache: "no-cache",
};
const DEMO_JS: Asset = Asset {
    body: include_str!("assets/demo.js"),
    content_type: "text/javascript; charset=utf-8",
    cache: "public, max-age=300",
};
const DEMO_CSS: Asset = Asset {
    body: include_str!("assets/demo.css"),
    content_type: "text/css; charset=utf-8",
    cache: "public, max-age=300",
};

/// The demo loads only its own origin's scripts and styles and talks
/// only to its own origin (`/ws` and the token call); it is never framed.
const DEMO_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/sdk/imcloud.js", |req: HttpRequest| async move {
        serve(&req, &IMCLOUD_JS, 0, None)
    })
    .get("/demo", |req: HttpRequest| async move {
        serve(&req, &DEMO_HTML, 1, Some(DEMO_CSP))
    })
    .get("/demo/demo.js", |req: HttpRequest| async move {
        serve(&req, &DEMO_JS, 2, None)
    })
    .get("/demo/demo.css", |req: HttpRequest| async move {
        serve(&req, &DEMO_CSS, 3, None)
    });
}

/// The strong ETag of asset number `slot` (its SHA-256, cut short),
/// computed once.
fn etag(slot: usize, asset: &Asset) -> &'static str {
    static TAGS: [OnceLock<String>; 4] = [const { OnceLock::new() }; 4];
    TAGS[slot].get_or_init(|| {
        let digest = Sha256::digest(asset.body.as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    })
}

fn serve(req: &HttpRequest, asset: &Asset, slot: usize, csp: Option<&str>) -> HttpResponse {
    let tag = etag(slot, asset);
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
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
