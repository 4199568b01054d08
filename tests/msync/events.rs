//! Receipts, recalls, edits and contact events over msync: what the SDK
//! sends about a message already sent (read and delivery acks, a
//! conversation read, `recallMessage`, `modifyMessage`) is answered and
//! recorded, and the other side's SDK hears of it (`onReadMessage`,
//! `onDeliveredMessage`, `onRecallMessage`, `onModifiedMessage`), as it
//! hears of friend requests and their answers (`onContactInvited`,
//! `onContactAgreed`, `onContactRefuse`, `onContactDeleted`); `/ws`
//! devices on the other side too.

use super::Fixture;
use serde_json::{json, Value};

/// A read (`id`) or delivery (`ackId`) ack of the message `id`.
fn ack(kind: &str, to: &str, id: &str) -> Value {
    json!({"type": kind, "chatType": "singleChat", "to": to, "id": id, "ackId": id})
}

#[tokio::test]
async fn read_and_delivery_receipts_go_both_ways_between_sdk_users() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    let first = sdk.text("a", "bob", "one").await;
    let second = sdk.text("a", "bob", "two").await;
    sdk.message("b", |m| m["msg"] == "two").await;

    let r = sdk.send("b", ack("delivery", "alice", &first)).await;
    assert_eq!(r["ok"], true, "the delivery ack is acked: {r}");
    let d = sdk
        .event("a", "onDeliveredMessage", |d| d["mid"] == first.as_str())
        .await;
    assert_eq!(
        (d["from"].clone(), d["to"].clone()),
        (json!("bob"), json!("alice"))
    );

    let r = sdk.send("b", ack("read", "alice", &first)).await;
    assert_eq!(r["ok"], true, "the read ack is acked: {r}");
    let read = sdk
        .event("a", "onReadMessage", |d| d["mid"] == first.as_str())
        .await;
    assert_eq!(read["from"], "bob", "{read}");
    // The server keeps the mark: one of bob's two is still unread.
    let r = sdk
        .api_ok("b", "getServerConversations", json!([{"pageSize": 20}]))
        .await;
    assert_eq!(r["data"]["conversations"][0]["unReadCount"], 1, "{r}");

    // A conversation read (`channel`) reads everything and reaches the
    // sender as a read receipt of the newest.
    let r = sdk
        .send(
            "b",
            json!({"type": "channel", "chatType": "singleChat", "to": "alice"}),
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
    sdk.event("a", "onReadMessage", |d| d["mid"] == second.as_str())
        .await;
    let r = sdk
        .api_ok("b", "getServerConversations", json!([{"pageSize": 20}]))
        .await;
    assert_eq!(r["data"]["conversations"][0]["unReadCount"], 0, "{r}");

    // A receipt for a message that is not in the conversation fails.
    let r = sdk.send("b", ack("read", "alice", "12345")).await;
    assert_eq!(r["ok"], false, "{r}");
}

#[tokio::test]
async fn the_sdks_automatic_delivery_acks_reach_a_ws_sender() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let alice = crate::common::WsClient::login_at(f.server.addr, "alice").await;
    let mut open = json!({"cmd": "open", "conn": "b", "appKey": "demo#chat", "api": f.server.base(),
        "url": format!("ws://{}/websocket", f.server.addr), "user": "bob", "pwd": "pw-bob",
        "delivery": true});
    let r = f.sdk.call(open.take()).await;
    assert_eq!(r["ok"], true, "{r}");
    let args = json!({"chat": "single", "to": "bob", "body": {"type": "txt", "msg": "delivered?"}});
    let sent = alice.request("send", args).await.expect("ws send");
    let msg_id = sent["msg_id"].as_str().unwrap_or_default().to_string();
    f.sdk.message("b", |m| m["msg"] == "delivered?").await;
    let p = alice
        .push_where("bob's delivery receipt", |p| p["push"] == "receipt")
        .await;
    assert_eq!(p["kind"], "delivered", "{p}");
    assert_eq!(p["from"], "bob");
    assert_eq!(p["msg_id"], msg_id.as_str());
}

