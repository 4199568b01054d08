//! Chatrooms over REST (§7, M3): create, read, list by cursor, modify,
//! transfer, delete; members, admins, mute, mute-all, block list, super
//! admins; sends reaching devices joined over WebSocket; errors with their
//! statuses.

use super::*;
use crate::common::code;
use crate::common::TestServer;
use crate::common::WsClient;

const FORBIDDEN: &str = "forbidden_op";

/// A server with `users` registered and an app-token caller.
async fn start(users: &[&str]) -> TestServer {
    let s = TestServer::start().await;
    s.create_users(users).await;
    s
}

/// Creates a room owned by `owner` with `members`; its id.
async fn create(api: &Api<'_>, owner: &str, members: &[&str]) -> String {
    let r = api
        .post(
            "/chatrooms",
            json!({"name": "room", "description": "d", "owner": owner, "members": members}),
        )
        .await;
    assert_ok(&r)["data"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("room id in {}", r.1))
        .to_string()
}

/// The room as R4c shows it.
async fn room(api: &Api<'_>, id: &str) -> Value {
    assert_ok(&api.get(&format!("/chatrooms/{id}")).await)["data"][0].clone()
}

/// The `affiliations` of R9c, in order.
async fn members(api: &Api<'_>, id: &str) -> Value {
    assert_ok(&api.get(&format!("/chatrooms/{id}/users")).await)["data"].clone()
}

async fn join(c: &WsClient, id: &str) -> Value {
    c.request("join", json!({ "chatroom": id }))
        .await
        .expect("join reply")
}

async fn say(c: &WsClient, id: &str, text: &str) -> Value {
    c.request(
        "send",
        json!({"chat": "chatroom", "to": id, "body": {"type": "txt", "msg": text}}),
    )
    .await
    .expect("send reply")
}

/// The next message pushed to `c` (events are skipped).
async fn next_message(c: &WsClient) -> Value {
    loop {
        let p = next_push(c).await;
        if p["push"] == json!("message") {
            return p["msg"].clone();
        }
    }
}

#[tokio::test]
async fn rooms_are_created_read_changed_transferred_and_deleted() {
    let s = start(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let id = create(&api, "Alice", &["bob", "alice"]).await;
    let r = room(&api, &id).await;
    assert_eq!(
        (&r["id"], &r["name"], &r["description"], &r["owner"]),
        (&json!(id), &json!("room"), &json!("d"), &json!("alice")),
        "{r}"
    );
    assert_eq!(
        (&r["maxusers"], &r["affiliations_count"], &r["mute"]),
        (&json!(1000), &json!(2), &json!(false)),
        "{r}"
    );
    assert_eq!(
        r["affiliations"],
        json!([{"owner": "alice"}, {"member": "bob"}])
    );

    // Several ids: a missing one is an entry with `error`.
    let got = api.get(&format!("/chatrooms/{id},nosuch")).await;
    let data = assert_ok(&got)["data"]
        .as_array()
        .expect("data list")
        .clone();
    assert_eq!(data.len(), 2);
    assert_eq!(data[1]["id"], json!("nosuch"));
    assert!(data[1]["error"].is_string(), "{}", got.1);

    let r = api
        .put(
            &format!("/chatrooms/{id}"),
            json!({"name": "lobby", "description": "all", "maxusers": 50}),
        )
        .await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"groupname": true, "description": true, "maxusers": true})
    );
    let r = room(&api, &id).await;
    assert_eq!(
        (&r["name"], &r["description"], &r["maxusers"]),
        (&json!("lobby"), &json!("all"), &json!(50))
    );
    let r = api
        .put(
            &format!("/chatrooms/{id}"),
            json!({"name": "x", "public": true}),
        )
        .await;
    assert_error(&r, 400, ILLEGAL);
    assert_eq!(
        r.1["error_description"],
        json!("some of [public] are not valid fields")
    );
    let long = "n".repeat(129);
    assert_error(
        &api.put(&format!("/chatrooms/{id}"), json!({ "name": long }))
            .await,
        400,
        ILLEGAL,
    );

    // Announcement.
    let r = api
        .post(
            &format!("/chatrooms/{id}/announcement"),
            json!({"announcement": "welcome"}),
        )
        .await;
    assert_eq!(assert_ok(&r)["data"], json!({"id": id, "result": true}));
    let r = api.get(&format!("/chatrooms/{id}/announcement")).await;
    assert_eq!(assert_ok(&r)["data"]["announcement"], json!("welcome"));
    assert_error(
        &api.post(
            &format!("/chatrooms/{id}/announcement"),
            json!({"announcement": "a".repeat(513)}),
        )
        .await,
        400,
        ILLEGAL,
    );

    // Transfer: to an existing user only.
    let r = api
        .put(&format!("/chatrooms/{id}"), json!({"newowner": "bob"}))
        .await;
    assert_eq!(assert_ok(&r)["data"], json!({"newowner": true}));
    assert_eq!(room(&api, &id).await["owner"], json!("bob"));
    assert_error(
        &api.put(&format!("/chatrooms/{id}"), json!({"newowner": "ghost"}))
            .await,
        404,
        NOT_FOUND,
    );

    let r = api.delete(&format!("/chatrooms/{id}")).await;
    assert_eq!(assert_ok(&r)["data"], json!({"success": true, "id": id}));
    assert_error(&api.get(&format!("/chatrooms/{id}")).await, 404, NOT_FOUND);
    assert_error(
        &api.delete(&format!("/chatrooms/{id}")).await,
        404,
        NOT_FOUND,
    );
    assert_error(
        &api.put(&format!("/chatrooms/{id}"), json!({"name": "again"}))
            .await,
        404,
        NOT_FOUND,
    );
}

