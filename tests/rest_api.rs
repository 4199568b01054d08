//! The Easemob-compatible REST API end to end: tokens, the success and error
//! envelopes, users (U1–U5, U7, U13–U15), sending to users (M1 and the
//! legacy `/messages` form), bodies with wrong types, unknown routes.

use crate::common::{eventually, TestServer};
use imcloud::client::WsClient;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const WAIT: Duration = Duration::from_secs(10);

// Easemob `error` strings the tests expect.
const NOT_FOUND: &str = "service_resource_not_found";
const ILLEGAL: &str = "illegal_argument";
const BAD_BODY: &str = "invalid_request_body";
const SEND_ERROR: &str = "message_send_error";
const BAD_GRANT: &str = "invalid_grant";
const BAD_TOKEN: &str = "auth_bad_access_token";
const NO_APP: &str = "organization_application_not_found";
const DUPLICATE: &str = "duplicate_unique_property_exists";
const UNAUTHORIZED: &str = "unauthorized";

/// REST calls under `/demo/chat`, with an optional bearer token.
struct Api<'a> {
    s: &'a TestServer,
    token: Option<String>,
    /// Prepended to every path.
    prefix: &'static str,
}

impl<'a> Api<'a> {
    async fn admin(s: &'a TestServer) -> Api<'a> {
        Api {
            s,
            token: Some(s.app_token().await),
            prefix: "/demo/chat",
        }
    }

    fn anonymous(s: &'a TestServer) -> Api<'a> {
        Api::with_token(s, None)
    }

    fn with_token(s: &'a TestServer, token: Option<String>) -> Api<'a> {
        Api {
            s,
            token,
            prefix: "/demo/chat",
        }
    }

    /// The same caller on paths from the root.
    fn at_root(self) -> Api<'a> {
        Api { prefix: "", ..self }
    }

    /// `method` on `{prefix}{path}` with a raw body; the status and the
    /// JSON body (every response must be JSON).
    async fn raw(&self, method: Method, path: &str, body: Option<String>) -> (u16, Value) {
        let url = self.s.url(&format!("{}{path}", self.prefix));
        let mut req = self.s.http().request(method.clone(), &url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("response body");
        let v = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {url} -> {status}: body is not JSON: {text:?}"));
        (status, v)
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.raw(method, path, body.map(|b| b.to_string())).await
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }
    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }
    async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(Method::DELETE, path, None).await
    }
}

/// Asserts an error response: its status, its `error` string and the keys
/// of the error body.
#[track_caller]
fn assert_error(got: &(u16, Value), status: u16, error: &str) {
    let (st, body) = got;
    assert_eq!(
        (*st, body["error"].as_str()),
        (status, Some(error)),
        "unexpected response {body}"
    );
    for key in ["exception", "error_description"] {
        assert!(
            body[key].as_str().is_some_and(|s| !s.is_empty()),
            "error body lacks `{key}`: {body}"
        );
    }
    for key in ["timestamp", "duration"] {
        assert!(
            body[key].is_u64(),
            "error body lacks numeric `{key}`: {body}"
        );
    }
}

#[track_caller]
fn assert_ok(got: &(u16, Value)) -> &Value {
    assert_eq!(got.0, 200, "unexpected response {}", got.1);
    &got.1
}

fn names(entities: &Value) -> Vec<String> {
    entities
        .as_array()
        .expect("entities is an array")
        .iter()
        .map(|e| e["username"].as_str().expect("username").to_string())
        .collect()
}

async fn token_call(s: &TestServer, body: Value) -> (u16, Value) {
    Api::anonymous(s).post("/token", body).await
}

async fn user_token(s: &TestServer, user: &str, password: &str) -> (u16, Value) {
    token_call(
        s,
        json!({"grant_type": "password", "username": user, "password": password}),
    )
    .await
}

async fn next_push(c: &WsClient) -> Value {
    c.next_push(WAIT).await.expect("a push arrives")
}

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
    let s = TestServer::start().await;
    let creds = json!({"grant_type": "client_credentials", "client_id": s.client_id, "client_secret": s.client_secret, "ttl": 1});
    let token = assert_ok(&token_call(&s, creds).await)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let api = Api::with_token(&s, Some(token));
    // Valid until its second is over; then refused as expired.
    let refused = eventually(Duration::from_secs(5), "the 1 s token expires", || async {
        let r = api.get("/users").await;
        (r.0 != 200).then_some(r)
    })
    .await;
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

// ---- users ----

#[tokio::test]
async fn register_one_user_as_object_or_one_element_array() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    let r = api
        .post(
            "/users",
            json!({"username": "Alice", "password": "pw-alice", "nickname": "Al"}),
        )
        .await;
    let body = assert_ok(&r);
    assert_eq!(body["action"], json!("post"));
    let alice = &body["entities"][0];
    assert_eq!(
        (
            alice["username"].as_str(),
            alice["type"].as_str(),
            alice["activated"].as_bool(),
            alice["nickname"].as_str()
        ),
        (Some("alice"), Some("user"), Some(true), Some("Al")),
        "{body}"
    );
    assert!(
        alice["uuid"].as_str().is_some() && alice["created"].is_i64() && alice["modified"].is_i64(),
        "{alice}"
    );
    let r = api
        .post("/users", json!([{"username": "bob", "password": "pw-bob"}]))
        .await;
    assert_eq!(names(&assert_ok(&r)["entities"]), ["bob"]);
    assert!(r.1.get("data").is_none(), "{}", r.1);
    assert_ok(&user_token(&s, "alice", "pw-alice").await);
    assert_ok(&user_token(&s, "bob", "pw-bob").await);
}

