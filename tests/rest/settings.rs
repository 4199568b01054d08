//! App settings over REST (§14.1): read, change, validation key by key,
//! plans, and a change taking effect on the next message.

use super::*;
use crate::common::{code, eventually, TestServer};
use imcloud_actors::app::{PatchAppSettings, SettingsPatch};
use imcloud_actors::ids::AppKey;

#[tokio::test]
async fn settings_read_change_and_a_bad_body_changes_nothing() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    let before = assert_ok(&api.get("/settings").await)["data"].clone();
    assert_eq!(before["friend_check"], json!(false));
    assert_eq!(before["recall_window_secs"], json!(120));
    assert_eq!(before["sensitive_words"], json!("off"));
    assert_eq!(before["rest_allow_list"], json!([]));

    let changed = assert_ok(
        &api.put(
            "/settings",
            json!({"friend_check": true, "recall_window_secs": 600, "rest_allow_list": ["127.0.0.1", "::1"]}),
        )
        .await,
    )["data"]
        .clone();
    assert_eq!(changed["friend_check"], json!(true));
    assert_eq!(changed["recall_window_secs"], json!(600));
    assert_eq!(
        changed["rest_allow_list"],
        json!(["127.0.0.1/32", "::1/128"])
    );
    assert_eq!(assert_ok(&api.get("/settings").await)["data"], changed);

    // An unknown key, a wrong type, a value out of range: 400 naming the
    // key, and nothing of the body is applied.
    for (body, key) in [
        (json!({"friend_check": false, "colour": "red"}), "colour"),
        (
            json!({"friend_check": false, "max_devices": "four"}),
            "max_devices",
        ),
        (
            json!({"friend_check": false, "recall_window_secs": 604_801}),
            "recall_window_secs",
        ),
        (
            json!({"friend_check": false, "rest_allow_list": ["1.2.3.4", "not-an-ip"]}),
            "rest_allow_list",
        ),
        (
            json!({"friend_check": false, "rest_allow_list": ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9"]}),
            "rest_allow_list",
        ),
    ] {
        let r = api.put("/settings", body).await;
        assert_error(&r, 400, ILLEGAL);
        let said = r.1["error_description"].as_str().unwrap_or_default();
        assert!(said.contains(&format!("`{key}`")), "{said}");
    }
    assert_error(
        &api.raw(Method::PUT, "/settings", Some("[1]".into())).await,
        400,
        BAD_BODY,
    );
    assert_eq!(assert_ok(&api.get("/settings").await)["data"], changed);

    // Not for users.
    s.create_users(&["alice"]).await;
    let user = user_token(&s, "alice", "pw-alice").await.1["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let as_user = Api::with_token(&s, Some(user));
    assert_error(&as_user.get("/settings").await, 401, BAD_TOKEN);
    assert_error(
        &Api::anonymous(&s).get("/settings").await,
        401,
        UNAUTHORIZED,
    );
}

#[tokio::test]
async fn a_plan_presets_the_limits_and_keys_beside_it_override_them() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    let pro = assert_ok(&api.put("/settings", json!({"plan": "pro"})).await)["data"].clone();
    assert_eq!(
        (
            &pro["plan"],
            &pro["group_max_users"],
            &pro["groups_per_user"],
            &pro["retention_days"],
            &pro["rest_rate_per_s"]
        ),
        (
            &json!("pro"),
            &json!(3000),
            &json!(600),
            &json!(7),
            &json!(300)
        )
    );
    let free = assert_ok(
        &api.put("/settings", json!({"plan": "free", "retention_days": 30}))
            .await,
    )["data"]
        .clone();
    assert_eq!(free["group_max_users"], json!(100));
    assert_eq!(free["retention_days"], json!(30));
}

#[tokio::test]
async fn a_change_takes_effect_on_the_next_message_without_a_restart() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let big = "x".repeat(1000);
    assert_eq!(code(&alice.send_text("bob", &big, None).await.unwrap()), 0);

    let api = Api::admin(&s).await;
    assert_ok(
        &api.put("/settings", json!({"max_message_bytes": 512}))
            .await,
    );
    assert_eq!(
        code(&alice.send_text("bob", &big, None).await.unwrap()),
        510
    );
    assert_eq!(
        code(&alice.send_text("bob", "short", None).await.unwrap()),
        0
    );

    assert_ok(
        &api.put(
            "/settings",
            json!({"user_send_rate": 1, "user_send_burst": 1}),
        )
        .await,
    );
    assert_eq!(code(&alice.send_text("bob", "one", None).await.unwrap()), 0);
    assert_eq!(
        code(&alice.send_text("bob", "two", None).await.unwrap()),
        509
    );
}

#[tokio::test]
async fn a_change_committed_anywhere_reaches_the_gateways_cache_through_the_bus() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    assert_eq!(
        code(
            &alice
                .send_text("bob", &"y".repeat(800), None)
                .await
                .unwrap()
        ),
        0
    );
    // Changed at the App entity directly, as another node's gateway would:
    // this gateway's cached record must go because the bus says so.
    let app = AppKey::parse("demo#chat").unwrap();
    let patch = SettingsPatch {
        max_message_bytes: Some(300),
        ..Default::default()
    };
    s.node
        .ask(app.entity_key(), PatchAppSettings { patch })
        .await
        .unwrap();
    eventually(WAIT, "the cached settings to be dropped", || async {
        (code(
            &alice
                .send_text("bob", &"y".repeat(800), None)
                .await
                .unwrap(),
        ) == 510)
            .then_some(())
    })
    .await;
}