#[tokio::test]
async fn create_checks_its_fields_and_users() {
    let s = start(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let full = json!({"name": "n", "description": "d", "owner": "alice", "members": ["bob"]});
    for field in ["name", "description", "owner"] {
        let mut body = full.clone();
        if let Some(b) = body.as_object_mut() {
            b.remove(field);
        }
        let r = api.post("/chatrooms", body).await;
        assert_error(&r, 400, ILLEGAL);
        assert_eq!(
            r.1["error_description"],
            json!(format!("{field} must be provided"))
        );
    }
    let with = |key: &str, v: Value| {
        let mut b = full.clone();
        b[key] = v;
        b
    };
    for (body, status, error) in [
        (with("owner", json!("ghost")), 404, NOT_FOUND),
        (with("members", json!(["bob", "ghost"])), 404, NOT_FOUND),
        (with("owner", json!("not a name!")), 400, ILLEGAL),
        (with("maxusers", json!(0)), 400, ILLEGAL),
        (with("maxusers", json!(1)), 400, ILLEGAL),
        (with("name", json!("n".repeat(129))), 400, ILLEGAL),
        (with("members", json!("bob")), 400, BAD_BODY),
    ] {
        assert_error(&api.post("/chatrooms", body).await, status, error);
    }
    // Nothing was made by the refused calls.
    let r = api.get("/chatrooms").await;
    assert_eq!(assert_ok(&r)["count"], json!(0), "{}", r.1);
    // Path ids are checked.
    assert_error(&api.get("/chatrooms/bad%20id").await, 400, ILLEGAL);
    let many: Vec<String> = (0..101).map(|i| format!("r{i}")).collect();
    assert_error(
        &api.get(&format!("/chatrooms/{}", many.join(","))).await,
        400,
        ILLEGAL,
    );
    // A user token creates rooms only for a chatroom super admin owning
    // them (the Web SDK's `createChatRoom`).
    let t = user_token(&s, "alice", "pw-alice").await.1["access_token"]
        .as_str()
        .map(String::from);
    assert_error(
        &Api::with_token(&s, t.clone())
            .post("/chatrooms", full)
            .await,
        403,
        FORBIDDEN,
    );
    let bobs = json!({"name": "n", "description": "d", "owner": "bob"});
    assert_error(
        &Api::with_token(&s, t).post("/chatrooms", bobs).await,
        403,
        FORBIDDEN,
    );
}

#[tokio::test]
async fn all_rooms_are_listed_newest_first_by_cursor() {
    let s = start(&["alice"]).await;
    let api = Api::admin(&s).await;
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(create(&api, "alice", &[]).await);
    }
    let deleted = made.remove(2);
    assert_ok(&api.delete(&format!("/chatrooms/{deleted}")).await);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/chatrooms?limit=2&cursor={c}"),
            None => "/chatrooms?limit=2".to_string(),
        };
        let r = api.get(&path).await;
        let body = assert_ok(&r);
        let page = body["data"].as_array().expect("data list");
        assert_eq!(body["count"], json!(page.len()));
        for room in page {
            assert_eq!(
                (&room["owner"], &room["name"], &room["affiliations_count"]),
                (&json!("alice"), &json!("room"), &json!(1)),
                "{room}"
            );
            seen.push(room["id"].as_str().expect("id").to_string());
        }
        match body["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(seen, made, "newest first, each once, the deleted one gone");
    assert_error(&api.get("/chatrooms?cursor=garbage").await, 400, ILLEGAL);
}