#[tokio::test]
async fn register_rejects_duplicates_bad_names_and_missing_passwords() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    assert_ok(
        &api.post("/users", json!({"username": "alice", "password": "pw"}))
            .await,
    );
    let dup = api
        .post("/users", json!({"username": "alice", "password": "pw"}))
        .await;
    assert_error(&dup, 400, DUPLICATE);
    assert_eq!(
        dup.1["error_description"],
        json!("Application demo#chat Entity user requires that property named username be unique, value of alice exists")
    );
    assert_error(
        &api.post("/users", json!([{"username": "ALICE", "password": "pw"}]))
            .await,
        400,
        DUPLICATE,
    );
    assert_error(
        &api.post("/users", json!({"username": "a b", "password": "pw"}))
            .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post("/users", json!({"username": "a#b", "password": "pw"}))
            .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post(
            "/users",
            json!({"username": "x".repeat(65), "password": "pw"}),
        )
        .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post("/users", json!({"username": "", "password": "pw"}))
            .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post("/users", json!({"password": "pw"})).await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post("/users", json!({"username": "carol"})).await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post("/users", json!({"username": "carol", "password": ""}))
            .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post(
            "/users",
            json!({"username": "carol", "password": "p".repeat(65)}),
        )
        .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post(
            "/users",
            json!({"username": "carol", "password": "pw", "nickname": "n".repeat(101)}),
        )
        .await,
        400,
        ILLEGAL,
    );
    assert_error(&api.post("/users", json!([])).await, 400, ILLEGAL);
    // 64 bytes is still a legal name; nothing above created carol.
    assert_ok(
        &api.post(
            "/users",
            json!({"username": "x".repeat(64), "password": "pw"}),
        )
        .await,
    );
    assert_error(&api.get("/users/carol").await, 404, NOT_FOUND);
}

#[tokio::test]
async fn batch_register_reports_partial_failures_and_caps_the_size() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    assert_ok(
        &api.post("/users", json!({"username": "user3", "password": "pw"}))
            .await,
    );
    let batch = json!([
        {"username": "user1", "password": "pw-user1"},
        {"username": "user2", "password": "pw-user2"},
        {"username": "user3", "password": "pw-user3"},
    ]);
    let r = api.post("/users", batch).await;
    let body = assert_ok(&r);
    let mut created = names(&body["entities"]);
    created.sort();
    assert_eq!(created, ["user1", "user2"]);
    assert_eq!(
        body["data"],
        json!([{"username": "user3", "registerUserFailReason": "the user3 already exists"}])
    );
    // The existing user kept its password.
    assert_error(&user_token(&s, "user3", "pw-user3").await, 400, BAD_GRANT);
    let too_many: Vec<Value> = (0..61)
        .map(|i| json!({"username": format!("big{i}"), "password": "pw"}))
        .collect();
    assert_error(
        &api.post("/users", Value::Array(too_many)).await,
        400,
        ILLEGAL,
    );
    assert_error(&api.get("/users/big0").await, 404, NOT_FOUND);
    let sixty: Vec<Value> = (0..60)
        .map(|i| json!({"username": format!("ok{i}"), "password": "pw"}))
        .collect();
    assert_eq!(
        names(&assert_ok(&api.post("/users", Value::Array(sixty)).await)["entities"]).len(),
        60
    );
    let twice = json!([{"username": "dup", "password": "a"}, {"username": "DUP", "password": "b"}]);
    assert_error(&api.post("/users", twice).await, 400, ILLEGAL);
}

