//! Group state (members, mute) and acked group messages survive `kill -9`
//! of the real binary.

use super::*;

async fn login(addr: std::net::SocketAddr, user: &str) -> WsClient {
    WsClient::login_at(addr, user).await
}

#[tokio::test]
async fn group_state_and_messages_survive_kill_9() {
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
        &["alice", "bob", "carol"],
    )
    .await;
    let members = vec!["bob".to_string(), "carol".to_string()];
    let id = create_group(
        &http,
        &base,
        &token,
        "alice",
        &members,
        json!({"groupname": "durable"}),
    )
    .await;
    let (status, _) = rest(
        &http,
        &base,
        &token,
        reqwest::Method::POST,
        &format!("/chatgroups/{id}/mute"),
        Some(json!({"usernames": ["bob"]})),
    )
    .await;
    assert_eq!(status, 200);
    let alice = login(server.addr, "alice").await;
    for i in 0..20 {
        let r = alice.send_group_text(&id, &format!("d{i}")).await.unwrap();
        assert_eq!(r["ok"], json!(true), "{r}");
    }
    server.kill9();

    let server = crate::common::start_binary(&data, &config);
    let base = server.base();
    let token = server.demo_token(&http, &data).await;
    let (status, r) = rest(
        &http,
        &base,
        &token,
        reqwest::Method::GET,
        &format!("/chatgroups/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["data"][0]["name"], json!("durable"));
    assert_eq!(r["data"][0]["affiliations_count"], json!(3));
    let carol = login(server.addr, "carol").await;
    let (msgs, _) = carol.sync_streams(json!({})).await.unwrap();
    assert_eq!(
        texts(&msgs),
        (0..20).map(|i| format!("d{i}")).collect::<Vec<_>>()
    );
    let bob = login(server.addr, "bob").await;
    assert_eq!(
        code(&bob.send_group_text(&id, "still muted").await.unwrap()),
        215
    );
    let alice = login(server.addr, "alice").await;
    let r = alice.send_group_text(&id, "after restart").await.unwrap();
    assert_eq!(r["seq"], json!(21), "{r}");
}
