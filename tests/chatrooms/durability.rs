//! A room's persisted state (settings, admins, mute and block lists,
//! mute-all) and the app's super admins survive `kill -9` of the real
//! binary; presence does not (the sockets are gone too).

use super::*;
use crate::common::{create_users, rest, write_test_config};

#[tokio::test]
async fn room_state_and_super_admins_survive_kill_9() {
    use reqwest::Method;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
    let mut server = crate::common::start_binary(&data, &config);
    let base = server.base();
    let http = reqwest::Client::new();
    let token = server.demo_token(&http, &data).await;
    create_users(
        &http,
        &format!("{base}/demo/chat/users"),
        &token,
        &["alice", "bob", "carol", "dave", "eve"],
    )
    .await;
    let (status, r) = rest(
        &http,
        &base,
        &token,
        Method::POST,
        "/chatrooms",
        Some(
            json!({"name": "durable", "description": "d", "owner": "alice",
            "maxusers": 50, "members": ["bob"]}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let id = r["data"]["id"].as_str().expect("room id").to_string();
    for (method, path, body) in [
        (
            Method::POST,
            format!("/chatrooms/{id}/admin"),
            json!({"newadmin": "bob"}),
        ),
        (
            Method::POST,
            format!("/chatrooms/{id}/mute"),
            json!({"usernames": ["carol"], "mute_duration": -1}),
        ),
        (
            Method::POST,
            format!("/chatrooms/{id}/blocks/users/dave"),
            json!({}),
        ),
        (Method::POST, format!("/chatrooms/{id}/ban"), json!({})),
        (
            Method::POST,
            "/chatrooms/super_admin".to_string(),
            json!({"superadmin": "eve"}),
        ),
    ] {
        let (status, r) = rest(&http, &base, &token, method, &path, Some(body)).await;
        assert_eq!(status, 200, "{path}: {r}");
    }
    server.kill9();

    let server = crate::common::start_binary(&data, &config);
    let base = server.base();
    let token = server.demo_token(&http, &data).await;
    let get = |path: String| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move { rest(&http, &base, &token, Method::GET, &path, None).await.1 }
    };
    let room = get(format!("/chatrooms/{id}")).await;
    assert_eq!(room["data"][0]["name"], json!("durable"), "{room}");
    assert_eq!(room["data"][0]["maxusers"], json!(50), "{room}");
    assert_eq!(room["data"][0]["mute"], json!(true), "{room}");
    assert_eq!(
        get(format!("/chatrooms/{id}/admin")).await["data"],
        json!(["bob"])
    );
    let mutes = get(format!("/chatrooms/{id}/mute")).await;
    assert_eq!(mutes["data"][0]["user"], json!("carol"), "{mutes}");
    assert_eq!(
        get(format!("/chatrooms/{id}/blocks/users")).await["data"],
        json!(["dave"])
    );
    assert_eq!(
        get("/chatrooms/super_admin".to_string()).await["data"],
        json!(["eve"])
    );
    // Presence is not kept: bob, added before the crash, is gone.
    let users = get(format!("/chatrooms/{id}/users")).await;
    assert_eq!(users["data"], json!([{"owner": "alice"}]), "{users}");
}