#[tokio::test]
async fn members_are_added_listed_by_page_and_removed() {
    let s = start(&["alice", "bob", "carol", "dave", "erin"]).await;
    let api = Api::admin(&s).await;
    let id = create(&api, "alice", &[]).await;
    let r = api
        .post(&format!("/chatrooms/{id}/users/Bob"), json!({}))
        .await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"result": true, "action": "add_member", "id": id, "user": "bob"})
    );
    let again = api
        .post(&format!("/chatrooms/{id}/users/bob"), json!({}))
        .await;
    assert_error(&again, 403, FORBIDDEN);
    assert_error(
        &api.post(&format!("/chatrooms/{id}/users/ghost"), json!({}))
            .await,
        404,
        NOT_FOUND,
    );
    assert_error(
        &api.post("/chatrooms/nosuch/users/bob", json!({})).await,
        404,
        NOT_FOUND,
    );

    let r = api
        .post(
            &format!("/chatrooms/{id}/users"),
            json!({"usernames": ["carol", "dave", "bob"]}),
        )
        .await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"newmembers": ["carol", "dave"], "action": "add_member", "id": id})
    );
    let many: Vec<String> = (0..61).map(|i| format!("u{i}")).collect();
    for body in [json!({"usernames": many}), json!({"usernames": []})] {
        assert_error(
            &api.post(&format!("/chatrooms/{id}/users"), body).await,
            400,
            ILLEGAL,
        );
    }
    assert_error(
        &api.post(
            &format!("/chatrooms/{id}/users"),
            json!({"usernames": ["erin", "ghost"]}),
        )
        .await,
        404,
        NOT_FOUND,
    );

    assert_eq!(
        members(&api, &id).await,
        json!([{"owner": "alice"}, {"member": "bob"}, {"member": "carol"}, {"member": "dave"}])
    );
    let page = |n: u32| format!("/chatrooms/{id}/users?pagenum={n}&pagesize=3");
    let r = api.get(&page(2)).await;
    assert_eq!(
        (&assert_ok(&r)["data"], &r.1["count"]),
        (&json!([{"member": "dave"}]), &json!(1))
    );
    assert_eq!(assert_ok(&api.get(&page(3)).await)["data"], json!([]));

    let r = api.delete(&format!("/chatrooms/{id}/users/bob")).await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"result": true, "action": "remove_member", "user": "bob", "id": id})
    );
    // Not a member: 400 for rooms (Easemob), the owner: 403.
    assert_error(
        &api.delete(&format!("/chatrooms/{id}/users/bob")).await,
        400,
        FORBIDDEN,
    );
    assert_error(
        &api.delete(&format!("/chatrooms/{id}/users/alice")).await,
        403,
        FORBIDDEN,
    );

    // Up to 100 names, taken by the room 60 at a time.
    let mut names: Vec<String> = (0..97).map(|i| format!("x{i}")).collect();
    names.extend(["carol", "bob", "dave"].map(String::from));
    let r = api
        .delete(&format!("/chatrooms/{id}/users/{}", names.join(",")))
        .await;
    let results = assert_ok(&r)["data"].as_array().expect("results").clone();
    assert_eq!(results.len(), 100);
    let removed: Vec<&Value> = results
        .iter()
        .filter(|x| x["result"] == json!(true))
        .collect();
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert_eq!(
        (
            &results[97]["user"],
            &results[97]["result"],
            &results[97]["id"]
        ),
        (&json!("carol"), &json!(true), &json!(id))
    );
    assert!(results[98]["reason"].is_string(), "{}", results[98]);
    assert_eq!(members(&api, &id).await, json!([{"owner": "alice"}]));
    names.push("y".into());
    assert_error(
        &api.delete(&format!("/chatrooms/{id}/users/{}", names.join(",")))
            .await,
        400,
        ILLEGAL,
    );
}

