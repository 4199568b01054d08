//! Chatrooms end to end over real sockets, one module per concern:
//! - [`presence`]: only present members receive; a disconnect or leave
//!   stops delivery; joiners get the recent history; `maxusers`.
//! - [`moderation`]: refusals with their codes, owner/admin rights, super
//!   admins creating rooms from devices, a deleted user's rooms deleted.
//! - [`durability`]: room state and super admins survive `kill -9`.
//! - [`events`]: events about persisted changes wait for their flush.
//! - [`shedding`]: under an injected overload low-priority messages are
//!   refused first, then normal, then high, and every shed is counted.

mod durability;
mod events;
mod moderation;
mod presence;
mod recall;
mod shedding;

use crate::common::code;
use crate::common::WsClient;
use crate::common::{eventually, TestServer, APPKEY};
use imcloud::chatrooms::NewRoom;

use imcloud_actors::ids::AppKey;
use imcloud_actors::roster::{Actor, ManageOp, ManageReply};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

use crate::common::WAIT;

fn app() -> AppKey {
    AppKey::parse(APPKEY).expect("demo app key")
}

/// Creates a room owned by `owner` (made by the app, as over REST).
async fn create_room(s: &TestServer, owner: &str, maxusers: u32) -> String {
    s.node
        .create_room(
            &app(),
            NewRoom {
                name: "room".into(),
                description: "d".into(),
                maxusers: Some(maxusers),
                owner: owner.into(),
                members: Vec::new(),
                custom: String::new(),
            },
        )
        .await
        .expect("room created")
}

/// The room's members as the room lists them (owner first).
async fn members(s: &TestServer, room: &str) -> Vec<String> {
    match s.node.room(&app(), room, Actor::App, ManageOp::Get).await {
        Ok(ManageReply::View(v)) => v.members,
        other => panic!("room view: {other:?}"),
    }
}

async fn join(c: &WsClient, room: &str) -> Value {
    c.request("join", json!({ "chatroom": room }))
        .await
        .expect("join reply")
}

async fn send(c: &WsClient, room: &str, text: &str, priority: &str) -> Value {
    c.request(
        "send",
        json!({"chat": "chatroom", "to": room, "priority": priority,
            "body": {"type": "txt", "msg": text}}),
    )
    .await
    .expect("send reply")
}

/// The next chatroom message pushed to `c`.
async fn next_room_message(c: &WsClient) -> Value {
    loop {
        let p = c.next_push(WAIT).await.expect("a push in time");
        if p["push"] == json!("message") {
            return p["msg"].clone();
        }
    }
}

/// Waits until the room's fan-out queue is empty.
async fn fanout_drained(s: &TestServer) {
    let rooms = s.node.env.rooms.clone();
    eventually(WAIT, "chatroom fan-out drained", || {
        let r = rooms.clone();
        async move { (r.pending() == 0).then_some(()) }
    })
    .await;
}

fn deliveries(s: &TestServer) -> u64 {
    s.node.env.rooms.stats.deliveries.load(Ordering::Relaxed)
}
