//! Tokens (client credentials, password grant, expiry) and the envelopes.

use super::*;
use crate::common::TestServer;

// ---- tokens ----

#[tokio::test]
async fn client_credentials_grant_issues_a_working_app_token() {
    let s = TestServer::start().await;
    let creds = json!({"grant_type": "client_credentials", "client_id": s.client_id, "client_secret": s.client_secret});
    let r = token_call(&s, creds.clone()).await;
    let body = assert_ok(&r);
    let token = body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string();
    assert!(!token.is_empty());
    assert_eq!(body["expires_in"], json!(604_800), "default TTL is 7 days");
    assert!(
        body["application"]
            .as_str()
            .is_some_and(|a| uuid::Uuid::parse_str(a).is_ok()),
        "{body}"
    );
    let mut with_ttl = creds;
    with_ttl["ttl"] = json!(60);
    assert_eq!(
        assert_ok(&token_call(&s, with_ttl).await)["expires_in"],
        json!(60)
    );
    let api = Api::with_token(&s, Some(token));
    assert_ok(&api.get("/users").await);
}

#[tokio::test]
async fn client_credentials_errors() {
    let s = TestServer::start().await;
    let (id, secret) = (s.client_id.as_str(), s.client_secret.as_str());
    assert_error(
        &token_call(
            &s,
            json!({"grant_type": "client_credentials", "client_secret": secret}),
        )
        .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &token_call(
            &s,
            json!({"grant_type": "client_credentials", "client_id": id}),
        )
        .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &token_call(
            &s,
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": "wrong"}),
        )
        .await,
        400,
        BAD_GRANT,
    );
    assert_error(&token_call(&s, json!({"grant_type": "client_credentials", "client_id": "wrong", "client_secret": secret})).await, 400, BAD_GRANT);
    assert_error(
        &token_call(&s, json!({"grant_type": "magic"})).await,
        400,
        ILLEGAL,
    );
    let good =
        json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret});
    for path in ["/nope/app/token", "/demo/nope/token", "/Demo/chat/token"] {
        assert_error(
            &Api::anonymous(&s).at_root().post(path, good.clone()).await,
            404,
            NO_APP,
        );
    }
    assert_error(
        &Api::anonymous(&s)
            .raw(Method::POST, "/token", Some("{\"grant_type\": ".into()))
            .await,
        400,
        BAD_BODY,
    );
    assert_error(
        &Api::anonymous(&s).raw(Method::POST, "/token", None).await,
        400,
        BAD_BODY,
    );
}

#[tokio::test]
async fn expired_tokens_get_401() {
    // On a manual clock: the test moves time instead of waiting for it.
    let s = TestServer::start_manual(|_| {}).await;
    let creds = json!({"grant_type": "client_credentials", "client_id": s.client_id, "client_secret": s.client_secret, "ttl": 60});
    let token = assert_ok(&token_call(&s, creds).await)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let api = Api::with_token(&s, Some(token));
    // Valid until its minute is over; then refused as expired.
    s.clock.advance(Duration::from_secs(59));
    assert_ok(&api.get("/users").await);
    s.clock.advance(Duration::from_secs(1));
    let refused = api.get("/users").await;
    assert_error(&refused, 401, UNAUTHORIZED);
    assert_eq!(
        refused.1["error_description"],
        json!("Unable to authenticate due to expired access token")
    );
    // ttl 0: never expires.
    let forever = json!({"grant_type": "client_credentials", "client_id": s.client_id, "client_secret": s.client_secret, "ttl": 0});
    let r = token_call(&s, forever).await;
    assert_eq!(assert_ok(&r)["expires_in"], json!(0));
    assert_ok(
        &Api::with_token(&s, r.1["access_token"].as_str().map(str::to_string))
            .get("/users")
            .await,
    );
}

#[tokio::test]
async fn open_registration_needs_no_token_for_single_users() {
    let s = TestServer::start_with(|c| c.app_defaults.open_registration = true).await;
    let anon = Api::anonymous(&s);
    let r = anon
        .post("/users", json!({"username": "walkin", "password": "pw"}))
        .await;
    assert_eq!(names(&assert_ok(&r)["entities"]), ["walkin"]);
    let batch = json!([{"username": "b1", "password": "pw"}, {"username": "b2", "password": "pw"}]);
    assert_error(&anon.post("/users", batch).await, 401, UNAUTHORIZED);
    // Everything else still needs the app token.
    assert_error(&anon.get("/users/walkin").await, 401, UNAUTHORIZED);
}