#[tokio::test]
async fn a_full_room_refuses_members() {
    let s = start(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let r = api
        .post(
            "/chatrooms",
            json!({"name": "n", "description": "d", "owner": "alice", "maxusers": 2}),
        )
        .await;
    let id = assert_ok(&r)["data"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_ok(
        &api.post(&format!("/chatrooms/{id}/users/bob"), json!({}))
            .await,
    );
    let r = api
        .post(&format!("/chatrooms/{id}/users/carol"), json!({}))
        .await;
    assert_error(&r, 403, "exceed_limit");
}

#[tokio::test]
async fn admins_are_named_listed_and_revoked() {
    let s = start(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let id = create(&api, "alice", &["bob"]).await;
    let path = format!("/chatrooms/{id}/admin");
    let r = api.post(&path, json!({"newadmin": "bob"})).await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"result": "success", "newadmin": "bob"})
    );
    let r = api.get(&path).await;
    assert_eq!(
        (&assert_ok(&r)["data"], &r.1["count"]),
        (&json!(["bob"]), &json!(1))
    );
    assert_error(
        &api.post(&path, json!({"newadmin": "bob"})).await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post(&path, json!({"newadmin": "carol"})).await,
        400,
        FORBIDDEN,
    );
    assert_error(
        &api.post(&path, json!({"newadmin": "ghost"})).await,
        404,
        NOT_FOUND,
    );
    assert_error(
        &api.post(&path, json!({"newadmin": "alice"})).await,
        403,
        FORBIDDEN,
    );
    assert_error(&api.post(&path, json!({})).await, 400, BAD_BODY);

    let r = api.delete(&format!("{path}/bob")).await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"result": "success", "oldadmin": "bob"})
    );
    assert_eq!(assert_ok(&api.get(&path).await)["data"], json!([]));
    assert_error(&api.delete(&format!("{path}/bob")).await, 400, ILLEGAL);
}

#[tokio::test]
async fn mute_and_mute_all_silence_members_online() {
    let s = start(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let id = create(&api, "alice", &[]).await;
    let bob = s.login("bob", None).await;
    assert_eq!(join(&bob, &id).await["ok"], json!(true));
    assert_eq!(say(&bob, &id, "before").await["ok"], json!(true));

    let r = api
        .post(
            &format!("/chatrooms/{id}/mute"),
            json!({"usernames": ["bob", "alice"], "mute_duration": 60_000}),
        )
        .await;
    let data = assert_ok(&r)["data"].clone();
    assert_eq!(
        (&data[0]["user"], &data[0]["result"]),
        (&json!("bob"), &json!(true)),
        "{data}"
    );
    assert!(data[0]["expire"].as_i64().is_some_and(|e| e > 0), "{data}");
    assert_eq!(
        (&data[1]["user"], &data[1]["result"]),
        (&json!("alice"), &json!(false)),
        "the owner cannot be muted: {data}"
    );
    let r = api.get(&format!("/chatrooms/{id}/mute")).await;
    let list = assert_ok(&r)["data"].clone();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["user"], json!("bob"));
    assert_eq!(code(&say(&bob, &id, "muted").await), 215);

    let r = api.delete(&format!("/chatrooms/{id}/mute/bob,carol")).await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!([{"result": true, "user": "bob"}, {"result": false, "user": "carol"}])
    );
    assert_eq!(
        assert_ok(&api.get(&format!("/chatrooms/{id}/mute")).await)["data"],
        json!([])
    );
    assert_eq!(say(&bob, &id, "free").await["ok"], json!(true));

    // Mute-all does not put anyone on the mute list.
    let r = api.post(&format!("/chatrooms/{id}/ban"), json!({})).await;
    assert_eq!(assert_ok(&r)["data"], json!({"mute": true}));
    assert_eq!(room(&api, &id).await["mute"], json!(true));
    assert_eq!(code(&say(&bob, &id, "all muted").await), 507);
    assert_eq!(
        assert_ok(&api.get(&format!("/chatrooms/{id}/mute")).await)["data"],
        json!([])
    );
    let r = api.delete(&format!("/chatrooms/{id}/ban")).await;
    assert_eq!(assert_ok(&r)["data"], json!({"mute": false}));
    assert_eq!(say(&bob, &id, "again").await["ok"], json!(true));

    assert_error(
        &api.post(
            &format!("/chatrooms/{id}/mute"),
            json!({"usernames": ["bob"], "mute_duration": 0}),
        )
        .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post("/chatrooms/nosuch/ban", json!({})).await,
        404,
        NOT_FOUND,
    );
}

