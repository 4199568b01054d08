//! Two apps on one server share nothing: tokens of one are refused by the
//! other, user tokens are refused on admin endpoints, a socket logged in
//! with a user token belongs to that token's app, and the same username in
//! two apps names two different users.

use crate::common::TestServer;
use crate::common::WsClient;
use imcloud_actors::ids::AppKey;
use serde_json::{json, Value};

const OTHER: &str = "other#app";
use crate::common::WAIT;

/// The demo app plus `other#app`, with an app token for each.
struct TwoApps {
    s: TestServer,
    demo_token: String,
    other_token: String,
}

impl TwoApps {
    async fn start() -> TwoApps {
        let s = TestServer::start().await;
        let other = AppKey::new("other", "app").unwrap();
        let record = s
            .node
            .create_app(&other, s.node.config.app_defaults.clone())
            .await
            .expect("other#app created");
        let demo_token = s.app_token().await;
        let other_token = crate::common::app_token(
            s.http(),
            &s.url("/other/app/token"),
            &record.client_id,
            &record.client_secret,
        )
        .await;
        TwoApps {
            s,
            demo_token,
            other_token,
        }
    }

    /// Registers `users` in other#app with password `pw-other-<name>`.
    async fn create_other_users(&self, users: &[&str]) {
        let body: Vec<Value> = users
            .iter()
            .map(|u| json!({"username": u, "password": format!("pw-other-{u}")}))
            .collect();
        let resp = self
            .s
            .http()
            .post(self.s.url("/other/app/users"))
            .bearer_auth(&self.other_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "{}",
            resp.text().await.unwrap_or_default()
        );
    }

    /// A socket logged in to other#app.
    async fn login_other(&self, user: &str) -> WsClient {
        let c = WsClient::connect(&self.s.ws_url(), false).await.unwrap();
        let r = c
            .login(OTHER, user, &format!("pw-other-{user}"), None)
            .await
            .unwrap();
        assert_eq!(r["ok"], json!(true), "{r}");
        c
    }

    /// `method path` with `token`; status and JSON body.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .s
            .http()
            .request(method, self.s.url(path))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("JSON body"))
    }

    async fn user_token(&self, app_path: &str, user: &str, password: &str) -> (u16, Value) {
        let body = json!({"grant_type": "password", "username": user, "password": password});
        let resp = self
            .s
            .http()
            .post(self.s.url(&format!("{app_path}/token")))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("JSON body"))
    }

    /// Sends a text from the app's admin to `to` over REST; the msg id.
    async fn admin_send(&self, app_path: &str, token: &str, to: &str, text: &str) -> String {
        let body = json!({"to": [to], "type": "txt", "body": {"msg": text}});
        let (status, r) = self
            .call(
                reqwest::Method::POST,
                &format!("{app_path}/messages/users"),
                token,
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        r["data"][to].as_str().expect("msg id").to_string()
    }
}

#[track_caller]
fn assert_401(got: &(u16, Value)) {
    assert_eq!(got.0, 401, "expected 401, got {}", got.1);
    assert!(
        matches!(
            got.1["error"].as_str(),
            Some("unauthorized" | "auth_bad_access_token")
        ),
        "{}",
        got.1
    );
}

