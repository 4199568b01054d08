//! Route registration that remembers what it registered. Every HTTP route
//! of the server (REST, health, metrics, the WebSocket upgrades) goes in
//! through [`Register`], so the set of routes the server really serves
//! can be listed: the OpenAPI document is checked against it.

use actix_web::{web, FromRequest, Handler, Responder};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// Every (method, path pattern) registered since the process started.
/// Each HTTP worker registers the same routes, so it is a set.
static REGISTERED: Mutex<BTreeSet<(&'static str, String)>> = Mutex::new(BTreeSet::new());

/// The routes registered so far, sorted; a pattern with alternatives
/// (`{kind:chatgroups|chatrooms}`) is listed once per alternative.
pub fn registered() -> Vec<(String, String)> {
    let set = REGISTERED.lock().unwrap_or_else(|p| p.into_inner());
    set.iter()
        .flat_map(|(m, p)| expand(p).into_iter().map(|p| (m.to_string(), p)))
        .collect()
}

/// `/a/{kind:x|y}/b` → `/a/x/b`, `/a/y/b`; other parameters stay.
pub fn expand(pattern: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for seg in pattern.split('/').skip(1) {
        let alternatives: Vec<String> = match seg
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .and_then(|s| s.split_once(':'))
        {
            Some((_, alts)) if alts.split('|').all(is_literal) => {
                alts.split('|').map(str::to_string).collect()
            }
            _ => vec![seg.to_string()],
        };
        out = out
            .iter()
            .flat_map(|p| alternatives.iter().map(move |a| format!("{p}/{a}")))
            .collect();
    }
    out
}

fn is_literal(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn remember(method: &'static str, path: &str) {
    REGISTERED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert((method, path.to_string()));
}

/// Registers a route and remembers it.
pub trait Register {
    fn get<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;
    fn post<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;
    fn put<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;
    fn delete<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;
}

macro_rules! register_method {
    ($name:ident, $method:literal) => {
        fn $name<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
        where
            F: Handler<Args>,
            Args: FromRequest + 'static,
            F::Output: Responder + 'static,
        {
            remember($method, path);
            self.route(path, web::$name().to(handler))
        }
    };
}

impl Register for web::ServiceConfig {
    register_method!(get, "GET");
    register_method!(post, "POST");
    register_method!(put, "PUT");
    register_method!(delete, "DELETE");
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn alternatives_expand_and_parameters_stay() {
        assert_eq!(
            expand("/{org}/{app}/{kind:chatgroups|chatrooms}/{id}/users"),
            vec![
                "/{org}/{app}/chatgroups/{id}/users".to_string(),
                "/{org}/{app}/chatrooms/{id}/users".to_string()
            ]
        );
        assert_eq!(expand("/healthz"), vec!["/healthz".to_string()]);
    }
}