#[tokio::test]
async fn a_blocked_user_is_removed_and_cannot_join() {
    let s = start(&["alice", "bob", "carol", "dave"]).await;
    let api = Api::admin(&s).await;
    let id = create(&api, "alice", &["carol"]).await;
    let bob = s.login("bob", None).await;
    assert_eq!(join(&bob, &id).await["ok"], json!(true));
    assert_eq!(
        members(&api, &id).await,
        json!([{"owner": "alice"}, {"member": "bob"}, {"member": "carol"}])
    );

    let r = api
        .post(&format!("/chatrooms/{id}/blocks/users/bob"), json!({}))
        .await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"result": true, "action": "add_blocks", "user": "bob", "id": id})
    );
    assert_eq!(
        members(&api, &id).await,
        json!([{"owner": "alice"}, {"member": "carol"}])
    );
    // Its device is told.
    loop {
        let p = next_push(&bob).await;
        if p["kind"] == json!("blocked") {
            assert_eq!(
                (&p["push"], &p["chatroom"], &p["user"]),
                (&json!("event"), &json!(id), &json!("bob")),
                "{p}"
            );
            break;
        }
    }
    let r = join(&bob, &id).await;
    assert_eq!(code(&r), 706, "{r}");
    let r = api
        .post(&format!("/chatrooms/{id}/users/bob"), json!({}))
        .await;
    assert_error(&r, 403, FORBIDDEN);
    assert_error(
        &api.post(&format!("/chatrooms/{id}/blocks/users/alice"), json!({}))
            .await,
        403,
        FORBIDDEN,
    );

    let r = api
        .post(
            &format!("/chatrooms/{id}/blocks/users"),
            json!({"usernames": ["carol", "dave", "alice"]}),
        )
        .await;
    let results = assert_ok(&r)["data"].clone();
    let outcome: Vec<(Value, Value)> = results
        .as_array()
        .expect("results")
        .iter()
        .map(|x| (x["user"].clone(), x["result"].clone()))
        .collect();
    assert_eq!(
        outcome,
        vec![
            (json!("carol"), json!(true)),
            (json!("dave"), json!(true)),
            (json!("alice"), json!(false)),
        ]
    );
    let r = api.get(&format!("/chatrooms/{id}/blocks/users")).await;
    assert_eq!(
        (&assert_ok(&r)["data"], &r.1["count"]),
        (&json!(["bob", "carol", "dave"]), &json!(3))
    );

    let r = api
        .delete(&format!("/chatrooms/{id}/blocks/users/bob"))
        .await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"result": true, "action": "remove_blocks", "user": "bob", "id": id})
    );
    assert_eq!(join(&bob, &id).await["ok"], json!(true));
    assert_error(
        &api.delete(&format!("/chatrooms/{id}/blocks/users/bob"))
            .await,
        400,
        ILLEGAL,
    );
    let r = api
        .delete(&format!("/chatrooms/{id}/blocks/users/carol,dave"))
        .await;
    assert_eq!(assert_ok(&r)["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        assert_ok(&api.get(&format!("/chatrooms/{id}/blocks/users")).await)["data"],
        json!([])
    );
}