#[tokio::test]
async fn a_recall_and_an_edit_reach_the_other_sdk_and_the_server_copy() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    let keep = sdk.text("a", "bob", "first draft").await;
    let gone = sdk.text("a", "bob", "oops").await;
    sdk.message("b", |m| m["msg"] == "oops").await;

    let r = sdk
        .call(json!({"cmd": "modify", "conn": "a", "messageId": keep,
            "msg": {"type": "txt", "chatType": "singleChat", "to": "bob", "msg": "final text"}}))
        .await;
    assert_eq!(r["ok"], true, "modifyMessage succeeds: {r}");
    let m = sdk
        .event("b", "onModifiedMessage", |m| m["id"] == keep.as_str())
        .await;
    assert_eq!(m["msg"], "final text", "{m}");
    assert_eq!(m["from"], "alice");
    assert_eq!(m["chatType"], "singleChat");
    assert_eq!(m["modifiedInfo"]["operationCount"], 1, "{m}");
    assert_eq!(m["modifiedInfo"]["operatorId"], "alice");

    sdk.api_ok(
        "a",
        "recallMessage",
        json!([{"mid": gone, "to": "bob", "chatType": "singleChat"}]),
    )
    .await;
    let r = sdk
        .event("b", "onRecallMessage", |r| r["mid"] == gone.as_str())
        .await;
    assert_eq!(
        (r["from"].clone(), r["to"].clone()),
        (json!("alice"), json!("bob"))
    );

    // The server's copy: the edit stays, the recalled message is gone.
    let page = sdk
        .api_ok(
            "b",
            "getHistoryMessages",
            json!([{"targetId": "alice", "chatType": "singleChat", "pageSize": 10}]),
        )
        .await;
    let texts: Vec<&str> = page["messages"]
        .as_array()
        .map(|ms| ms.iter().filter_map(|m| m["msg"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(texts, ["final text"], "{page}");

    // bob may neither edit nor recall alice's message.
    let r = sdk
        .call(json!({"cmd": "modify", "conn": "b", "messageId": keep,
            "msg": {"type": "txt", "chatType": "singleChat", "to": "alice", "msg": "hijack"}}))
        .await;
    assert_eq!(r["ok"], false, "{r}");
    let r = sdk
        .api(
            "b",
            "recallMessage",
            json!([{"mid": keep, "to": "alice", "chatType": "singleChat"}]),
        )
        .await;
    assert_eq!(r["ok"], false, "{r}");
}

#[tokio::test]
async fn group_read_receipts_recalls_and_edits_reach_members() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let group = super::rooms::create_group(&f, "alice", &["bob"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    let text = |msg: &str| {
        json!({"type": "txt", "chatType": "groupChat", "to": group, "msg": msg,
            "msgConfig": {"allowGroupAck": true}})
    };
    let r = sdk.send("a", text("read me")).await;
    let acked = r["result"]["serverMsgId"].as_str().expect("id").to_string();
    let r = sdk.send("a", text("edit me")).await;
    let edited = r["result"]["serverMsgId"].as_str().expect("id").to_string();
    let r = sdk.send("a", text("recall me")).await;
    let recalled = r["result"]["serverMsgId"].as_str().expect("id").to_string();
    sdk.message("b", |m| m["msg"] == "recall me").await;

    let r = sdk
        .send(
            "b",
            json!({"type": "read", "chatType": "groupChat", "to": group, "id": acked}),
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let read = sdk
        .event("a", "onReadMessage", |d| d["from"] == "bob")
        .await;
    assert_eq!(read["to"], group.as_str(), "{read}");

    let r = sdk
        .call(json!({"cmd": "modify", "conn": "a", "messageId": edited,
            "msg": {"type": "txt", "chatType": "groupChat", "to": group, "msg": "edited"}}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let m = sdk
        .event("b", "onModifiedMessage", |m| m["id"] == edited.as_str())
        .await;
    assert_eq!(
        (m["msg"].clone(), m["chatType"].clone()),
        (json!("edited"), json!("groupChat"))
    );

    sdk.api_ok(
        "a",
        "recallMessage",
        json!([{"mid": recalled, "to": group, "chatType": "groupChat"}]),
    )
    .await;
    let r = sdk
        .event("b", "onRecallMessage", |r| r["mid"] == recalled.as_str())
        .await;
    assert_eq!(r["to"], group.as_str(), "{r}");
}

#[tokio::test]
async fn friend_requests_and_their_answers_reach_the_other_sdk() {
    let f = Fixture::start(&["alice", "bob", "carol"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    sdk.login("c", "carol").await;

    sdk.api_ok("a", "addContact", json!(["bob", "hello from alice"]))
        .await;
    let inv = sdk.event("b", "onContactInvited", |_| true).await;
    assert_eq!(
        (
            inv["from"].clone(),
            inv["to"].clone(),
            inv["status"].clone()
        ),
        (json!("alice"), json!("bob"), json!("hello from alice")),
        "{inv}"
    );
    sdk.api_ok("b", "acceptContactInvite", json!(["alice"]))
        .await;
    let agreed = sdk.event("a", "onContactAgreed", |_| true).await;
    assert_eq!(agreed["from"], "bob", "{agreed}");

    sdk.api_ok("a", "addContact", json!(["carol", ""])).await;
    sdk.event("c", "onContactInvited", |d| d["from"] == "alice")
        .await;
    sdk.api_ok("c", "declineContactInvite", json!(["alice"]))
        .await;
    let refused = sdk.event("a", "onContactRefuse", |_| true).await;
    assert_eq!(refused["from"], "carol", "{refused}");

    sdk.api_ok("b", "deleteContact", json!(["alice"])).await;
    let deleted = sdk.event("a", "onContactDeleted", |_| true).await;
    assert_eq!(deleted["from"], "bob", "{deleted}");

    // A `/ws` user's request reaches an SDK user the same way.
    let dave_ws = crate::common::WsClient::login_at(f.server.addr, "carol").await;
    let r = dave_ws
        .request("contact_add", json!({"user": "bob", "reason": "from ws"}))
        .await
        .expect("contact_add");
    assert_eq!(r["ok"], true, "{r}");
    let inv = sdk
        .event("b", "onContactInvited", |d| d["from"] == "carol")
        .await;
    assert_eq!(inv["status"], "from ws", "{inv}");
}

#[tokio::test]
async fn group_and_chatroom_events_reach_sdk_members() {
    use reqwest::Method;
    let f = Fixture::start(&["alice", "bob", "carol"]).await;
    let group = super::rooms::create_group(&f, "alice", &["bob"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    let is = |op: &'static str| move |e: &Value| e["operation"] == op;

    let (status, r) = f
        .rest(
            Method::POST,
            &format!("/chatgroups/{group}/users/carol"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let joined = sdk.event("a", "onGroupEvent", is("memberPresence")).await;
    assert_eq!(
        (joined["id"].clone(), joined["from"].clone()),
        (json!(group), json!("carol"))
    );

    let (status, r) = f
        .rest(
            Method::POST,
            &format!("/chatgroups/{group}/mute"),
            Some(json!({"usernames": ["bob"], "mute_duration": 60000})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    for conn in ["a", "b"] {
        let muted = sdk.event(conn, "onGroupEvent", is("muteMember")).await;
        assert_eq!(
            (muted["id"].clone(), muted["userId"].clone()),
            (json!(group), json!("bob")),
            "{conn}"
        );
    }

    let (status, r) = f
        .rest(
            Method::DELETE,
            &format!("/chatgroups/{group}/users/carol"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let removed = sdk.event("a", "onGroupEvent", is("removeMember")).await;
    assert_eq!(removed["from"], "carol", "{removed}");

    let (status, r) = f
        .rest(Method::DELETE, &format!("/chatgroups/{group}"), None)
        .await;
    assert_eq!(status, 200, "{r}");
    let gone = sdk.event("b", "onGroupEvent", is("destroy")).await;
    assert_eq!(gone["id"], json!(group), "{gone}");

    // A room: its events reach the devices present in it.
    let (status, r) = f
        .rest(
            Method::POST,
            "/chatrooms",
            Some(json!({"name": "room", "description": "d", "owner": "alice", "maxusers": 100})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let room = r["data"]["id"].as_str().expect("room id").to_string();
    let r = sdk
        .call(json!({"cmd": "joinRoom", "conn": "b", "room": room}))
        .await;
    assert_eq!(r["ok"], true, "bob joins: {r}");
    let (status, r) = f
        .rest(
            Method::POST,
            &format!("/chatrooms/{room}/mute"),
            Some(json!({"usernames": ["bob"], "mute_duration": 60000})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let muted = sdk.event("b", "onChatroomEvent", is("muteMember")).await;
    assert_eq!(
        (muted["id"].clone(), muted["userId"].clone()),
        (json!(room), json!("bob"))
    );
    let (status, r) = f
        .rest(Method::DELETE, &format!("/chatrooms/{room}"), None)
        .await;
    assert_eq!(status, 200, "{r}");
    let gone = sdk.event("b", "onChatroomEvent", is("destroy")).await;
    assert_eq!(gone["id"], json!(room), "{gone}");
}