#[tokio::test]
async fn admin_endpoints_need_a_valid_app_token() {
    let s = TestServer::start().await;
    s.create_users(&["alice"]).await;
    let body = json!({"username": "bob", "password": "pw"});
    assert_error(
        &Api::anonymous(&s).post("/users", body.clone()).await,
        401,
        UNAUTHORIZED,
    );
    assert_error(
        &Api::anonymous(&s).get("/users/alice").await,
        401,
        UNAUTHORIZED,
    );
    let garbage = Api::with_token(&s, Some("not-a-token".into()));
    assert_error(&garbage.post("/users", body.clone()).await, 401, BAD_TOKEN);
    let app_token = s.app_token().await;
    let (head, _) = app_token.split_once('.').expect("token has a signature");
    let forged = Api::with_token(&s, Some(format!("{head}.AAAA")));
    assert_error(&forged.get("/users/alice").await, 401, BAD_TOKEN);
    let user = assert_ok(&user_token(&s, "alice", "pw-alice").await)["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let as_user = Api::with_token(&s, Some(user));
    assert_error(&as_user.post("/users", body).await, 401, BAD_TOKEN);
    assert_error(&as_user.get("/users/alice").await, 401, BAD_TOKEN);
    assert_error(
        &Api::admin(&s).await.get("/users/bob").await,
        404,
        NOT_FOUND,
    );
}

#[tokio::test]
async fn get_is_case_insensitive_and_unknown_users_are_404() {
    let s = TestServer::start().await;
    s.create_users(&["alice"]).await;
    let api = Api::admin(&s).await;
    for path in ["/users/alice", "/users/Alice", "/users/ALICE"] {
        let r = api.get(path).await;
        let body = assert_ok(&r);
        assert_eq!(names(&body["entities"]), ["alice"]);
        assert_eq!(body["count"], json!(1));
    }
    assert_error(&api.get("/users/nobody").await, 404, NOT_FOUND);
}

#[tokio::test]
async fn list_walks_every_user_once_in_creation_order() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    let all = ["u1", "u2", "u3", "u4", "u5"];
    for u in all {
        assert_ok(
            &api.post("/users", json!({"username": u, "password": "pw"}))
                .await,
        );
    }
    let mut seen = Vec::new();
    let mut path = "/users?limit=2".to_string();
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages <= 3, "more pages than users/2: {seen:?}");
        let r = api.get(&path).await;
        let body = assert_ok(&r);
        let page = names(&body["entities"]);
        assert_eq!(body["count"], json!(page.len()));
        seen.extend(page);
        match body.get("cursor") {
            Some(c) => {
                let c = c.as_str().expect("cursor is a string");
                assert!(!c.is_empty());
                assert_eq!(body["params"]["limit"], json!(["2"]));
                path = format!("/users?limit=2&cursor={c}");
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);
    // Default limit (10) takes everyone on one page; limit=0 still returns one.
    let r = api.get("/users").await;
    assert_eq!(names(&r.1["entities"]), all);
    assert!(r.1.get("cursor").is_none());
    assert_eq!(
        names(&api.get("/users?limit=0").await.1["entities"]),
        ["u1"]
    );
    for bad in [
        "/users?cursor=***",
        "/users?cursor=bm9wZQ",
        "/users?limit=x",
    ] {
        assert_error(&api.get(bad).await, 400, ILLEGAL);
    }
}

