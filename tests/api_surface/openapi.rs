//! `/openapi.json` lists every route the server registers, nothing else,
//! and every path in it is served.

use super::{call, is_unknown_route, Fixtures};
use imcloud_testkit::TestServer;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_document_lists_exactly_the_registered_routes() {
    let s = TestServer::start().await;
    let (status, doc) = call(&s, Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], json!("3.0.3"));
    let mut listed: Vec<(String, String)> = Vec::new();
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            listed.push((method.to_uppercase(), path.clone()));
        }
    }
    listed.sort();
    let registered = imcloud::routes::registered();
    let missing: Vec<_> = registered.iter().filter(|r| !listed.contains(r)).collect();
    let extra: Vec<_> = listed.iter().filter(|r| !registered.contains(r)).collect();
    assert!(
        missing.is_empty(),
        "registered but not documented: {missing:?}"
    );
    assert!(extra.is_empty(), "documented but not registered: {extra:?}");
    assert!(listed.len() > 100, "{} routes", listed.len());
}

#[tokio::test]
async fn every_documented_path_is_served() {
    let s = TestServer::start().await;
    let token = s.app_token().await;
    let fx = Fixtures::make(&s, &token).await;
    let (_, doc) = call(&s, Method::GET, "/openapi.json", None, None).await;
    let mut unserved = Vec::new();
    let mut calls = 0;
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("operations").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = matches!(method, Method::POST | Method::PUT).then(|| json!({}));
            let url = fx.fill(path);
            let (status, answer) = call(&s, method.clone(), &url, Some(&token), body).await;
            calls += 1;
            if is_unknown_route(status, &answer) {
                unserved.push(format!("{method} {url}"));
            }
        }
    }
    assert!(
        unserved.is_empty(),
        "answered as unknown routes: {unserved:?}"
    );
    assert!(calls > 100);
}

/// Routes registered around the registrar would be served and yet missing
/// from both lists the test above compares, so none may be.
#[test]
fn every_route_goes_through_the_registrar() {
    fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("routes.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for needle in [".route(", "web::resource(", ".service(web::scope("] {
                    if text.contains(needle) {
                        found.push(format!("{}: {needle}", path.display()));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(
        found.is_empty(),
        "register routes with crate::routes::Register: {found:?}"
    );
}
