//! Chatroom `muc` events and chatroom recalls (§8.4): membership (REST
//! add, a device's join and leave, kick), admins, mutes, mute-all, the
//! block list, the announcement, settings, owner transfer and destroy
//! each reach a post-send rule as a signed `muc` event with
//! `is_chatroom: true`, and a recalled room message as `recall`; groups'
//! admin and mute changes report the same operations.

use super::callbacks::{add_rule, assert_signed, events_until, post_rule, summary};
use super::*;
use crate::common::{code, Receiver};

fn t(kind: &str, who: &str, to: &str, extra: &str) -> (String, String, String, String) {
    (
        kind.to_string(),
        who.to_string(),
        to.to_string(),
        extra.to_string(),
    )
}

#[tokio::test]
async fn chatroom_changes_and_recalls_arrive_as_muc_and_recall_events() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let mut r = Receiver::start().await;
    let secret = add_rule(
        &api,
        post_rule(
            "rooms",
            &r.url("/rooms"),
            json!({"events": ["muc", "recall"]}),
        ),
    )
    .await;
    let created = api
        .post(
            "/chatrooms",
            json!({"name": "r", "description": "d", "maxusers": 10, "owner": "alice"}),
        )
        .await;
    let room = assert_ok(&created)["data"]["id"]
        .as_str()
        .expect("a room id")
        .to_string();
    let at = |rest: &str| format!("/chatrooms/{room}{rest}");

    assert_ok(&api.post(&at("/users/bob"), json!({})).await);
    let carol = s.login("carol", None).await;
    let joined = carol
        .request("join", json!({"chatroom": room}))
        .await
        .unwrap();
    assert_eq!(joined["ok"], json!(true), "{joined}");
    let sent = carol
        .request(
            "send",
            json!({"chat": "chatroom", "to": room, "body": {"type": "txt", "msg": "hi"}}),
        )
        .await
        .unwrap();
    assert_eq!(sent["ok"], json!(true), "{sent}");
    let msg_id = match &sent["msg_id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    let recalled = carol
        .request(
            "recall",
            json!({"chat": "chatroom", "to": room, "msg_id": sent["msg_id"]}),
        )
        .await
        .unwrap();
    assert_eq!(code(&recalled), 0, "{recalled}");
    let left = carol
        .request("leave", json!({"chatroom": room}))
        .await
        .unwrap();
    assert_eq!(left["ok"], json!(true), "{left}");

    assert_ok(&api.post(&at("/admin"), json!({"newadmin": "bob"})).await);
    assert_ok(&api.delete(&at("/admin/bob")).await);
    assert_ok(
        &api.post(
            &at("/mute"),
            json!({"usernames": ["bob"], "mute_duration": -1}),
        )
        .await,
    );
    assert_ok(&api.delete(&at("/mute/bob")).await);
    assert_ok(&api.post(&at("/ban"), json!({})).await);
    assert_ok(&api.delete(&at("/ban")).await);
    assert_ok(
        &api.post(&at("/announcement"), json!({"announcement": "news"}))
            .await,
    );
    assert_ok(&api.put(&at(""), json!({"name": "renamed"})).await);
    assert_ok(&api.put(&at(""), json!({"newowner": "bob"})).await);
    assert_ok(&api.post(&at("/users/carol"), json!({})).await);
    assert_ok(&api.delete(&at("/users/carol")).await);
    assert_ok(&api.post(&at("/blocks/users/carol"), json!({})).await);
    assert_ok(&api.delete(&at("/blocks/users/carol")).await);
    assert_ok(&api.delete(&at("")).await);

    let wanted = vec![
        t("muc", "bob", &room, "presence"),
        t("muc", "carol", &room, "presence"),
        t("recall", "carol", &room, &msg_id),
        t("muc", "carol", &room, "absence"),
        t("muc", "bob", &room, "add_admin"),
        t("muc", "bob", &room, "remove_admin"),
        t("muc", "bob", &room, "add_mute"),
        t("muc", "bob", &room, "remove_mute"),
        t("muc", "alice", &room, "ban_group"),
        t("muc", "alice", &room, "remove_ban_group"),
        t("muc", "alice", &room, "update_announcement"),
        t("muc", "alice", &room, "update"),
        t("muc", "bob", &room, "assing_owner"),
        t("muc", "carol", &room, "presence"),
        t("muc", "carol", &room, "kick"),
        t("muc", "carol", &room, "ban"),
        t("muc", "carol", &room, "allow"),
        t("muc", "bob", &room, "destroy"),
    ];
    let got = events_until(&mut r, |e| e.len() >= wanted.len()).await;
    let seen: Vec<_> = got.iter().map(summary).collect();
    assert_eq!(seen, wanted, "{got:?}");
    for e in &got {
        assert_signed(e, &secret);
        assert_eq!(e["group_id"], json!(room), "{e}");
        if e["chat_type"] == json!("muc") {
            assert_eq!(e["payload"]["is_chatroom"], json!(true), "{e}");
            assert_eq!(
                e["payload"]["muc_id"],
                json!(format!("demo#chat_{room}@conference.easemob.com")),
                "{e}"
            );
        }
    }
    // The recall names the recalled message and has an id of its own.
    let recall = &got[2];
    assert_eq!(recall["recall_id"], json!(msg_id));
    assert_ne!(recall["msg_id"], json!(msg_id));
}

#[tokio::test]
async fn group_admin_and_mute_changes_arrive_as_muc_events() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let mut r = Receiver::start().await;
    add_rule(
        &api,
        post_rule("groups", &r.url("/g"), json!({"events": ["muc"]})),
    )
    .await;
    let group = assert_ok(
        &api.post(
            "/chatgroups",
            json!({"owner": "alice", "public": true, "groupname": "g", "members": ["bob"]}),
        )
        .await,
    )["data"]["groupid"]
        .as_str()
        .expect("a group id")
        .to_string();
    let at = |rest: &str| format!("/chatgroups/{group}{rest}");
    assert_ok(&api.post(&at("/admin"), json!({"newadmin": "bob"})).await);
    assert_ok(&api.delete(&at("/admin/bob")).await);
    assert_ok(
        &api.post(
            &at("/mute"),
            json!({"usernames": ["bob"], "mute_duration": -1}),
        )
        .await,
    );
    assert_ok(&api.delete(&at("/mute/bob")).await);
    assert_ok(&api.post(&at("/ban"), json!({})).await);
    assert_ok(&api.delete(&at("/ban")).await);
    assert_ok(&api.delete(&at("")).await);
    let wanted = vec![
        t("muc", "alice", &group, "create"),
        t("muc", "bob", &group, "add_admin"),
        t("muc", "bob", &group, "remove_admin"),
        t("muc", "bob", &group, "add_mute"),
        t("muc", "bob", &group, "remove_mute"),
        t("muc", "alice", &group, "ban_group"),
        t("muc", "alice", &group, "remove_ban_group"),
        t("muc", "alice", &group, "destroy"),
    ];
    let got = events_until(&mut r, |e| e.len() >= wanted.len()).await;
    let seen: Vec<_> = got.iter().map(summary).collect();
    assert_eq!(seen, wanted, "{got:?}");
    assert!(got
        .iter()
        .all(|e| e["payload"]["is_chatroom"] == json!(false)));
}
