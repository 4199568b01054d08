//! `/sdk/imcloud.js`, `/demo` and its files: served from the binary with
//! their content types, validators and caching, the page under a content
//! security policy that keeps it on its own origin.

use imcloud_testkit::TestServer;
use reqwest::header;

const FILES: [(&str, &str, &str); 7] = [
    (
        "/sdk/imcloud.js",
        "text/javascript; charset=utf-8",
        include_str!("../../src/web/assets/imcloud.js"),
    ),
    (
        "/demo",
        "text/html; charset=utf-8",
        include_str!("../../src/web/assets/demo.html"),
    ),
    (
        "/demo/demo.js",
        "text/javascript; charset=utf-8",
        include_str!("../../src/web/assets/demo.js"),
    ),
    (
        "/demo/demo-images.js",
        "text/javascript; charset=utf-8",
        include_str!("../../src/web/assets/demo-images.js"),
    ),
    (
        "/demo/demo-messages.js",
        "text/javascript; charset=utf-8",
        include_str!("../../src/web/assets/demo-messages.js"),
    ),
    (
        "/demo/demo-people.js",
        "text/javascript; charset=utf-8",
        include_str!("../../src/web/assets/demo-people.js"),
    ),
    (
        "/demo/demo.css",
        "text/css; charset=utf-8",
        include_str!("../../src/web/assets/demo.css"),
    ),
];

#[tokio::test]
async fn each_file_is_served_with_its_type_a_validator_and_caching() {
    let s = TestServer::start().await;
    for (path, kind, body) in FILES {
        let res = s.http().get(s.url(path)).send().await.expect("get");
        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers().clone();
        assert_eq!(h[header::CONTENT_TYPE], kind, "{path}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        let cache = h[header::CACHE_CONTROL].to_str().expect("ascii");
        if path == "/demo" {
            assert_eq!(cache, "no-cache", "the page is revalidated");
        } else {
            assert_eq!(cache, "public, max-age=300", "{path}");
        }
        let etag = h[header::ETAG].to_str().expect("ascii").to_string();
        assert!(etag.starts_with('"') && etag.len() > 10, "{path}: {etag}");
        assert_eq!(
            res.text().await.expect("body"),
            body,
            "{path} as in src/web/assets"
        );
        // The validator answers 304 without the body; another tag, 200.
        let again = s
            .http()
            .get(s.url(path))
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .expect("revalidate");
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()[header::ETAG], etag.as_str());
        assert!(again.bytes().await.expect("body").is_empty());
        let weak = s
            .http()
            .get(s.url(path))
            .header(header::IF_NONE_MATCH, format!("\"x\", W/{etag}"))
            .send()
            .await
            .expect("revalidate weakly");
        assert_eq!(weak.status(), 304, "{path}: a weak tag in a list");
        let stale = s
            .http()
            .get(s.url(path))
            .header(header::IF_NONE_MATCH, "\"something-else\"")
            .send()
            .await
            .expect("stale");
        assert_eq!(stale.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn the_page_may_load_and_reach_only_its_own_origin() {
    let s = TestServer::start().await;
    let res = s.http().get(s.url("/demo")).send().await.expect("get");
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("ascii")
        .to_string();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    let page = res.text().await.expect("page");
    // Everything it loads is the server's own, so the policy holds.
    assert!(page.contains(r#"<script src="/sdk/imcloud.js" defer></script>"#));
    assert!(!page.contains("<script>") && !page.contains("style="));
    assert!(!page.contains("http://") && !page.contains("https://"));
}

#[tokio::test]
async fn the_files_are_not_taken_for_an_apps_paths() {
    let s = TestServer::start().await;
    // `/demo/…` looks like `/{org}/{app}`, and demo#chat exists: the
    // files still answer, and the app's routes still work.
    let res = s
        .http()
        .get(s.url("/demo/demo.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let res = s
        .http()
        .get(s.url("/demo/nothing.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
    let token = s.app_token().await;
    let res = s
        .http()
        .get(s.url("/demo/chat/users"))
        .bearer_auth(token)
        .send()
        .await
        .expect("users");
    assert_eq!(res.status(), 200);
}