#[tokio::test]
async fn deleted_users_are_gone() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let alice = s.login("alice", None).await;
    let r = api.delete("/users/Alice").await;
    let body = assert_ok(&r);
    assert_eq!(body["action"], json!("delete"));
    assert_eq!(names(&body["entities"]), ["alice"]);
    assert_eq!(
        next_push(&alice).await,
        json!({"push": "kick", "reason": "user_deleted"})
    );
    assert_eq!(
        alice.closed(WAIT).await.expect("the socket closes").code,
        Some(4003)
    );
    assert_error(&api.get("/users/alice").await, 404, NOT_FOUND);
    assert_error(&api.delete("/users/alice").await, 404, NOT_FOUND);
    assert_error(&user_token(&s, "alice", "pw-alice").await, 404, BAD_GRANT);
    assert_eq!(names(&api.get("/users").await.1["entities"]), ["bob"]);
    // The name is free again.
    assert_ok(
        &api.post("/users", json!({"username": "alice", "password": "new"}))
            .await,
    );
}

/// Changes `user`'s password with `method` while a socket is logged in,
/// and checks the socket is kicked and only the new password works.
async fn password_change_kicks_and_revokes(s: &TestServer, user: &str, method: Method) {
    let api = Api::admin(s).await;
    let old_token =
        assert_ok(&user_token(s, user, &format!("pw-{user}")).await)["access_token"].clone();
    let c = s.login(user, None).await;
    let r = api
        .call(
            method,
            &format!("/users/{user}/password"),
            Some(json!({"newpassword": "fresh"})),
        )
        .await;
    let body = assert_ok(&r);
    assert_eq!(body["action"], json!("set user password"));
    let kick = next_push(&c).await;
    assert_eq!(kick, json!({"push": "kick", "reason": "password_changed"}));
    let closed = c.closed(WAIT).await.expect("the socket closes");
    assert_eq!(closed.code, Some(4003), "{closed:?}");
    assert_error(
        &user_token(s, user, &format!("pw-{user}")).await,
        400,
        BAD_GRANT,
    );
    assert_ok(&user_token(s, user, "fresh").await);
    // Tokens issued before the change no longer log in.
    let c = WsClient::connect(&s.ws_url(), false).await.unwrap();
    let r = c
        .request("auth", json!({"token": old_token}))
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(false), "{r}");
    assert_eq!(
        c.login(crate::common::APPKEY, user, "fresh", None)
            .await
            .unwrap()["ok"],
        json!(true)
    );
}

#[tokio::test]
async fn password_change_by_put_or_post() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    password_change_kicks_and_revokes(&s, "alice", Method::PUT).await;
    password_change_kicks_and_revokes(&s, "bob", Method::POST).await;
    let api = Api::admin(&s).await;
    assert_error(
        &api.put("/users/alice/password", json!({})).await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.put("/users/alice/password", json!({"newpassword": ""}))
            .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.put("/users/nobody/password", json!({"newpassword": "x"}))
            .await,
        404,
        NOT_FOUND,
    );
    assert_ok(&user_token(&s, "alice", "fresh").await);
}

#[tokio::test]
async fn status_follows_the_socket() {
    let s = TestServer::start().await;
    s.create_users(&["alice"]).await;
    let api = Api::admin(&s).await;
    assert_eq!(
        assert_ok(&api.get("/users/alice/status").await)["data"],
        json!({"alice": "offline"})
    );
    let c = s.login("alice", None).await;
    assert_eq!(
        assert_ok(&api.get("/users/Alice/status").await)["data"],
        json!({"alice": "online"})
    );
    c.send_raw(Message::Close(None)).await.unwrap();
    c.closed(WAIT).await.expect("the socket closes");
    eventually(WAIT, "alice offline after close", || async {
        let r = api.get("/users/alice/status").await;
        (r.1["data"] == json!({"alice": "offline"})).then_some(())
    })
    .await;
    assert_error(&api.get("/users/nobody/status").await, 404, NOT_FOUND);
}