#[tokio::test]
async fn super_admins_are_added_listed_and_removed() {
    let s = start(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    for u in ["bob", "Alice"] {
        let r = api
            .post("/chatrooms/super_admin", json!({ "superadmin": u }))
            .await;
        assert_eq!(
            assert_ok(&r)["data"],
            json!({"result": "success", "resource": ""})
        );
    }
    assert_error(
        &api.post("/chatrooms/super_admin", json!({"superadmin": "ghost"}))
            .await,
        404,
        NOT_FOUND,
    );
    assert_error(
        &api.post("/chatrooms/super_admin", json!({"superadmin": "bob"}))
            .await,
        400,
        ILLEGAL,
    );
    let r = api.get("/chatrooms/super_admin").await;
    assert_eq!(
        (&assert_ok(&r)["data"], &r.1["count"]),
        (&json!(["alice", "bob"]), &json!(2))
    );
    let r = api.get("/chatrooms/super_admin?pagenum=2&pagesize=1").await;
    assert_eq!(assert_ok(&r)["data"], json!(["bob"]));
    assert_eq!(r.1["params"]["pagenum"], json!(["2"]));

    // A super admin's device may create rooms; others may not.
    let alice = s.login("alice", None).await;
    let made = alice
        .request("chatroom_create", json!({"name": "n", "description": "d"}))
        .await
        .expect("create reply");
    assert_eq!(made["ok"], json!(true), "{made}");
    let carol = s.login("carol", None).await;
    let refused = carol
        .request("chatroom_create", json!({"name": "n", "description": "d"}))
        .await
        .expect("create reply");
    assert_eq!(code(&refused), 701, "{refused}");

    let r = api.delete("/chatrooms/super_admin/alice").await;
    assert_eq!(
        assert_ok(&r)["data"],
        json!({"newSuperAdmin": "alice", "resource": ""})
    );
    assert_eq!(
        assert_ok(&api.get("/chatrooms/super_admin").await)["data"],
        json!(["bob"])
    );
    assert_error(
        &api.delete("/chatrooms/super_admin/alice").await,
        400,
        ILLEGAL,
    );
    let refused = alice
        .request("chatroom_create", json!({"name": "n", "description": "d"}))
        .await
        .expect("create reply");
    assert_eq!(code(&refused), 701, "{refused}");
}

#[tokio::test]
async fn sends_reach_devices_joined_to_the_rooms() {
    let s = start(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let id = create(&api, "alice", &[]).await;
    let other = create(&api, "alice", &[]).await;
    let bob = s.login("bob", None).await;
    assert_eq!(join(&bob, &id).await["ok"], json!(true));
    let carol = s.login("carol", None).await;
    assert_eq!(join(&carol, &other).await["ok"], json!(true));

    let r = api
        .post(
            "/messages/chatrooms",
            json!({"to": [id, other, "nosuch"], "type": "txt", "body": {"msg": "hello room"},
                "ext": {"k": "v"}, "chatroom_msg_level": "high"}),
        )
        .await;
    let data = assert_ok(&r)["data"].clone();
    assert_eq!(data.as_object().map(|d| d.len()), Some(3), "{data}");
    assert!(
        data["nosuch"].is_string(),
        "a missing room is accepted: {data}"
    );
    for (c, room) in [(&bob, &id), (&carol, &other)] {
        let m = next_message(c).await;
        assert_eq!(
            (&m["chat"], &m["from"], &m["to"], &m["msg_id"]),
            (
                &json!("chatroom"),
                &json!("admin"),
                &json!(room),
                &data[room.as_str()]
            ),
            "{m}"
        );
        assert_eq!(m["body"], json!({"type": "txt", "msg": "hello room"}));
        assert_eq!(m["ext"], json!({"k": "v"}));
    }

    // The legacy form, as anyone, with msg ids.
    let r = api
        .post(
            "/messages?useMsgId=true",
            json!({"target_type": "chatrooms", "target": [id], "from": "carol",
                "msg": {"type": "txt", "msg": "legacy"}, "chatroom_msg_level": "low"}),
        )
        .await;
    let sent = assert_ok(&r)["data"][id.as_str()].clone();
    let m = next_message(&bob).await;
    assert_eq!(
        (&m["from"], &m["body"]["msg"], &m["msg_id"]),
        (&json!("carol"), &json!("legacy"), &sent),
        "{m}"
    );

    let base = json!({"to": [id], "type": "txt", "body": {"msg": "x"}});
    let with = |key: &str, v: Value| {
        let mut b = base.clone();
        b[key] = v;
        b
    };
    let eleven: Vec<String> = (0..11).map(|i| format!("r{i}")).collect();
    for body in [
        with("to", json!([])),
        with("to", json!(eleven)),
        with("chatroom_msg_level", json!("urgent")),
        with("from", json!("")),
        with("ext", json!(5)),
        with("to", json!(["bad id"])),
    ] {
        assert_error(
            &api.post("/messages/chatrooms", body).await,
            400,
            SEND_ERROR,
        );
    }
    assert_error(
        &api.post("/messages/chatrooms", with("to", json!("r1")))
            .await,
        400,
        BAD_BODY,
    );
}
