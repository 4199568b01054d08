//! CORS: a page on another origin may call the API. A preflight for the
//! SDK's token request (a JSON POST) and for an authorized GET is
//! answered for any origin, and the answers themselves carry the origin.

use crate::common::TestServer;
use reqwest::Method;

#[tokio::test]
async fn preflights_are_answered_and_answers_carry_the_origin() {
    let s = TestServer::start().await;
    let origin = "http://page.example:8000";
    for (method, path, headers) in [
        ("POST", "/demo/chat/token", "content-type"),
        (
            "GET",
            "/demo/chat/users/alice",
            "authorization,content-type",
        ),
    ] {
        let r = s
            .http()
            .request(Method::OPTIONS, s.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .send()
            .await
            .expect("preflight");
        assert_eq!(r.status(), 200, "preflight of {method} {path}");
        let h = r.headers();
        let allowed = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        assert!(
            ["*", origin].contains(&allowed("access-control-allow-origin").as_str()),
            "{h:?}"
        );
        assert!(
            allowed("access-control-allow-methods").contains(&method.to_ascii_lowercase()),
            "{h:?}"
        );
        for header in headers.split(',') {
            assert!(
                allowed("access-control-allow-headers").contains(header),
                "{header} in {h:?}"
            );
        }
        assert!(
            h.get("access-control-allow-credentials").is_none(),
            "no cookies: {h:?}"
        );
    }
    s.create_users(&["alice"]).await;
    let body =
        serde_json::json!({"grant_type": "password", "username": "alice", "password": "pw-alice"});
    let r = s
        .http()
        .post(s.url("/demo/chat/token"))
        .header("Origin", origin)
        .json(&body)
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 200);
    let allow = r
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(allow == "*" || allow == origin, "{allow}");
}