#[tokio::test]
async fn batch_status_reports_each_name() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let _alice = s.login("alice", None).await;
    let r = api
        .post(
            "/users/batch/status",
            json!({"usernames": ["alice", "bob", "ghost"]}),
        )
        .await;
    let body = assert_ok(&r);
    assert_eq!(body["action"], json!("get batch user status"));
    assert_eq!(
        body["data"],
        json!([{"alice": "online"}, {"bob": "offline"}, {"ghost": "offline"}])
    );
    let hundred: Vec<String> = (0..100).map(|i| format!("n{i}")).collect();
    assert_eq!(
        assert_ok(
            &api.post("/users/batch/status", json!({"usernames": hundred}))
                .await
        )["data"]
            .as_array()
            .map(Vec::len),
        Some(100)
    );
    let too_many: Vec<String> = (0..101).map(|i| format!("n{i}")).collect();
    assert_error(
        &api.post("/users/batch/status", json!({"usernames": too_many}))
            .await,
        400,
        ILLEGAL,
    );
}

#[tokio::test]
async fn offline_count_counts_until_the_user_syncs() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    assert_eq!(
        assert_ok(&api.get("/users/bob/offline_msg_count").await)["data"],
        json!({"bob": 0})
    );
    for i in 0..3 {
        let r = api.post("/messages/users", json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": format!("m{i}")}})).await;
        assert_ok(&r);
    }
    assert_eq!(
        assert_ok(&api.get("/users/bob/offline_msg_count").await)["data"],
        json!({"bob": 3})
    );
    let bob = s.login("bob", None).await;
    // Logging in alone does not deliver them.
    assert_eq!(
        assert_ok(&api.get("/users/bob/offline_msg_count").await)["data"],
        json!({"bob": 3})
    );
    let (msgs, _) = bob.sync_all(0).await.unwrap();
    let texts: Vec<&str> = msgs
        .iter()
        .map(|m| m["body"]["msg"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["m0", "m1", "m2"]);
    assert_eq!(
        assert_ok(&api.get("/users/bob/offline_msg_count").await)["data"],
        json!({"bob": 0})
    );
    assert_error(
        &api.get("/users/nobody/offline_msg_count").await,
        404,
        NOT_FOUND,
    );
}

// ---- bodies with wrong types ----

#[tokio::test]
async fn bodies_with_wrong_types_get_400_and_the_server_keeps_serving() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let cases = [
        (
            "/messages/users",
            json!({"to": "bob", "type": "txt", "body": {"msg": "x"}}),
        ),
        (
            "/messages/users",
            json!({"to": ["bob"], "type": "txt", "body": 5}),
        ),
        (
            "/messages/users",
            json!({"to": ["bob"], "type": 5, "body": {"msg": "x"}}),
        ),
        (
            "/messages/users",
            json!({"to": [1, 2], "type": "txt", "body": {"msg": "x"}}),
        ),
        (
            "/messages/users",
            json!({"from": 7, "to": ["bob"], "type": "txt", "body": {"msg": "x"}}),
        ),
        (
            "/messages/users",
            json!({"to": ["bob"], "type": "txt", "body": {"msg": "x"}, "sync_device": "yes"}),
        ),
        ("/messages/users", json!(["bob"])),
        (
            "/messages",
            json!({"target_type": "users", "target": "bob", "msg": {"type": "txt", "msg": "x"}}),
        ),
        (
            "/messages",
            json!({"target_type": 1, "target": ["bob"], "msg": {"type": "txt", "msg": "x"}}),
        ),
        (
            "/messages",
            json!({"target_type": "users", "target": ["bob"], "msg": "hello"}),
        ),
        ("/users", json!({"username": 7, "password": "pw"})),
        ("/users", json!({"username": "carol", "password": 7})),
        (
            "/users",
            json!([{"username": "carol", "password": "pw"}, "dave"]),
        ),
        ("/users", json!("carol")),
        ("/users", json!(null)),
        ("/users/batch/status", json!({"usernames": "x"})),
        ("/users/batch/status", json!({"usernames": [1]})),
        ("/users/batch/status", json!({})),
        ("/users/alice/password", json!({"newpassword": 5})),
        ("/users/alice/password", json!([])),
        (
            "/token",
            json!({"grant_type": "password", "username": ["alice"], "password": "pw-alice"}),
        ),
        (
            "/token",
            json!({"grant_type": "client_credentials", "client_id": "x", "client_secret": "y", "ttl": "long"}),
        ),
        (
            "/token",
            json!({"grant_type": "client_credentials", "client_id": "x", "client_secret": "y", "ttl": -1}),
        ),
    ];
    for (path, body) in cases {
        let r = api.post(path, body.clone()).await;
        assert_error(&r, 400, BAD_BODY);
        assert!(
            r.1["error_description"]
                .as_str()
                .unwrap()
                .starts_with("Request body is invalid"),
            "{path} {body}: {}",
            r.1
        );
    }
    for raw in ["", "{", "nope", "{\"to\": [\"bob\"],}", "\u{0}"] {
        assert_error(
            &api.raw(Method::POST, "/messages/users", Some(raw.into()))
                .await,
            400,
            BAD_BODY,
        );
        assert_error(
            &api.raw(Method::POST, "/users", Some(raw.into())).await,
            400,
            BAD_BODY,
        );
    }
    // Still serving, and none of the above changed anything.
    assert_ok(
        &api.post(
            "/messages/users",
            json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": "fine"}}),
        )
        .await,
    );
    assert_eq!(
        assert_ok(&api.get("/users/bob/offline_msg_count").await)["data"],
        json!({"bob": 1})
    );
    assert_error(&api.get("/users/carol").await, 404, NOT_FOUND);
    assert_ok(&user_token(&s, "alice", "pw-alice").await);
}

