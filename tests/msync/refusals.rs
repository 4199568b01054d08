//! Refused sends reach the SDK as the errors it knows: the ack's status
//! and reason map to the SDK's own error types (a block 603, not a
//! friend 221, a sensitive word 501, an app-wide mute 219, a group the
//! sender is not in 602).

use super::Fixture;
use serde_json::json;

async fn refused(f: &Fixture, msg: serde_json::Value) -> serde_json::Value {
    let r = f.sdk.send("a", msg).await;
    assert_eq!(r["ok"], false, "refused: {r}");
    r["error"]["type"].clone()
}

fn text(to: &str, chat: &str, msg: &str) -> serde_json::Value {
    json!({"type": "txt", "chatType": chat, "to": to, "msg": msg})
}

#[tokio::test]
async fn refused_sends_reach_the_sdk_as_its_own_error_types() {
    let f = Fixture::start(&["alice", "bob", "carol", "dave"]).await;
    f.sdk.login("a", "alice").await;
    let post = |path: &'static str, body: serde_json::Value| {
        f.rest(reqwest::Method::POST, path, Some(body))
    };

    let (status, r) = post("/users/bob/blocks/users", json!({"usernames": ["alice"]})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        refused(&f, text("bob", "singleChat", "hi")).await,
        603,
        "blocked"
    );

    let (status, r) = post("/sensitive_words", json!({"words": ["badword"]})).await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = f
        .rest(
            reqwest::Method::PUT,
            "/settings",
            Some(json!({"sensitive_words": "refuse", "friend_check": true})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        refused(&f, text("carol", "singleChat", "a badword here")).await,
        501,
        "sensitive word"
    );
    assert_eq!(
        refused(&f, text("carol", "singleChat", "hi")).await,
        221,
        "not a friend"
    );
    let (status, r) = f
        .rest(
            reqwest::Method::PUT,
            "/settings",
            Some(json!({"friend_check": false})),
        )
        .await;
    assert_eq!(status, 200, "{r}");

    let (status, r) = post(
        "/chatgroups",
        json!({"groupname": "g", "desc": "d", "public": true, "maxusers": 10, "owner": "dave"}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let g = r["data"]["groupid"].as_str().expect("groupid").to_string();
    assert_eq!(
        refused(&f, text(&g, "groupChat", "hi")).await,
        602,
        "not in the group"
    );

    let (status, r) = post("/mutes", json!({"username": "alice", "chat": 600})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        refused(&f, text("carol", "singleChat", "hi")).await,
        219,
        "muted app-wide"
    );
}
