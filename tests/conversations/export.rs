//! The hourly export (§5.8): an hour's file holds exactly that hour's
//! 1:1, group and chatroom messages, in time order, without a recalled one
//! and with an edit; the link expires and a tampered one is refused; a bad
//! hour is 400, an empty one 404. (Bounded memory on 100,000 messages:
//! `tests/export_memory.rs`.)

use super::*;
use crate::common::hour_of;
use crate::common::rest;
use flate2::read::GzDecoder;
use imcloud::chatrooms::NewRoom;
use imcloud_actors::ids::AppKey;
use std::io::Read;
use std::time::Duration;

const HOUR_MS: i64 = 3_600_000;

async fn app_get(s: &TestServer, path: &str) -> (u16, Value) {
    let token = s.app_token().await;
    rest(
        s.http(),
        &s.base(),
        &token,
        reqwest::Method::GET,
        path,
        None,
    )
    .await
}

/// The export link of `hour`.
async fn export_url(s: &TestServer, hour: &str) -> String {
    let (status, body) = app_get(s, &format!("/chatmessages/{hour}")).await;
    assert_eq!(status, 200, "{body}");
    body["data"][0]["url"].as_str().expect("url").to_string()
}

/// The records of the file at `url`.
async fn download(s: &TestServer, url: &str) -> Vec<Value> {
    let r = s.http().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/gzip");
    let gz = r.bytes().await.unwrap();
    let mut text = String::new();
    GzDecoder::new(&gz[..]).read_to_string(&mut text).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[tokio::test]
async fn an_hours_export_holds_exactly_its_messages_and_its_link_expires() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let g = group(&s, "alice", &["bob"]).await;
    let room = s
        .node
        .create_room(
            &AppKey::parse("demo#chat").unwrap(),
            NewRoom {
                name: "room".into(),
                description: "d".into(),
                maxusers: Some(10),
                owner: "carol".into(),
                members: Vec::new(),
                custom: String::new(),
            },
        )
        .await
        .unwrap();
    ok(&bob, "join", json!({ "chatroom": room })).await;

    // An earlier hour holds one message; the hour under test starts after it.
    let earlier = send(&alice, "single", "bob", "earlier").await;
    let start = (s.clock.now_ms() / HOUR_MS + 1) * HOUR_MS;
    s.clock
        .advance(Duration::from_millis((start - s.clock.now_ms()) as u64));
    let hour = hour_of(start);

    let mut expected = vec![
        send(&alice, "single", "bob", "one").await,
        send(&bob, "group", &g, "two").await,
        send(&bob, "chatroom", &room, "three").await,
    ];
    let recalled = send(&alice, "single", "bob", "gone").await;
    ok(
        &alice,
        "recall",
        json!({"chat": "single", "to": "bob", "msg_id": recalled}),
    )
    .await;
    let edited = send(&alice, "group", &g, "draft").await;
    ok(
        &alice,
        "edit",
        json!({"chat": "group", "to": g, "msg_id": edited, "body": {"type": "txt", "msg": "final"}}),
    )
    .await;
    expected.push(edited.clone());
    expected.push(send(&bob, "single", "alice", "cmd").await);
    // The next hour is not in this one's file.
    s.clock.advance(Duration::from_millis(HOUR_MS as u64));
    let later = send(&alice, "single", "bob", "later").await;

    let url = export_url(&s, &hour).await;
    let records = download(&s, &url).await;
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r["msg_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, expected, "the hour's messages in time order");
    for id in [&earlier, &recalled, &later] {
        assert!(!ids.contains(&id.as_str()), "{id} is not of this hour");
    }
    let types: Vec<&str> = records
        .iter()
        .map(|r| r["chat_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["chat", "groupchat", "chatroom", "groupchat", "chat"]
    );
    let first = &records[0];
    assert_eq!(first["from"], "alice");
    assert_eq!(first["to"], "bob");
    assert_eq!(first["direction"], "outgoing");
    assert_eq!(
        first["payload"]["bodies"],
        json!([{"type": "txt", "msg": "one"}])
    );
    assert!(first["timestamp"].as_i64().unwrap() >= start);
    assert_eq!(records[3]["payload"]["bodies"][0]["msg"], "final");
    assert_eq!(records[2]["to"], json!(room));

    // A changed signature, hour or expiry is refused; so is the link once
    // it expired.
    let tampered = url.replace(&format!("/{}.", start), &format!("/{}.", start - HOUR_MS));
    assert_ne!(tampered, url);
    let r = s.http().get(&tampered).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    s.clock.advance(Duration::from_secs(3601));
    let r = s.http().get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized");
}

#[tokio::test]
async fn bad_empty_and_expired_hours_are_refused() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob"]).await;
    let now = s.clock.now_ms();
    for bad in ["2018112724", "notanhour", "20181127", "1970010100"] {
        let (status, body) = app_get(&s, &format!("/chatmessages/{bad}")).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("illegal_argument")),
            "{bad}: {body}"
        );
    }
    // Not begun yet.
    let next = hour_of(now + HOUR_MS);
    let (status, _) = app_get(&s, &format!("/chatmessages/{next}")).await;
    assert_eq!(status, 400);
    // Begun, but nothing was sent in it.
    let (status, body) = app_get(&s, &format!("/chatmessages/{}", hour_of(now))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("storage_object_not_found")),
        "{body}"
    );
    // Past the default 72 hours.
    let alice = s.login("alice", None).await;
    send(&alice, "single", "bob", "old").await;
    let hour = hour_of(now);
    export_url(&s, &hour).await;
    s.clock.advance(Duration::from_secs(73 * 3600));
    let (status, body) = app_get(&s, &format!("/chatmessages/{hour}")).await;
    assert_eq!(status, 400, "{body}");
    // Without an app token.
    let r = s
        .http()
        .get(s.url(&format!("/demo/chat/chatmessages/{hour}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
}
