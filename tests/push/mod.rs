//! Offline push end to end with real receivers on loopback: push
//! credentials over REST (§14.4), device bindings and do-not-disturb
//! (§10.4); a message to a user none of whose devices is online reaches
//! each bound device exactly once, through the webhook provider (HTTP/1.1)
//! and APNs (an h2c server that checks the path, headers, the ES256 JWT
//! against the test key, and the payload); an online recipient gets none;
//! DND suppresses; a "bad token" answer unbinds the token.

mod groups;
mod profile;
mod vendors;

use crate::common::{code, H2Receiver, Receiver, Reply, TestServer, WsClient, WAIT};
use reqwest::Method;
use serde_json::{json, Value};

const TEST_P8: &str = include_str!("test_apns_key.p8");
const TEST_PUB: &str = include_str!("test_apns_key.pub");

async fn call(
    s: &TestServer,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, v) = crate::common::rest(s.http(), &s.base(), token, method, path, body).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// Waits until bob has no push binding left (a provider refused his
/// token).
async fn bob_unbound(s: &TestServer, token: &str) {
    crate::common::eventually(WAIT, "the binding to go", || async {
        let v = call(s, token, Method::GET, "/users/bob/push/binding", None).await;
        v["entities"]
            .as_array()
            .is_some_and(|a| a.is_empty())
            .then_some(())
    })
    .await;
}

async fn send(c: &WsClient, to: &str, text: &str) -> String {
    let r = c
        .request(
            "send",
            json!({"chat": "single", "to": to, "body": {"type": "txt", "msg": text}}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 0, "{r}");
    match &r["msg_id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn the_webhook_provider_gets_one_notification_per_offline_message_and_dnd_and_bad_tokens_hold(
) {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let token = s.app_token().await;
    let mut hook = Receiver::start().await;
    // Unknown providers are refused with a clear error.
    let (status, v) = crate::common::rest(
        s.http(),
        &s.base(),
        &token,
        Method::POST,
        "/push/credentials",
        Some(json!({"name": "mi", "provider": "nokia", "app_secret": "s"})),
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("illegal_argument")),
        "{v}"
    );
    call(
        &s,
        &token,
        Method::POST,
        "/push/credentials",
        Some(
            json!({"name": "own", "provider": "webhook", "url": hook.url("/push"), "secret": "k"}),
        ),
    )
    .await;
    let listed = call(&s, &token, Method::GET, "/push/credentials", None).await;
    assert_eq!(listed["data"][0]["provider"], json!("webhook"));
    let bound = call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/push/binding",
        Some(json!({"device_id": "phone", "notifier_name": "own", "device_token": "tok-1"})),
    )
    .await;
    assert_eq!(bound["entities"][0]["device_token"], json!("tok-1"));
    let alice = s.login("alice", None).await;

    // bob has no device online: one notification per message.
    let first = send(&alice, "bob", "one").await;
    let second = send(&alice, "bob", "two").await;
    for (id, badge) in [(&first, 1), (&second, 2)] {
        let got = hook.next(WAIT).await.expect("a notification");
        let b = &got.body;
        assert_eq!(got.path, "/push");
        assert_eq!(
            (&b["msg_id"], &b["user"], &b["from"]),
            (&json!(id), &json!("bob"), &json!("alice")),
            "{b}"
        );
        assert_eq!(
            (&b["device_id"], &b["device_token"]),
            (&json!("phone"), &json!("tok-1"))
        );
        assert_eq!(b["body"], json!("You have a new message"));
        assert_eq!(b["badge"], json!(badge));
        assert!(
            b["security"].is_string(),
            "signed with the credential's secret: {b}"
        );
    }

    // Online: none.
    let bob = s.login("bob", Some("phone")).await;
    send(&alice, "bob", "while online").await;
    bob.push_where("a message", |p| p["push"] == json!("message"))
        .await;
    bob.close().await.unwrap();
    crate::common::eventually(WAIT, "bob offline", || async {
        let v = call(&s, &token, Method::GET, "/users/bob/status", None).await;
        (v["data"]["bob"] == json!("offline")).then_some(())
    })
    .await;

    // Do not disturb for an hour (app-wide): none; then off: one.
    let dnd = call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/notification/user/bob",
        Some(json!({"ignoreDuration": 3_600_000})),
    )
    .await;
    assert_eq!(dnd["data"]["ignoreDuration"], json!(3_600_000));
    send(&alice, "bob", "quiet").await;
    // And for the conversation with alice only.
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/notification/user/bob",
        Some(json!({"ignoreDuration": 0})),
    )
    .await;
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/notification/user/alice",
        Some(json!({"type": "NONE"})),
    )
    .await;
    send(&alice, "bob", "muted conversation").await;
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/notification/user/alice",
        Some(json!({"type": "DEFAULT"})),
    )
    .await;
    let loud = send(&alice, "bob", "loud").await;
    let got = hook.next(WAIT).await.expect("a notification");
    assert_eq!(
        got.body["msg_id"],
        json!(loud),
        "the first after the quiet ones: {}",
        got.body
    );

    // The push service says the token is gone: the binding goes.
    hook.answer(|_| Reply {
        status: 410,
        ..Reply::ok("")
    });
    send(&alice, "bob", "to a dead token").await;
    hook.next(WAIT).await.expect("the last attempt");
    bob_unbound(&s, &token).await;
    send(&alice, "bob", "nobody bound").await;
    let extra = hook.next(std::time::Duration::from_millis(300)).await;
    assert!(
        extra.is_none(),
        "a notification after the unbind: {extra:?}"
    );
}