#[tokio::test]
async fn oversized_bodies_get_413_with_the_error_body() {
    let s = TestServer::start().await;
    s.create_users(&["bob"]).await;
    let api = Api::admin(&s).await;
    let huge = json!({"to": ["bob"], "type": "txt", "body": {"msg": "x".repeat(2 * 1024 * 1024)}})
        .to_string();
    for path in ["/messages/users", "/users", "/token"] {
        let r = api.raw(Method::POST, path, Some(huge.clone())).await;
        assert_error(&r, 413, "request_entity_too_large");
    }
    assert_ok(
        &api.post(
            "/messages/users",
            json!({"to": ["bob"], "type": "txt", "body": {"msg": "small"}}),
        )
        .await,
    );
}

// ---- sending ----

#[tokio::test]
async fn send_to_users_maps_each_target_to_its_msg_id() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let bob = s.login("bob", None).await;
    let r = api.post("/messages/users", json!({"from": "alice", "to": ["bob", "carol"], "type": "txt", "body": {"msg": "hi"}, "ext": {"k": "v"}})).await;
    let body = assert_ok(&r);
    assert_eq!(body["path"], json!("/messages/users"));
    let data = body["data"].as_object().expect("data is an object");
    assert_eq!(data.len(), 2, "{body}");
    let id = |u: &str| {
        data[u]
            .as_str()
            .unwrap_or_else(|| panic!("msg id of {u} is a string: {body}"))
            .to_string()
    };
    let (bob_id, carol_id) = (id("bob"), id("carol"));
    assert!(bob_id.parse::<u64>().is_ok() && carol_id.parse::<u64>().is_ok());
    assert_ne!(bob_id, carol_id);
    let p = next_push(&bob).await;
    assert_eq!(p["push"], json!("message"), "{p}");
    let m = &p["msg"];
    assert_eq!(
        (m["msg_id"].as_str(), m["from"].as_str(), m["to"].as_str()),
        (Some(bob_id.as_str()), Some("alice"), Some("bob")),
        "{m}"
    );
    assert_eq!(m["body"], json!({"type": "txt", "msg": "hi"}));
    assert_eq!(m["ext"], json!({"k": "v"}));
    let carol = s.login("carol", None).await;
    let (msgs, _) = carol.sync_all(0).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["msg_id"], json!(carol_id));
}

#[tokio::test]
async fn send_without_from_comes_from_admin() {
    let s = TestServer::start().await;
    s.create_users(&["bob"]).await;
    let api = Api::admin(&s).await;
    let bob = s.login("bob", None).await;
    for from in [None, Some(Value::Null)] {
        let mut req = json!({"to": ["bob"], "type": "txt", "body": {"msg": "system"}});
        if let Some(f) = from {
            req["from"] = f;
        }
        let id = assert_ok(&api.post("/messages/users", req).await)["data"]["bob"].clone();
        let p = next_push(&bob).await;
        assert_eq!(
            (&p["msg"]["from"], &p["msg"]["msg_id"]),
            (&json!("admin"), &id),
            "{p}"
        );
    }
}

