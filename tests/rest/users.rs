//! Users: U1–U5, U7, U13–U15, and bodies with wrong types.

use super::*;
use crate::common::{eventually, TestServer};
use tokio_tungstenite::tungstenite::Message;

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

// ---- devices (U11, U12, U17) ----

#[tokio::test]
async fn devices_are_listed_and_logged_out_one_or_all() {
    let s = TestServer::start().await;
    s.create_users(&["bob"]).await;
    let api = Api::admin(&s).await;
    let phone = s.login("bob", Some("phone")).await;
    let tablet = s.login("bob", Some("tablet")).await;
    let listed = |r: &(u16, Value)| -> Vec<String> {
        let mut d: Vec<String> = r.1["data"]
            .as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .filter_map(|d| d["res"].as_str().map(str::to_string))
            .collect();
        d.sort();
        d
    };
    let r = api.get("/users/bob/resources").await;
    assert_eq!(r.0, 200, "{r:?}");
    assert_eq!(listed(&r), ["phone", "tablet"]);

    let r = api.delete("/users/bob/disconnect/phone").await;
    assert_eq!(
        (r.0, r.1["data"]["result"].clone()),
        (200, json!(true)),
        "{r:?}"
    );
    let kick = phone.next_push(crate::common::WAIT).await.expect("a kick");
    assert_eq!(kick, json!({"push": "kick", "reason": "forced_logout"}));
    assert_eq!(
        phone.closed(crate::common::WAIT).await.and_then(|c| c.code),
        Some(4003)
    );
    assert_eq!(listed(&api.get("/users/bob/resources").await), ["tablet"]);
    // An unknown device: nothing to log out.
    let r = api.get("/users/bob/disconnect/watch").await;
    assert_eq!(r.1["data"]["result"], json!(false), "{r:?}");

    let r = api.get("/users/bob/disconnect").await;
    assert_eq!(
        (r.0, r.1["data"]["result"].clone()),
        (200, json!(true)),
        "{r:?}"
    );
    assert_eq!(
        tablet
            .closed(crate::common::WAIT)
            .await
            .and_then(|c| c.code),
        Some(4003)
    );
    assert!(listed(&api.get("/users/bob/resources").await).is_empty());
    // It may log in again.
    let again = s.login("bob", Some("phone")).await;
    assert_eq!(listed(&api.get("/users/bob/resources").await), ["phone"]);
    drop(again);
    assert_eq!(api.get("/users/nobody/resources").await.0, 404);
    assert_eq!(api.get("/users/nobody/disconnect").await.0, 404);
}

#[tokio::test]
async fn blank_and_control_character_passwords_are_refused_wherever_set() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    for bad in [" ", "\u{0}", "   ", "pass\u{7}word"] {
        let r = api
            .post("/users", json!({"username": "eve", "password": bad}))
            .await;
        assert_error(&r, 400, ILLEGAL);
    }
    assert_error(&api.get("/users/eve").await, 404, NOT_FOUND);
    assert_ok(
        &api.post("/users", json!({"username": "eve", "password": "good one"}))
            .await,
    );
    for bad in [" ", "\u{0}", "\t\n"] {
        let r = api
            .put("/users/eve/password", json!({"newpassword": bad}))
            .await;
        assert_error(&r, 400, ILLEGAL);
    }
    // The old password still holds.
    assert_eq!(user_token(&s, "eve", "good one").await.0, 200);
}