#[tokio::test]
async fn password_grant_issues_a_user_token_and_checks_the_password() {
    let s = TestServer::start().await;
    s.create_users(&["alice"]).await;
    let r = user_token(&s, "alice", "pw-alice").await;
    let body = assert_ok(&r);
    assert!(
        body["access_token"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert_eq!(body["expires_in"], json!(604_800));
    let user = &body["user"];
    assert_eq!(
        (
            user["username"].as_str(),
            user["type"].as_str(),
            user["activated"].as_bool()
        ),
        (Some("alice"), Some("user"), Some(true)),
        "{user}"
    );
    assert!(
        user["uuid"].as_str().is_some() && user["created"].is_i64() && user["modified"].is_i64(),
        "{user}"
    );
    assert_ok(&user_token(&s, "ALICE", "pw-alice").await);
    assert_error(&user_token(&s, "alice", "wrong").await, 400, BAD_GRANT);
    assert_error(&user_token(&s, "nobody", "pw-nobody").await, 404, BAD_GRANT);
    assert_error(
        &token_call(&s, json!({"grant_type": "password", "username": "alice"})).await,
        400,
        ILLEGAL,
    );
    // The user token logs a socket in.
    let c = WsClient::connect(&s.ws_url(), false).await.unwrap();
    let r = c
        .request("auth", json!({"token": body["access_token"]}))
        .await
        .unwrap();
    assert_eq!(
        (r["ok"].as_bool(), r["user"].as_str()),
        (Some(true), Some("alice")),
        "{r}"
    );
}

// ---- envelopes ----

#[tokio::test]
async fn success_envelope_carries_the_common_keys() {
    let s = TestServer::start().await;
    let app_uuid = assert_ok(&token_call(&s, json!({"grant_type": "client_credentials", "client_id": s.client_id, "client_secret": s.client_secret})).await)["application"].clone();
    let api = Api::admin(&s).await;
    assert_ok(
        &api.post("/users", json!({"username": "alice", "password": "pw"}))
            .await,
    );
    let r = api.get("/users?limit=1").await;
    let body = assert_ok(&r);
    assert_eq!(body["action"], json!("get"));
    assert_eq!(body["application"], app_uuid);
    assert_eq!(body["applicationName"], json!("chat"));
    assert_eq!(body["organization"], json!("demo"));
    assert_eq!(body["path"], json!("/users"));
    assert!(
        body["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://") && u.ends_with("/demo/chat/users")),
        "{body}"
    );
    assert_eq!(names(&body["entities"]), ["alice"]);
    assert_eq!(body["params"], json!({"limit": ["1"]}));
    assert_eq!(body["count"], json!(1));
    assert!(body.get("cursor").is_none(), "one user, one page: {body}");
    assert!(
        body["timestamp"]
            .as_i64()
            .is_some_and(|t| t > 1_700_000_000_000),
        "{body}"
    );
    assert!(body["duration"].is_u64(), "{body}");
    // Without a query there are no params; `data` where the endpoint has it.
    let r = api.get("/users/alice/status").await;
    let body = assert_ok(&r);
    assert!(body.get("params").is_none(), "{body}");
    assert_eq!(body["entities"], json!([]));
    assert_eq!(body["data"], json!({"alice": "offline"}));
    for key in [
        "action",
        "application",
        "applicationName",
        "organization",
        "path",
        "uri",
        "timestamp",
        "duration",
    ] {
        assert!(body.get(key).is_some(), "missing `{key}` in {body}");
    }
}

#[tokio::test]
async fn unknown_routes_get_404_with_the_error_body() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    assert_error(&api.get("/no-such-thing").await, 404, NOT_FOUND);
    assert_error(&api.get("/users/alice/deeper/still").await, 404, NOT_FOUND);
    assert_error(
        &api.call(Method::PATCH, "/users", Some(json!({}))).await,
        404,
        NOT_FOUND,
    );
    let root = api.at_root();
    assert_error(&root.get("/nope").await, 404, NOT_FOUND);
    assert_error(&root.post("/", json!({})).await, 404, NOT_FOUND);
    assert_error(&root.get("/other/app/users").await, 404, NO_APP);
}
