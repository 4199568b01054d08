//! CORS for the HTTP API: a page on any origin may call it (the Web SDK
//! in a browser logs in with `POST /{org}/{app}/token` and then calls the
//! REST endpoints it uses as the user), as Easemob's API allows. Calls
//! authenticate with bearer tokens, never cookies, so no credentials are
//! allowed; preflights are answered here, before anything else runs, and
//! cached by the browser for an hour.

use actix_cors::Cors;

/// How long a browser may reuse a preflight's answer, seconds.
const PREFLIGHT_MAX_AGE: usize = 3600;

pub fn cors() -> Cors {
    Cors::default()
        .allow_any_origin()
        .allow_any_method()
        .allow_any_header()
        .expose_any_header()
        .max_age(PREFLIGHT_MAX_AGE)
}
