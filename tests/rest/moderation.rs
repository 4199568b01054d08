//! The app's moderation of users: deactivation (U9/U10) and app-wide
//! mutes (U18–U20), with a clock moved past the mutes' ends.

use super::*;
use crate::common::code;

#[tokio::test]
async fn a_deactivated_user_is_kicked_cannot_log_in_and_its_tokens_stay_revoked() {
    let s = TestServer::start().await;
    s.create_users(&["alice"]).await;
    let token = user_token(&s, "alice", "pw-alice").await.1["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let phone = s.login("alice", Some("phone")).await;
    let tablet = s.login("alice", Some("tablet")).await;
    let api = Api::admin(&s).await;

    let r = api.post("/users/alice/deactivate", json!({})).await;
    let body = assert_ok(&r);
    assert_eq!(body["action"], json!("Deactivate user"));
    assert_eq!(body["entities"][0]["activated"], json!(false));
    for c in [&phone, &tablet] {
        let kick = c
            .push_where("the kick", |p| p["push"] == json!("kick"))
            .await;
        assert_eq!(kick["reason"], json!("deactivated"));
        assert_eq!(c.closed(WAIT).await.and_then(|c| c.code), Some(4003));
    }
    let again = WsClient::connect(&s.ws_url(), false).await.unwrap();
    let refused = again
        .login("demo#chat", "alice", "pw-alice", None)
        .await
        .unwrap();
    assert_eq!(crate::common::code(&refused), 207, "{refused}");
    let by_token = WsClient::connect(&s.ws_url(), false).await.unwrap();
    let refused = by_token
        .request("auth", json!({"token": token}))
        .await
        .unwrap();
    assert_ne!(crate::common::code(&refused), 0, "{refused}");
    let grant = user_token(&s, "alice", "pw-alice").await;
    assert_error(&grant, 400, BAD_GRANT);
    assert_eq!(grant.1["error_description"], json!("user not activated"));
    assert_eq!(
        assert_ok(&api.get("/users/alice").await)["entities"][0]["activated"],
        json!(false)
    );

    let r = api.post("/users/alice/activate", json!({})).await;
    assert_eq!(assert_ok(&r)["action"], json!("activate user"));
    s.login("alice", None).await;
    // The token of before stays revoked.
    let old = WsClient::connect(&s.ws_url(), false).await.unwrap();
    let refused = old.request("auth", json!({"token": token})).await.unwrap();
    assert_eq!(crate::common::code(&refused), 202, "{refused}");
    assert_error(
        &api.post("/users/nobody/deactivate", json!({})).await,
        404,
        NOT_FOUND,
    );
}

#[tokio::test]
async fn an_app_wide_mute_refuses_its_kind_of_chat_from_every_api_until_it_ends() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let group = assert_ok(
        &api.post(
            "/chatgroups",
            json!({"owner": "bob", "public": true, "groupname": "g", "members": ["alice"]}),
        )
        .await,
    )["data"]["groupid"]
        .as_str()
        .unwrap()
        .to_string();
    let alice = s.login("alice", None).await;

    assert_ok(
        &api.post("/mutes", json!({"username": "alice", "chat": 60}))
            .await,
    );
    assert_eq!(
        code(&alice.send_text("bob", "hi", None).await.unwrap()),
        219
    );
    let rest_send = api
        .post(
            "/messages/users",
            json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": "hi"}}),
        )
        .await;
    assert_error(&rest_send, 403, "forbidden_op");
    // Groups are another kind of chat.
    assert_eq!(
        code(&alice.send_group_text(&group, "in the group").await.unwrap()),
        0
    );

    let got = assert_ok(&api.get("/mutes/alice").await)["data"].clone();
    assert_eq!(got["userid"], json!("demo#chat_alice"));
    assert_eq!((&got["chat"], &got["groupchat"]), (&json!(60), &json!(0)));
    assert_ok(
        &api.post("/mutes", json!({"username": "bob", "groupchat": -1}))
            .await,
    );
    let listed = assert_ok(&api.get("/mutes?pageNum=1&pageSize=10").await)["data"]["data"].clone();
    assert_eq!(
        listed,
        json!([{"username": "alice", "chat": 60}, {"username": "bob", "groupchat": -1}])
    );
    let bob = s.login("bob", None).await;
    assert_eq!(
        code(&bob.send_group_text(&group, "muted owner").await.unwrap()),
        219
    );
    let rest_post = api
        .post(
            "/messages/chatgroups",
            json!({"from": "bob", "to": [group], "type": "txt", "body": {"msg": "x"}}),
        )
        .await;
    assert_error(&rest_post, 403, "forbidden_op");

    s.clock.advance(std::time::Duration::from_secs(61));
    assert_eq!(
        code(&alice.send_text("bob", "free again", None).await.unwrap()),
        0
    );
    assert_eq!(
        assert_ok(&api.get("/mutes/alice").await)["data"]["chat"],
        json!(0)
    );
    let listed = assert_ok(&api.get("/mutes").await)["data"]["data"].clone();
    assert_eq!(listed, json!([{"username": "bob", "groupchat": -1}]));
    assert_ok(
        &api.post("/mutes", json!({"username": "bob", "groupchat": 0}))
            .await,
    );
    assert_eq!(
        code(&bob.send_group_text(&group, "unmuted").await.unwrap()),
        0
    );
    assert_eq!(
        assert_ok(&api.get("/mutes").await)["data"]["data"],
        json!([])
    );

    assert_error(
        &api.post("/mutes", json!({"chat": 5})).await,
        400,
        "required_property_not_found",
    );
    assert_error(
        &api.post("/mutes", json!({"username": "alice", "chat": -5}))
            .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post("/mutes", json!({"username": "ghost", "chat": 5}))
            .await,
        404,
        NOT_FOUND,
    );
}
