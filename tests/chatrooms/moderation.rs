//! Who may speak and manage: non-members, muted members, mute-all and
//! blocked users are refused with their codes; only managers manage; only
//! super admins create rooms from devices.

use super::*;

#[tokio::test]
async fn refusals_carry_their_codes_and_managers_are_checked() {
    let s = TestServer::start().await;
    s.create_users(&["owner", "admin", "m", "outsider", "bad"])
        .await;
    let room = create_room(&s, "owner", 100).await;
    let owner = s.login("owner", None).await;
    let admin = s.login("admin", None).await;
    let m = s.login("m", None).await;
    let outsider = s.login("outsider", None).await;
    let bad = s.login("bad", None).await;
    for dev in [&owner, &admin, &m, &bad] {
        let r = join(dev, &room).await;
        assert_eq!(r["ok"], json!(true), "{r}");
    }

    // Not present: 703.
    let r = send(&outsider, &room, "hi", "normal").await;
    assert_eq!(code(&r), 703, "{r}");
    // Only the owner names admins; a member cannot manage: 701.
    let r = m
        .request("chatroom_admin", json!({"chatroom": room, "user": "admin"}))
        .await
        .unwrap();
    assert_eq!(code(&r), 701, "{r}");
    let r = owner
        .request("chatroom_admin", json!({"chatroom": room, "user": "admin"}))
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    let r = m
        .request("chatroom_mute", json!({"chatroom": room, "users": ["bad"]}))
        .await
        .unwrap();
    assert_eq!(code(&r), 701, "{r}");

    // An admin mutes m: 215 on send; the owner cannot be muted.
    let r = admin
        .request(
            "chatroom_mute",
            json!({"chatroom": room, "users": ["m", "owner"], "duration": 60000}),
        )
        .await
        .unwrap();
    assert_eq!(r["results"][0]["ok"], json!(true), "{r}");
    assert_eq!(r["results"][1]["ok"], json!(false), "{r}");
    assert_eq!(code(&send(&m, &room, "x", "normal").await), 215);
    admin
        .request("chatroom_unmute", json!({"chatroom": room, "users": ["m"]}))
        .await
        .unwrap();
    assert_eq!(send(&m, &room, "x", "normal").await["ok"], json!(true));

    // Mute-all silences members (507) but not admins.
    let r = admin
        .request("chatroom_mute_all", json!({"chatroom": room, "on": true}))
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    assert_eq!(code(&send(&m, &room, "y", "normal").await), 507);
    assert_eq!(send(&admin, &room, "y", "normal").await["ok"], json!(true));
    admin
        .request("chatroom_mute_all", json!({"chatroom": room, "on": false}))
        .await
        .unwrap();

    // Blocking removes `bad` (it hears why) and keeps it out: 706.
    let r = admin
        .request(
            "chatroom_block",
            json!({"chatroom": room, "users": ["bad"]}),
        )
        .await
        .unwrap();
    assert_eq!(r["results"][0]["ok"], json!(true), "{r}");
    let ev = loop {
        let p = bad.next_push(WAIT).await.expect("block event");
        if p["push"] == json!("event") && p["kind"] == json!("blocked") {
            break p;
        }
    };
    assert_eq!(ev["chatroom"], json!(room));
    assert!(!members(&s, &room).await.contains(&"bad".to_string()));
    assert_eq!(code(&join(&bad, &room).await), 706);
    assert_eq!(code(&send(&bad, &room, "z", "normal").await), 706);

    // The admin cannot destroy the room; the owner can, and present
    // members hear it.
    let r = admin
        .request("chatroom_destroy", json!({ "chatroom": room }))
        .await
        .unwrap();
    assert_eq!(code(&r), 701, "{r}");
    let r = owner
        .request("chatroom_destroy", json!({ "chatroom": room }))
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    loop {
        let p = m.next_push(WAIT).await.expect("destroyed event");
        if p["push"] == json!("event") && p["kind"] == json!("destroyed") {
            break;
        }
    }
    assert_eq!(code(&join(&m, &room).await), 700);
}

#[tokio::test]
async fn only_super_admins_create_rooms_from_devices() {
    let s = TestServer::start().await;
    s.create_users(&["boss", "pleb"]).await;
    let boss = s.login("boss", None).await;
    let pleb = s.login("pleb", None).await;
    let r = boss
        .request("chatroom_create", json!({"name": "r", "maxusers": 50}))
        .await
        .unwrap();
    assert_eq!(code(&r), 701, "{r}");
    s.node
        .set_super_admin(&app(), "boss", true)
        .await
        .expect("granted");
    let r = boss
        .request("chatroom_create", json!({"name": "r", "maxusers": 50}))
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    let room = r["chatroom"].as_str().unwrap().to_string();
    let r = pleb
        .request("chatroom_create", json!({ "name": "r2" }))
        .await
        .unwrap();
    assert_eq!(code(&r), 701, "{r}");
    let r = boss
        .request("chatroom_info", json!({ "chatroom": room }))
        .await
        .unwrap();
    assert_eq!(r["chatroom"]["owner"], json!("boss"), "{r}");
    assert_eq!(r["chatroom"]["maxusers"], json!(50), "{r}");
}

#[tokio::test]
async fn deleting_a_user_deletes_the_rooms_it_owns() {
    let s = TestServer::start().await;
    s.create_users(&["gone", "heir", "m"]).await;
    let owned = create_room(&s, "gone", 10).await;
    let given_away = create_room(&s, "gone", 10).await;
    let taken_over = create_room(&s, "heir", 10).await;
    for (room, to) in [(&given_away, "heir"), (&taken_over, "gone")] {
        s.node
            .room(&app(), room, Actor::App, ManageOp::TransferOwner(to.into()))
            .await
            .expect("transferred");
    }
    let m = s.login("m", None).await;
    assert_eq!(join(&m, &owned).await["ok"], json!(true));

    let token = s.app_token().await;
    let (status, r) = crate::common::rest(
        s.http(),
        &format!("http://{}", s.addr),
        &token,
        reqwest::Method::DELETE,
        "/users/gone",
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    loop {
        let p = m.next_push(WAIT).await.expect("destroyed event");
        if p["push"] == json!("event") && p["kind"] == json!("destroyed") {
            assert_eq!(p["chatroom"], json!(owned));
            break;
        }
    }
    for (room, exists) in [(&owned, false), (&given_away, true), (&taken_over, false)] {
        let r = s.node.room(&app(), room, Actor::App, ManageOp::Get).await;
        assert_eq!(r.is_ok(), exists, "room {room}: {r:?}");
    }
}