#[tokio::test]
async fn send_checks_its_fields() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let base = json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": "x"}});
    let with = |key: &str, v: Value| {
        let mut b = base.clone();
        b[key] = v;
        b
    };
    let many: Vec<String> = (0..601).map(|i| format!("t{i}")).collect();
    let cases = [
        with("from", json!("")),
        with("to", json!([])),
        with("to", json!(many)),
        with("to", json!(["not a name"])),
        with("ext", json!("x")),
        with("ext", json!([1])),
        with("ext", json!(null)),
        with("type", json!("hologram")),
        with("body", json!({})),
        with("body", json!({"msg": 5})),
        with("body", json!({"msg": "x".repeat(5200)})),
        with("ext", json!({"pad": "x".repeat(5100)})),
    ];
    for body in cases {
        let r = api.post("/messages/users", body.clone()).await;
        assert_error(&r, 400, SEND_ERROR);
    }
    let r = api
        .post(
            "/messages/users",
            with("body", json!({"msg": "x".repeat(5200)})),
        )
        .await;
    assert_eq!(r.1["error_description"], json!("message is too large"));
    assert_eq!(
        api.post("/messages/users", with("from", json!(""))).await.1["error_description"],
        json!("param from can't be empty")
    );
    assert_eq!(
        api.post("/messages/users", with("to", json!([]))).await.1["error_description"],
        json!("param to can't be empty")
    );
    let six_hundred: Vec<String> = (0..600).map(|i| format!("t{i}")).collect();
    assert_ok(
        &api.post("/messages/users", with("to", json!(six_hundred)))
            .await,
    );
    assert_eq!(
        assert_ok(&api.get("/users/bob/offline_msg_count").await)["data"],
        json!({"bob": 0})
    );
}

#[tokio::test]
async fn sync_device_copies_to_the_senders_devices() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let alice = s.login("alice", None).await;
    let send = |sync: bool| json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": format!("sync {sync}")}, "sync_device": sync});
    assert_ok(&api.post("/messages/users", send(false)).await);
    let r = api.post("/messages/users", send(true)).await;
    let id = assert_ok(&r)["data"]["bob"].clone();
    // The first push alice sees is the copy of the second message: the
    // first one, without sync_device, left her devices alone.
    let m = next_push(&alice).await["msg"].clone();
    assert_eq!(
        (&m["msg_id"], &m["from"], &m["to"]),
        (&id, &json!("alice"), &json!("bob")),
        "{m}"
    );
    let (msgs, _) = alice.sync_all(0).await.unwrap();
    assert_eq!(
        msgs.len(),
        1,
        "only the synced message is in alice's timeline: {msgs:?}"
    );
    assert_eq!(
        assert_ok(&api.get("/users/bob/offline_msg_count").await)["data"],
        json!({"bob": 2})
    );
}

#[tokio::test]
async fn sends_to_missing_users_are_accepted() {
    let s = TestServer::start().await;
    s.create_users(&["alice"]).await;
    let api = Api::admin(&s).await;
    let r = api
        .post(
            "/messages/users",
            json!({"from": "alice", "to": ["ghost"], "type": "txt", "body": {"msg": "x"}}),
        )
        .await;
    assert!(
        assert_ok(&r)["data"]["ghost"]
            .as_str()
            .is_some_and(|id| id.parse::<u64>().is_ok()),
        "{}",
        r.1
    );
    let r = api.post("/messages/users", json!({"from": "nobody", "to": ["ghost", "alice"], "type": "txt", "body": {"msg": "x"}, "sync_device": true})).await;
    assert_ok(&r);
    assert_error(&api.get("/users/ghost").await, 404, NOT_FOUND);
    assert_error(&api.get("/users/nobody").await, 404, NOT_FOUND);
    assert_eq!(
        assert_ok(&api.get("/users/alice/offline_msg_count").await)["data"],
        json!({"alice": 1})
    );
}