#[tokio::test]
async fn apns_gets_an_http2_request_with_a_valid_es256_token_and_a_bad_token_unbinds() {
    let mut apns = H2Receiver::start().await;
    let url = apns.url();
    let s = TestServer::start_with(move |c| c.push.apns_url = url).await;
    s.create_users(&["alice", "bob"]).await;
    let token = s.app_token().await;
    call(
        &s,
        &token,
        Method::POST,
        "/push/credentials",
        Some(json!({
        "name": "ios", "provider": "apns", "team_id": "TEAM123456", "key_id": "KEY1234567",
        "p8": TEST_P8, "bundle_id": "com.example.chat"})),
    )
    .await;
    let listed = call(&s, &token, Method::GET, "/push/credentials", None).await;
    assert!(
        listed["data"][0].get("p8").is_none(),
        "the key is never shown: {listed}"
    );
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/push/binding",
        Some(json!({"device_id": "iphone", "notifier_name": "ios", "device_token": "a1b2c3"})),
    )
    .await;
    let alice = s.login("alice", None).await;
    let id = send(&alice, "bob", "hello").await;

    let got = apns.next(WAIT).await.expect("an APNs request");
    assert_eq!(
        (got.method.as_str(), got.path.as_str()),
        ("POST", "/3/device/a1b2c3")
    );
    assert_eq!(got.header("apns-topic"), Some("com.example.chat"));
    assert_eq!(got.header("apns-push-type"), Some("alert"));
    let jwt = got
        .header("authorization")
        .and_then(|a| a.strip_prefix("bearer "))
        .expect("a bearer token");
    let key = jsonwebtoken::DecodingKey::from_ec_pem(TEST_PUB.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let decoded = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .expect("the JWT verifies with the test key");
    assert_eq!(decoded.header.kid.as_deref(), Some("KEY1234567"));
    assert_eq!(decoded.claims["iss"], json!("TEAM123456"));
    assert!(decoded.claims["iat"].as_i64().unwrap_or(0) > 1_600_000_000);
    let b = &got.body;
    assert_eq!(
        b["aps"]["alert"]["body"],
        json!("You have a new message"),
        "{b}"
    );
    assert_eq!(b["aps"]["badge"], json!(1));
    assert_eq!(b["msg_id"], json!(id));

    apns.answer(|_| Reply {
        status: 410,
        ..Reply::ok(r#"{"reason":"Unregistered"}"#)
    });
    send(&alice, "bob", "again").await;
    apns.next(WAIT).await.expect("the second request");
    bob_unbound(&s, &token).await;
    assert!(apns.try_next().is_none(), "exactly one request per message");
}

const TEST_RSA: &str = include_str!("test_fcm_key.pem");
const TEST_RSA_PUB: &str = include_str!("test_fcm_key.pub");

#[tokio::test]
async fn fcm_exchanges_a_signed_assertion_for_a_token_and_sends_v1_messages() {
    let mut google = Receiver::start().await;
    google.answer(|req| {
        if req.path == "/token" {
            Reply::ok(
                r#"{"access_token": "ya29.test", "expires_in": 3600, "token_type": "Bearer"}"#,
            )
        } else if req.body["message"]["token"] == json!("dead") {
            Reply {
                status: 404,
                ..Reply::ok(r#"{"error": {"code": 404, "status": "NOT_FOUND"}}"#)
            }
        } else {
            Reply::ok(r#"{"name": "projects/demo-project/messages/1"}"#)
        }
    });
    let base = google.url("");
    let s = TestServer::start_with(move |c| c.push.fcm_url = base).await;
    s.create_users(&["alice", "bob"]).await;
    let token = s.app_token().await;
    let account = json!({"type": "service_account", "project_id": "demo-project",
        "client_email": "push@demo-project.iam.gserviceaccount.com",
        "private_key": TEST_RSA, "token_uri": google.url("/token")});
    call(
        &s,
        &token,
        Method::POST,
        "/push/credentials",
        Some(json!({"name": "android", "provider": "fcm", "service_account": account.to_string()})),
    )
    .await;
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/push/binding",
        Some(json!({"device_id": "pixel", "notifier_name": "android", "device_token": "fcm-tok"})),
    )
    .await;
    let alice = s.login("alice", None).await;
    let first = send(&alice, "bob", "one").await;
    let second = send(&alice, "bob", "two").await;

    // The token exchange: an RS256 assertion of the service account.
    let exchange = google.next(WAIT).await.expect("a token exchange");
    assert_eq!(exchange.path, "/token");
    assert_eq!(
        exchange.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = String::from_utf8(exchange.raw.clone()).unwrap();
    assert!(
        form.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"),
        "{form}"
    );
    let assertion = form
        .split('&')
        .find_map(|kv| kv.strip_prefix("assertion="))
        .expect("an assertion");
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(TEST_RSA_PUB.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[google.url("/token")]);
    let claims = jsonwebtoken::decode::<Value>(assertion, &key, &validation)
        .expect("the assertion verifies with the account's public key")
        .claims;
    assert_eq!(
        claims["iss"],
        json!("push@demo-project.iam.gserviceaccount.com")
    );
    assert_eq!(
        claims["scope"],
        json!("https://www.googleapis.com/auth/firebase.messaging")
    );

    // Then one v1 message per notification, with the access token; the
    // token is reused.
    for id in [&first, &second] {
        let got = google.next(WAIT).await.expect("an FCM message");
        assert_eq!(got.path, "/v1/projects/demo-project/messages:send");
        assert_eq!(got.header("authorization"), Some("Bearer ya29.test"));
        let m = &got.body["message"];
        assert_eq!(m["token"], json!("fcm-tok"), "{m}");
        assert_eq!(m["notification"]["body"], json!("You have a new message"));
        assert_eq!(m["data"]["msg_id"], json!(id));
    }

    // FCM says the token is not registered: the binding goes.
    call(
        &s,
        &token,
        Method::PUT,
        "/users/bob/push/binding",
        Some(json!({"device_id": "pixel", "notifier_name": "android", "device_token": "dead"})),
    )
    .await;
    send(&alice, "bob", "three").await;
    assert_eq!(
        google.next(WAIT).await.expect("the last message").body["message"]["token"],
        json!("dead")
    );
    bob_unbound(&s, &token).await;
    assert!(google.try_next().is_none(), "one request per message");
}
