//! The REST allow-list (§10.1): clients on several loopback addresses
//! (127.0.0.2, 127.0.0.3, …, and `::1`); an allow-listed address or block
//! passes, any other gets 403 naming it, `POST /token` included; an empty
//! list lets every address in; refused calls spend none of the app's
//! budget; behind a trusted proxy the right-most `X-Forwarded-For`
//! address that is not a proxy is the client, and an untrusted peer's
//! header is ignored.

use super::{call, client_from, Answer};
use crate::common::TestServer;
use crate::rest::assert_error;
use imcloud_actors::app::SettingsPatch;
use imcloud_actors::ids::AppKey;
use reqwest::Method;
use serde_json::json;

/// `GET /demo/chat/settings` from `local`, with extra headers.
async fn settings_from(
    s: &TestServer,
    local: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let url = s.url("/demo/chat/settings");
    call(
        &client_from(local),
        Method::GET,
        &url,
        Some(token),
        None,
        headers,
    )
    .await
}

/// `POST /demo/chat/token` (client credentials) from `local`.
async fn token_from(s: &TestServer, local: &str, headers: &[(&str, &str)]) -> Answer {
    let body = json!({"grant_type": "client_credentials", "client_id": s.client_id, "client_secret": s.client_secret});
    let url = s.url("/demo/chat/token");
    call(
        &client_from(local),
        Method::POST,
        &url,
        None,
        Some(body),
        headers,
    )
    .await
}

#[track_caller]
fn assert_refused(a: &Answer, ip: &str) {
    assert_error(&a.pair(), 403, "forbidden_op");
    assert_eq!(
        a.body["error_description"],
        json!(format!("ip {ip} is not in the app's REST allow-list"))
    );
}