#[tokio::test]
async fn an_app_token_is_refused_by_another_app() {
    let t = TwoApps::start().await;
    t.create_other_users(&["bob"]).await;
    t.s.create_users(&["alice"]).await;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    assert_401(
        &t.call(get.clone(), "/other/app/users", &t.demo_token, None)
            .await,
    );
    assert_401(
        &t.call(get.clone(), "/other/app/users/bob", &t.demo_token, None)
            .await,
    );
    assert_401(
        &t.call(
            post.clone(),
            "/other/app/users",
            &t.demo_token,
            Some(json!({"username": "eve", "password": "pw"})),
        )
        .await,
    );
    let send = json!({"to": ["bob"], "type": "txt", "body": {"msg": "x"}});
    assert_401(
        &t.call(
            post.clone(),
            "/other/app/messages/users",
            &t.demo_token,
            Some(send),
        )
        .await,
    );
    assert_401(
        &t.call(get.clone(), "/demo/chat/users/alice", &t.other_token, None)
            .await,
    );
    // Each token still works at home, and sees only its own users.
    let (status, r) = t
        .call(get.clone(), "/other/app/users", &t.other_token, None)
        .await;
    assert_eq!(
        (status, r["entities"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{r}"
    );
    assert_eq!(r["entities"][0]["username"], json!("bob"));
    let (status, r) = t
        .call(get.clone(), "/demo/chat/users", &t.demo_token, None)
        .await;
    assert_eq!(
        (status, r["entities"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{r}"
    );
    assert_eq!(r["entities"][0]["username"], json!("alice"));
    assert_eq!(
        t.call(get, "/demo/chat/users/bob", &t.demo_token, None)
            .await
            .0,
        404
    );
    // eve was not created anywhere.
    assert_eq!(
        t.call(
            reqwest::Method::GET,
            "/other/app/users/eve",
            &t.other_token,
            None
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn user_tokens_are_refused_on_admin_endpoints_of_every_app() {
    let t = TwoApps::start().await;
    t.s.create_users(&["alice"]).await;
    t.create_other_users(&["bob"]).await;
    let (status, r) = t.user_token("/demo/chat", "alice", "pw-alice").await;
    assert_eq!(status, 200, "{r}");
    let user = r["access_token"].as_str().unwrap().to_string();
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    for path in [
        "/demo/chat/users",
        "/demo/chat/users/alice",
        "/demo/chat/users/alice/status",
        "/other/app/users",
        "/other/app/users/bob",
    ] {
        assert_401(&t.call(get.clone(), path, &user, None).await);
    }
    assert_401(
        &t.call(
            post.clone(),
            "/demo/chat/users",
            &user,
            Some(json!({"username": "eve", "password": "pw"})),
        )
        .await,
    );
    let send = json!({"from": "alice", "to": ["alice"], "type": "txt", "body": {"msg": "x"}});
    assert_401(
        &t.call(post.clone(), "/demo/chat/messages/users", &user, Some(send))
            .await,
    );
    assert_401(
        &t.call(
            reqwest::Method::PUT,
            "/demo/chat/users/alice/password",
            &user,
            Some(json!({"newpassword": "mine"})),
        )
        .await,
    );
    assert_401(
        &t.call(
            reqwest::Method::DELETE,
            "/demo/chat/users/alice",
            &user,
            None,
        )
        .await,
    );
    // None of it took effect.
    assert_eq!(t.user_token("/demo/chat", "alice", "pw-alice").await.0, 200);
    assert_eq!(
        t.call(get, "/demo/chat/users/eve", &t.demo_token, None)
            .await
            .0,
        404
    );
    // demo's alice is no user of other#app.
    assert_eq!(t.user_token("/other/app", "alice", "pw-alice").await.0, 404);
}

#[tokio::test]
async fn a_user_token_logs_into_its_own_app_only() {
    let t = TwoApps::start().await;
    t.s.create_users(&["alice"]).await;
    t.create_other_users(&["bob"]).await;
    let bob = t.login_other("bob").await;
    let (_, r) = t.user_token("/demo/chat", "alice", "pw-alice").await;
    let alice = WsClient::connect(&t.s.ws_url(), false).await.unwrap();
    let auth = alice
        .request("auth", json!({"token": r["access_token"]}))
        .await
        .unwrap();
    assert_eq!(
        (auth["ok"].as_bool(), auth["user"].as_str()),
        (Some(true), Some("alice")),
        "{auth}"
    );
    // bob exists only in other#app: from demo#chat he is nobody.
    let sent = alice.send_text("bob", "wrong app", None).await.unwrap();
    assert_eq!(
        (sent["ok"].as_bool(), sent["error"]["code"].as_u64()),
        (Some(false), Some(204)),
        "{sent}"
    );
    // bob's first push is the marker sent after the failed send, and his
    // timeline holds nothing else.
    let marker = t
        .admin_send("/other/app", &t.other_token, "bob", "marker")
        .await;
    let p = bob.next_push(WAIT).await.expect("marker arrives");
    assert_eq!(
        (
            p["msg"]["msg_id"].as_str(),
            p["msg"]["body"]["msg"].as_str()
        ),
        (Some(marker.as_str()), Some("marker")),
        "{p}"
    );
    let (msgs, _) = bob.sync_all(0).await.unwrap();
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    // Likewise the other way: other#app's bob, logged in by his token,
    // cannot reach demo's alice.
    let (_, r) = t.user_token("/other/app", "bob", "pw-other-bob").await;
    let bob_token = r["access_token"].as_str().unwrap().to_string();
    let c = WsClient::connect(&t.s.ws_url(), false).await.unwrap();
    let auth = c
        .request("auth", json!({"token": bob_token}))
        .await
        .unwrap();
    assert_eq!(auth["ok"], json!(true), "{auth}");
    let sent = c.send_text("alice", "wrong app", None).await.unwrap();
    assert_eq!(sent["error"]["code"], json!(204), "{sent}");
}

#[tokio::test]
async fn the_same_username_in_two_apps_is_two_users() {
    let t = TwoApps::start().await;
    t.s.create_users(&["sam", "alice"]).await;
    t.create_other_users(&["sam"]).await;
    // Different passwords: each app checks its own sam.
    assert_eq!(t.user_token("/other/app", "sam", "pw-sam").await.0, 400);
    assert_eq!(
        t.user_token("/demo/chat", "sam", "pw-other-sam").await.0,
        400
    );
    let demo_sam = t.s.login("sam", None).await;
    let other_sam = t.login_other("sam").await;
    let alice = t.s.login("alice", None).await;
    for i in 0..3 {
        let ack = alice
            .send_text("sam", &format!("hi {i}"), None)
            .await
            .unwrap();
        assert_eq!(ack["ok"], json!(true), "{ack}");
        let p = demo_sam.next_push(WAIT).await.expect("demo's sam gets it");
        assert_eq!(p["msg"]["body"]["msg"], json!(format!("hi {i}")));
    }
    let rest_id = t
        .admin_send("/demo/chat", &t.demo_token, "sam", "from demo admin")
        .await;
    assert_eq!(
        demo_sam.next_push(WAIT).await.expect("admin message")["msg"]["msg_id"],
        json!(rest_id)
    );
    // other's sam saw none of it: its first push is a marker of its own app.
    let marker = t
        .admin_send("/other/app", &t.other_token, "sam", "marker")
        .await;
    let p = other_sam.next_push(WAIT).await.expect("marker arrives");
    assert_eq!(p["msg"]["msg_id"], json!(marker), "{p}");
    let (msgs, _) = other_sam.sync_all(0).await.unwrap();
    assert_eq!(
        msgs.iter()
            .map(|m| m["body"]["msg"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["marker"]
    );
    let (msgs, _) = demo_sam.sync_all(0).await.unwrap();
    assert_eq!(msgs.len(), 4);
    // Status and offline counts are per app too.
    drop(demo_sam);
    let (status, r) = t
        .call(
            reqwest::Method::GET,
            "/other/app/users/sam/status",
            &t.other_token,
            None,
        )
        .await;
    assert_eq!(
        (status, &r["data"]),
        (200, &json!({"sam": "online"})),
        "{r}"
    );
    let (_, r) = t
        .call(
            reqwest::Method::GET,
            "/other/app/users/sam/offline_msg_count",
            &t.other_token,
            None,
        )
        .await;
    assert_eq!(r["data"], json!({"sam": 0}));
    let other_uuid = t
        .call(
            reqwest::Method::GET,
            "/other/app/users/sam",
            &t.other_token,
            None,
        )
        .await
        .1["entities"][0]["uuid"]
        .clone();
    let demo_uuid = t
        .call(
            reqwest::Method::GET,
            "/demo/chat/users/sam",
            &t.demo_token,
            None,
        )
        .await
        .1["entities"][0]["uuid"]
        .clone();
    assert!(other_uuid.is_string() && demo_uuid.is_string());
    assert_ne!(other_uuid, demo_uuid);
    // A socket of other#app cannot reach demo's alice.
    let sent = other_sam.send_text("alice", "cross", None).await.unwrap();
    assert_eq!(sent["error"]["code"], json!(204), "{sent}");
}
