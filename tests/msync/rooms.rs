//! Groups and chatrooms through the SDK: a group message reaches SDK and
//! `/ws` members (and an SDK member that was away, on its return), and
//! the other way; SDK users join a chatroom over msync, get its messages
//! as they are sent, and leave it.

use super::Fixture;
use serde_json::json;

/// A public group of `owner` with `members`, made by the app server.
pub(super) async fn create_group(f: &Fixture, owner: &str, members: &[&str]) -> String {
    let body =
        json!({"groupname": "g", "desc": "d", "public": true, "maxusers": 100, "owner": owner});
    let (status, r) = f
        .rest(reqwest::Method::POST, "/chatgroups", Some(body))
        .await;
    assert_eq!(status, 200, "{r}");
    let id = r["data"]["groupid"].as_str().expect("groupid").to_string();
    let (status, r) = f
        .rest(
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/users"),
            Some(json!({"usernames": members})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    id
}

#[tokio::test]
async fn group_messages_reach_sdk_and_ws_members_and_an_sdk_member_back_from_away() {
    let f = Fixture::start(&["alice", "bob", "carol"]).await;
    let g = create_group(&f, "alice", &["bob", "carol"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    let carol = crate::common::WsClient::login_at(f.server.addr, "carol").await;

    let r = sdk
        .send("a", json!({"type": "txt", "chatType": "groupChat", "to": g, "msg": "hello group", "ext": {"e": 1}}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let got = sdk.message("b", |m| m["msg"] == "hello group").await;
    assert_eq!(
        (
            got["chatType"].clone(),
            got["to"].clone(),
            got["from"].clone()
        ),
        (json!("groupChat"), json!(g), json!("alice"))
    );
    assert_eq!(got["ext"], json!({"e": 1}));
    assert_eq!(got["id"], r["result"]["serverMsgId"]);
    let p = carol
        .push_where("the group text", |p| p["push"] == "message")
        .await;
    assert_eq!(p["msg"]["body"]["msg"], "hello group");

    let ack = carol.send_group_text(&g, "from ws").await.expect("ws send");
    assert_eq!(ack["ok"], true, "{ack}");
    for conn in ["a", "b"] {
        let got = sdk.message(conn, |m| m["msg"] == "from ws").await;
        assert_eq!(
            (got["chatType"].clone(), got["from"].clone()),
            (json!("groupChat"), json!("carol"))
        );
    }

    // Bob away: what the group said meanwhile arrives when he is back.
    let r = sdk.call(json!({"cmd": "close", "conn": "b"})).await;
    assert_eq!(r["ok"], true, "{r}");
    for i in 0..3 {
        let r = sdk.send("a", json!({"type": "txt", "chatType": "groupChat", "to": g, "msg": format!("away {i}")})).await;
        assert_eq!(r["ok"], true, "{r}");
    }
    sdk.login("b", "bob").await;
    for i in 0..3 {
        sdk.message("b", |m| m["msg"] == format!("away {i}").as_str())
            .await;
    }
    let again = sdk
        .take_all(|v| {
            v["event"] == "message" && v["conn"] == "b" && v["message"]["msg"] == "hello group"
        })
        .await;
    assert!(
        again.is_empty(),
        "what bob had acknowledged is not sent again: {again:?}"
    );
}

#[tokio::test]
async fn sdk_users_join_a_chatroom_over_msync_get_its_messages_and_leave() {
    let f = Fixture::start(&["alice", "bob", "carol"]).await;
    let (status, r) = f
        .rest(
            reqwest::Method::POST,
            "/chatrooms",
            Some(json!({"name": "room", "description": "d", "owner": "alice", "maxusers": 100})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let room = r["data"]["id"].as_str().expect("room id").to_string();
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    for conn in ["a", "b"] {
        let r = sdk
            .call(json!({"cmd": "joinRoom", "conn": conn, "room": room}))
            .await;
        assert_eq!(r["ok"], true, "{conn} joins: {r}");
    }
    let carol = crate::common::WsClient::login_at(f.server.addr, "carol").await;
    let r = carol
        .request("join", json!({"chatroom": room}))
        .await
        .expect("ws join");
    assert_eq!(r["ok"], true, "{r}");

    for i in 0..3 {
        let r = sdk
            .send("a", json!({"type": "txt", "chatType": "chatRoom", "to": room, "msg": format!("room {i}")}))
            .await;
        assert_eq!(r["ok"], true, "{r}");
    }
    for i in 0..3 {
        let got = sdk
            .message("b", |m| m["msg"] == format!("room {i}").as_str())
            .await;
        assert_eq!(
            (
                got["chatType"].clone(),
                got["to"].clone(),
                got["from"].clone()
            ),
            (json!("chatRoom"), json!(room), json!("alice"))
        );
    }
    let p = carol
        .push_where("the room text", |p| p["push"] == "message")
        .await;
    assert_eq!(p["msg"]["body"]["msg"], "room 0");

    let ack = carol
        .request(
            "send",
            json!({"chat": "chatroom", "to": room, "body": {"type": "txt", "msg": "from ws"}}),
        )
        .await
        .expect("ws send");
    assert_eq!(ack["ok"], true, "{ack}");
    let got = sdk.message("b", |m| m["msg"] == "from ws").await;
    assert_eq!(got["from"], "carol");

    let r = sdk
        .call(json!({"cmd": "leaveRoom", "conn": "b", "room": room}))
        .await;
    assert_eq!(r["ok"], true, "bob leaves: {r}");
    // Once bob has left, a message of his to the room is refused.
    let r = sdk
        .send(
            "b",
            json!({"type": "txt", "chatType": "chatRoom", "to": room, "msg": "gone"}),
        )
        .await;
    assert_eq!(r["ok"], false, "{r}");
}