async fn set_allow_list(s: &TestServer, from: &str, token: &str, list: serde_json::Value) {
    let url = s.url("/demo/chat/settings");
    let body = Some(json!({ "rest_allow_list": list }));
    let a = call(
        &client_from(from),
        Method::PUT,
        &url,
        Some(token),
        body,
        &[],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
async fn only_allow_listed_addresses_reach_the_app_token_included() {
    let s = TestServer::start().await;
    let token = s.app_token().await;
    set_allow_list(
        &s,
        "127.0.0.1",
        &token,
        json!(["127.0.0.2", "127.0.0.8/30"]),
    )
    .await;

    assert_eq!(
        settings_from(&s, "127.0.0.2", &token, &[]).await.status,
        200
    );
    assert_eq!(token_from(&s, "127.0.0.2", &[]).await.status, 200);
    assert_eq!(
        settings_from(&s, "127.0.0.9", &token, &[]).await.status,
        200
    );
    for ip in ["127.0.0.1", "127.0.0.3", "127.0.0.12"] {
        assert_refused(&settings_from(&s, ip, &token, &[]).await, ip);
        assert_refused(&token_from(&s, ip, &[]).await, ip);
    }
    // Not app calls: an unknown app, the operational endpoints.
    let other = call(
        &client_from("127.0.0.3"),
        Method::GET,
        &s.url("/no/app/users"),
        None,
        None,
        &[],
    )
    .await;
    assert_error(&other.pair(), 404, "organization_application_not_found");
    let health = client_from("127.0.0.3")
        .get(s.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);

    // Emptied (from an address on it), the list lets everyone in again.
    set_allow_list(&s, "127.0.0.2", &token, json!([])).await;
    for ip in ["127.0.0.1", "127.0.0.3"] {
        assert_eq!(settings_from(&s, ip, &token, &[]).await.status, 200);
        assert_eq!(token_from(&s, ip, &[]).await.status, 200);
    }
}

#[tokio::test]
async fn refused_calls_spend_none_of_the_apps_budget() {
    let s = TestServer::start_manual(|_| {}).await;
    let token = s.app_token().await;
    let app = AppKey::parse("demo#chat").unwrap();
    let patch = SettingsPatch {
        rest_rate_per_s: Some(1),
        rest_allow_list: Some(vec!["127.0.0.2".into()]),
        ..Default::default()
    };
    s.node.patch_app_settings(&app, patch).await.unwrap();
    for _ in 0..5 {
        assert_refused(
            &settings_from(&s, "127.0.0.3", &token, &[]).await,
            "127.0.0.3",
        );
    }
    assert_eq!(
        settings_from(&s, "127.0.0.2", &token, &[]).await.status,
        200
    );
    assert_eq!(
        settings_from(&s, "127.0.0.2", &token, &[]).await.status,
        429
    );
}

#[tokio::test]
async fn a_trusted_proxys_forwarded_for_is_believed_and_an_untrusted_ones_is_not() {
    let s = TestServer::start_with(|c| {
        c.rest.trusted_proxies = vec!["127.0.0.5".into(), "127.0.0.6/32".into()];
    })
    .await;
    let token = s.app_token().await;
    set_allow_list(&s, "127.0.0.1", &token, json!(["127.0.0.2"])).await;
    let xff = |v: &'static str| [("x-forwarded-for", v)];

    // Through the trusted proxy, the client it names.
    let (server, app_token) = (&s, token.as_str());
    let through = |v| async move { settings_from(server, "127.0.0.5", app_token, &xff(v)).await };
    assert_eq!(through("127.0.0.2").await.status, 200);
    assert_refused(&through("127.0.0.3").await, "127.0.0.3");
    // The right-most address that is not a proxy: what the client wrote
    // itself (on the left) is not believed, trusted hops are skipped.
    assert_refused(&through("127.0.0.2, 127.0.0.3").await, "127.0.0.3");
    assert_eq!(through("127.0.0.3, 127.0.0.2, 127.0.0.6").await.status, 200);
    // No header: the proxy itself is the client.
    assert_refused(
        &settings_from(&s, "127.0.0.5", &token, &[]).await,
        "127.0.0.5",
    );
    assert_eq!(
        token_from(&s, "127.0.0.5", &xff("127.0.0.2")).await.status,
        200
    );

    // An untrusted peer's header is ignored.
    assert_refused(
        &settings_from(&s, "127.0.0.3", &token, &xff("127.0.0.2")).await,
        "127.0.0.3",
    );
    assert_refused(
        &token_from(&s, "127.0.0.4", &xff("127.0.0.2")).await,
        "127.0.0.4",
    );
}

#[tokio::test]
async fn ipv6_loopback_clients_are_matched() {
    let s = TestServer::start_with(|c| c.server.listen = "[::1]:0".into()).await;
    assert!(s.addr.is_ipv6());
    let token = s.app_token().await;
    let app = AppKey::parse("demo#chat").unwrap();
    let allow = |list: &[&str]| SettingsPatch {
        rest_allow_list: Some(list.iter().map(|e| e.to_string()).collect()),
        ..Default::default()
    };
    s.node
        .patch_app_settings(&app, allow(&["::1"]))
        .await
        .unwrap();
    assert_eq!(settings_from(&s, "::1", &token, &[]).await.status, 200);
    s.node
        .patch_app_settings(&app, allow(&["::/120", "10.0.0.0/8"]))
        .await
        .unwrap();
    assert_eq!(token_from(&s, "::1", &[]).await.status, 200);
    s.node
        .patch_app_settings(&app, allow(&["127.0.0.1", "::2"]))
        .await
        .unwrap();
    assert_refused(&settings_from(&s, "::1", &token, &[]).await, "::1");
    assert_refused(&token_from(&s, "::1", &[]).await, "::1");
}

#[tokio::test]
async fn devices_are_not_held_to_the_app_servers_allow_list() {
    // The list guards the app server's API; a user's device (a user
    // token, an attachment download) calls from anywhere.
    let s = TestServer::start().await;
    s.create_users(&["alice"]).await;
    let token = s.app_token().await;
    set_allow_list(&s, "127.0.0.1", &token, json!(["127.0.0.2"])).await;
    let login = json!({"grant_type": "password", "username": "alice", "password": "pw-alice"});
    let user = call(
        &client_from("127.0.0.2"),
        Method::POST,
        &s.url("/demo/chat/token"),
        None,
        Some(login),
        &[],
    )
    .await;
    let user = user.body["access_token"].as_str().unwrap().to_string();

    const BOUNDARY: &str = "b0undary";
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{BOUNDARY}--\r\n"
    );
    let up = client_from("127.0.0.3")
        .post(s.url("/demo/chat/chatfiles"))
        .bearer_auth(&user)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(up.status().as_u16(), 200);
    let up: serde_json::Value = up.json().await.unwrap();
    let uuid = up["entities"][0]["uuid"]
        .as_str()
        .expect("an uuid")
        .to_string();
    let down = client_from("127.0.0.3")
        .get(s.url(&format!("/demo/chat/chatfiles/{uuid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(down.status().as_u16(), 200);
    assert_eq!(down.text().await.unwrap(), "hello");
    // The app token from the same address is still refused.
    assert_refused(
        &settings_from(&s, "127.0.0.3", &token, &[]).await,
        "127.0.0.3",
    );
}