#[tokio::test]
async fn send_accepts_easemob_body_spellings() {
    let s = TestServer::start().await;
    s.create_users(&["bob"]).await;
    let api = Api::admin(&s).await;
    let bob = s.login("bob", None).await;
    let cases = [
        (
            json!({"type": "custom", "body": {"customEvent": "gift", "customExts": {"n": "3"}}}),
            json!({"type": "custom", "event": "gift", "params": {"n": "3"}}),
        ),
        (
            json!({"type": "loc", "body": {"lat": "39.9", "lng": 116.5, "addr": "x"}}),
            json!({"type": "loc", "lat": 39.9, "lng": 116.5, "addr": "x"}),
        ),
        (
            json!({"type": "audio", "body": {"url": "http://f/1", "Length": 3}}),
            json!({"type": "audio", "url": "http://f/1", "length": 3}),
        ),
    ];
    for (mut req, delivered) in cases {
        req["to"] = json!(["bob"]);
        assert_ok(&api.post("/messages/users", req).await);
        assert_eq!(next_push(&bob).await["msg"]["body"], delivered);
    }
    let bad_loc =
        json!({"to": ["bob"], "type": "loc", "body": {"lat": "north", "lng": 1, "addr": "x"}});
    assert_error(&api.post("/messages/users", bad_loc).await, 400, SEND_ERROR);
}

#[tokio::test]
async fn legacy_messages_send_to_users() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let bob = s.login("bob", None).await;
    let r = api.post("/messages", json!({"target_type": "users", "target": ["bob", "carol"], "from": "alice", "msg": {"type": "txt", "msg": "old style"}, "ext": {"a": 1}})).await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"bob": "success", "carol": "success"})
    );
    let m = next_push(&bob).await["msg"].clone();
    assert_eq!(
        (m["from"].as_str(), &m["body"], &m["ext"]),
        (
            Some("alice"),
            &json!({"type": "txt", "msg": "old style"}),
            &json!({"a": 1})
        ),
        "{m}"
    );

    let r = api.post("/messages?useMsgId=true", json!({"target_type": "users", "target": ["bob"], "msg": {"type": "txt", "msg": "with id"}})).await;
    let id = assert_ok(&r)["data"]["bob"]
        .as_str()
        .expect("msg id")
        .to_string();
    assert!(id.parse::<u64>().is_ok());
    let m = next_push(&bob).await["msg"].clone();
    assert_eq!(
        (m["msg_id"].as_str(), m["from"].as_str()),
        (Some(id.as_str()), Some("admin")),
        "{m}"
    );

    let custom = json!({"target_type": "users", "target": ["bob"], "from": "alice", "msg": {"type": "custom", "customEvent": "gift", "customExts": {"n": "3"}}});
    assert_eq!(
        assert_ok(&api.post("/messages", custom).await)["data"],
        json!({"bob": "success"})
    );
    let m = next_push(&bob).await["msg"].clone();
    assert_eq!(m["body"]["type"], json!("custom"), "{m}");
    assert!(m["body"].to_string().contains("gift"), "{m}");

    let cmd = json!({"target_type": "users", "target": ["bob"], "msg": {"type": "cmd", "action": "refresh"}});
    assert_ok(&api.post("/messages", cmd).await);
    assert_eq!(
        next_push(&bob).await["msg"]["body"],
        json!({"type": "cmd", "action": "refresh"})
    );

    let bad = [
        json!({"target_type": "users", "target": [], "msg": {"type": "txt", "msg": "x"}}),
        json!({"target_type": "users", "target": ["bob"], "from": "", "msg": {"type": "txt", "msg": "x"}}),
        json!({"target_type": "users", "target": ["bob"], "msg": {"type": "custom"}}),
        json!({"target_type": "users", "target": ["bob"], "msg": {"type": "txt", "msg": "x"}, "ext": 1}),
    ];
    for b in bad {
        assert_error(&api.post("/messages", b).await, 400, SEND_ERROR);
    }
    let group =
        json!({"target_type": "chatgroups", "target": ["1"], "msg": {"type": "txt", "msg": "x"}});
    assert_error(
        &api.post("/messages", group).await,
        501,
        "unsupported_service_operation",
    );
    let unknown =
        json!({"target_type": "planets", "target": ["1"], "msg": {"type": "txt", "msg": "x"}});
    assert_error(&api.post("/messages", unknown).await, 400, ILLEGAL);
}
