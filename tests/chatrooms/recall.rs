//! Recalling room messages: the sender within the window, the owner
//! anyone's, another member nobody's; every device present is pushed
//! `recall`, a joiner no longer gets the message among the recent ones,
//! and the export of the hour leaves it out; past the window 504.

use super::*;
use crate::common::code;
use std::time::Duration;

async fn recall(c: &WsClient, room: &str, msg_id: &Value) -> Value {
    c.request(
        "recall",
        json!({"chat": "chatroom", "to": room, "msg_id": msg_id}),
    )
    .await
    .expect("recall reply")
}

async fn recall_push(c: &WsClient) -> Value {
    c.push_where("a recall", |p| p["push"] == json!("recall"))
        .await
}

#[tokio::test]
async fn room_messages_are_recalled_by_their_sender_or_a_manager_within_the_window() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["owner", "m", "other"]).await;
    let room = create_room(&s, "owner", 100).await;
    let owner = s.login("owner", None).await;
    let m = s.login("m", None).await;
    let other = s.login("other", None).await;
    for dev in [&owner, &m, &other] {
        assert_eq!(join(dev, &room).await["ok"], json!(true));
    }
    let first = send(&m, &room, "first", "normal").await;
    let second = send(&m, &room, "second", "normal").await;
    let third = send(&m, &room, "third", "normal").await;
    for r in [&first, &second, &third] {
        assert_eq!(r["ok"], json!(true), "{r}");
    }
    fanout_drained(&s).await;

    // Another member may not; the sender may; the owner may recall anyone's.
    let r = recall(&other, &room, &first["msg_id"]).await;
    assert_eq!(code(&r), 210, "{r}");
    let r = recall(&m, &room, &first["msg_id"]).await;
    assert_eq!(r["ok"], json!(true), "{r}");
    for dev in [&owner, &m, &other] {
        let p = recall_push(dev).await;
        assert_eq!(
            p,
            json!({"push": "recall", "msg_id": first["msg_id"], "chat": "chatroom", "from": "m", "to": room})
        );
    }
    let r = recall(&owner, &room, &second["msg_id"]).await;
    assert_eq!(r["ok"], json!(true), "{r}");
    // Recalled twice: not found.
    let r = recall(&m, &room, &first["msg_id"]).await;
    assert_eq!(code(&r), 506, "{r}");

    // A joiner gets only the third among the recent messages.
    let late = s.login("other", Some("late")).await;
    let joined = join(&late, &room).await;
    let recent: Vec<&Value> = joined["messages"]
        .as_array()
        .map(|a| a.iter().map(|m| &m["msg_id"]).collect())
        .unwrap_or_default();
    assert_eq!(recent, [&third["msg_id"]], "{joined}");

    // Past the window: 504.
    s.clock.advance(Duration::from_secs(121));
    let r = recall(&m, &room, &third["msg_id"]).await;
    assert_eq!(code(&r), 504, "{r}");

    // The hour's export holds the third only.
    let token = s.app_token().await;
    let now = s.clock.now_ms() - 121_000;
    let hour = crate::common::hour_of(now);
    let (status, body) = crate::common::rest(
        s.http(),
        &s.base(),
        &token,
        reqwest::Method::GET,
        &format!("/chatmessages/{hour}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let gz = s
        .http()
        .get(body["data"][0]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text).unwrap();
    let ids: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["msg_id"].clone())
        .collect();
    assert_eq!(ids, [third["msg_id"].clone()]);
}
