//! The REST calls the Web SDK makes as its user (with the user's token,
//! the one `open` got), driven through the SDK itself: conversation lists,
//! roaming history, attachments up and down, presence, user attributes,
//! contacts and block lists, the user's groups, its other devices and its
//! token's expiry. Another user's token is refused.

use super::Fixture;
use serde_json::{json, Value};

/// The ids of the messages a roaming page holds, in its order.
fn ids(page: &Value) -> Vec<String> {
    page["messages"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| m["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn conversation_lists_and_roaming_history_come_over_rest_with_the_users_token() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(sdk.text("a", "bob", &format!("m{i}")).await);
    }
    sdk.message("b", |m| m["msg"] == "m4").await;
    let reply = sdk.text("b", "alice", "reply").await;
    sdk.message("a", |m| m["msg"] == "reply").await;

    // The modern list: one conversation, its last message parsed by the SDK.
    let r = sdk
        .api_ok(
            "a",
            "getServerConversations",
            json!([{"pageSize": 20, "cursor": ""}]),
        )
        .await;
    let convs = r["data"]["conversations"]
        .as_array()
        .expect("conversations");
    assert_eq!(convs.len(), 1, "{r}");
    let c = &convs[0];
    assert_eq!(c["conversationId"], "bob");
    assert_eq!(c["conversationType"], "singleChat");
    assert_eq!(c["unReadCount"], 1, "bob's reply is unread: {c}");
    assert_eq!(c["lastMessage"]["id"], reply.as_str());
    assert_eq!(c["lastMessage"]["type"], "txt");
    assert_eq!(c["lastMessage"]["msg"], "reply");
    assert_eq!(c["lastMessage"]["from"], "bob");
    assert_eq!(c["lastMessage"]["chatType"], "singleChat");
    assert_eq!(r["data"]["cursor"], "");

    // The older list keeps Easemob's raw channel records.
    let r = sdk.api_ok("b", "getConversationlist", json!([])).await;
    let infos = r["data"]["channel_infos"]
        .as_array()
        .expect("channel_infos");
    assert_eq!(infos.len(), 1, "{r}");
    assert_eq!(infos[0]["session_to"], "alice");
    assert_eq!(infos[0]["unread_num"], 0, "bob answered: {r}");
    assert_eq!(infos[0]["lastMessage"]["msg"], "reply");

    // Roaming history, newest first, in pages that neither overlap nor skip.
    let all: Vec<String> = std::iter::once(reply.clone())
        .chain(sent.iter().rev().cloned())
        .collect();
    let mut got = Vec::new();
    let mut cursor = json!(-1);
    for _ in 0..5 {
        let page = sdk
            .api_ok(
                "b",
                "getHistoryMessages",
                json!([{"targetId": "alice", "chatType": "singleChat", "pageSize": 4, "cursor": cursor}]),
            )
            .await;
        got.extend(ids(&page));
        if page["isLast"] == true {
            break;
        }
        cursor = page["cursor"].clone();
    }
    assert_eq!(got, all, "every message once, newest first");
    let page = sdk
        .api_ok(
            "b",
            "getHistoryMessages",
            json!([{"targetId": "alice", "chatType": "singleChat", "pageSize": 1}]),
        )
        .await;
    let m = &page["messages"][0];
    assert_eq!(
        (
            m["type"].clone(),
            m["msg"].clone(),
            m["from"].clone(),
            m["to"].clone()
        ),
        (json!("txt"), json!("reply"), json!("bob"), json!("alice")),
        "{page}"
    );
    // Search options filter what is read.
    let page = sdk
        .api_ok(
            "b",
            "getHistoryMessages",
            json!([{"targetId": "alice", "chatType": "singleChat", "pageSize": 10,
                "searchOptions": {"msgTypes": ["img"]}}]),
        )
        .await;
    assert_eq!(ids(&page), Vec::<String>::new());
    assert_eq!(page["isLast"], true, "{page}");

    // Deleting the conversation (with its history) for bob only.
    sdk.api_ok(
        "b",
        "deleteConversation",
        json!([{"channel": "alice", "chatType": "singleChat", "deleteRoam": true}]),
    )
    .await;
    let r = sdk
        .api_ok("b", "getServerConversations", json!([{"pageSize": 20}]))
        .await;
    assert_eq!(r["data"]["conversations"], json!([]), "{r}");
    let r = sdk
        .api_ok("a", "getServerConversations", json!([{"pageSize": 20}]))
        .await;
    assert_eq!(r["data"]["conversations"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn group_history_and_the_users_groups_come_over_rest() {
    let f = Fixture::start(&["alice", "bob", "carol"]).await;
    let (status, r) = f
        .rest(
            reqwest::Method::POST,
            "/chatgroups",
            Some(
                json!({"owner": "alice", "public": false, "groupname": "team", "members": ["bob"]}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let group = r["data"]["groupid"].as_str().expect("group id").to_string();
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    sdk.login("c", "carol").await;
    let r = sdk
        .send(
            "b",
            json!({"type": "txt", "chatType": "groupChat", "to": group, "msg": "hello team"}),
        )
        .await;
    assert_eq!(r["ok"], true, "{r}");
    sdk.message("a", |m| m["msg"] == "hello team").await;

    let page = sdk
        .api_ok(
            "a",
            "getHistoryMessages",
            json!([{"targetId": group, "chatType": "groupChat", "pageSize": 10}]),
        )
        .await;
    let m = &page["messages"][0];
    assert_eq!(m["msg"], "hello team", "{page}");
    assert_eq!(m["chatType"], "groupChat");
    assert_eq!(m["from"], "bob");
    let r = sdk
        .api_ok("a", "getServerConversations", json!([{"pageSize": 20}]))
        .await;
    let c = &r["data"]["conversations"][0];
    assert_eq!(
        (c["conversationId"].clone(), c["conversationType"].clone()),
        (json!(group), json!("groupChat")),
        "{r}"
    );
    assert_eq!(c["unReadCount"], 1);

    // The user's groups and a group's details.
    let r = sdk
        .api_ok(
            "a",
            "getJoinedGroups",
            json!([{"pageNum": 0, "pageSize": 20}]),
        )
        .await;
    assert_eq!(
        r["data"],
        json!([{"groupid": group, "groupname": "team", "disabled": false, "role": "owner"}]),
        "{r}"
    );
    let r = sdk
        .api_ok("b", "getGroupInfo", json!([{"groupId": group}]))
        .await;
    assert_eq!(r["data"][0]["name"], "team", "{r}");
    // A non-member reads neither its history nor a private group's details.
    let r = sdk
        .api(
            "c",
            "getHistoryMessages",
            json!([{"targetId": group, "chatType": "groupChat"}]),
        )
        .await;
    assert_eq!(r["ok"], false, "{r}");
    let r = sdk
        .api("c", "getGroupInfo", json!([{"groupId": group}]))
        .await;
    assert_eq!(r["ok"], false, "{r}");
}

#[tokio::test]
async fn an_attachment_goes_up_and_comes_down_through_the_sdk() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    let bytes: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let r = sdk
        .call(json!({"cmd": "send", "conn": "a",
            "msg": {"type": "file", "chatType": "singleChat", "to": "bob", "filename": "data.bin"},
            "file": {"base64": b64, "name": "data.bin", "mime": "application/octet-stream"}}))
        .await;
    assert_eq!(r["ok"], true, "the SDK uploads and sends: {r}");
    let got = sdk.message("b", |m| m["type"] == "file").await;
    assert_eq!(got["filename"], "data.bin", "{got}");
    assert_eq!(got["file_length"], 3000);
    let url = got["url"].as_str().expect("url").to_string();
    assert!(url.contains("/demo/chat/chatfiles/"), "{url}");
    let secret = got["secret"].as_str().unwrap_or_default().to_string();
    assert!(!secret.is_empty(), "the upload is restricted: {got}");
    let r = sdk
        .call(json!({"cmd": "download", "conn": "b", "url": url, "secret": secret}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["result"]["base64"], b64.as_str());
    // Without the secret the file is not given out.
    let r = sdk
        .call(json!({"cmd": "download", "conn": "b", "url": url.split('?').next().unwrap_or_default(), "secret": "wrong"}))
        .await;
    assert_eq!(r["ok"], false, "{r}");
}

#[tokio::test]
async fn presence_and_user_attributes_come_over_rest() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    sdk.api_ok(
        "a",
        "publishPresence",
        json!([{"description": "in a meeting"}]),
    )
    .await;
    let r = sdk
        .api_ok(
            "b",
            "subscribePresence",
            json!([{"usernames": ["alice"], "expiry": 3600}]),
        )
        .await;
    let item = &r["data"]["result"][0];
    assert_eq!(item["uid"], "alice", "{r}");
    assert_eq!(item["ext"], "in a meeting");
    assert!(item["expiry"].as_i64().is_some_and(|e| e > 0), "{r}");
    let statuses = item["status"].as_object().expect("status");
    assert_eq!(statuses.values().next(), Some(&json!("1")), "{r}");
    let r = sdk
        .api_ok("b", "getPresenceStatus", json!([{"usernames": ["alice"]}]))
        .await;
    assert_eq!(r["data"]["result"][0]["ext"], "in a meeting", "{r}");
    // A change after the subscription reaches the subscriber's SDK.
    sdk.api_ok("a", "publishPresence", json!([{"description": "back"}]))
        .await;
    let change = sdk
        .event("b", "onPresenceStatusChange", |c| c[0]["ext"] == "back")
        .await;
    assert_eq!(change[0]["userId"], "alice", "{change}");
    assert!(
        change[0]["statusDetails"]
            .as_array()
            .is_some_and(|d| !d.is_empty()),
        "{change}"
    );
    let r = sdk
        .api_ok(
            "b",
            "getSubscribedPresenceList",
            json!([{"pageNum": 1, "pageSize": 10}]),
        )
        .await;
    assert_eq!(r["data"]["result"]["totalnum"], 1, "{r}");
    sdk.api_ok(
        "b",
        "unsubscribePresence",
        json!([{"usernames": ["alice"]}]),
    )
    .await;
    let r = sdk
        .api_ok(
            "b",
            "getSubscribedPresenceList",
            json!([{"pageNum": 1, "pageSize": 10}]),
        )
        .await;
    assert_eq!(r["data"]["result"]["totalnum"], 0, "{r}");

    sdk.api_ok(
        "a",
        "updateUserInfo",
        json!([{"nickname": "Alice A.", "avatarurl": "http://img.example/a.png", "gender": 2}]),
    )
    .await;
    let r = sdk
        .api_ok(
            "b",
            "fetchUserInfoById",
            json!(["alice", ["nickname", "gender"]]),
        )
        .await;
    assert_eq!(
        r["data"]["alice"],
        json!({"nickname": "Alice A.", "gender": "2"}),
        "{r}"
    );
}

#[tokio::test]
async fn contacts_and_the_block_list_come_over_rest() {
    let f = Fixture::start(&["alice", "bob", "carol"]).await;
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    sdk.api_ok("a", "addContact", json!(["bob", "let us talk"]))
        .await;
    sdk.api_ok("b", "acceptContactInvite", json!(["alice"]))
        .await;
    let r = sdk.api_ok("a", "getAllContacts", json!([])).await;
    assert_eq!(r["data"], json!([{"userId": "bob", "remark": ""}]), "{r}");
    sdk.api_ok(
        "a",
        "setContactRemark",
        json!([{"userId": "bob", "remark": "Bobby"}]),
    )
    .await;
    let r = sdk
        .api_ok("a", "getContactsWithCursor", json!([{"pageSize": 10}]))
        .await;
    assert_eq!(
        r["data"],
        json!({"cursor": "", "contacts": [{"userId": "bob", "remark": "Bobby"}]}),
        "{r}"
    );
    let r = sdk.api_ok("b", "getContacts", json!([])).await;
    assert_eq!(r["data"], json!(["alice"]), "{r}");
    sdk.api_ok("b", "deleteContact", json!(["alice"])).await;
    let r = sdk.api_ok("a", "getContacts", json!([])).await;
    assert_eq!(
        r["data"],
        json!([]),
        "friends both ways, gone both ways: {r}"
    );

    // A declined request makes no friends.
    sdk.api_ok("a", "addContact", json!(["bob", ""])).await;
    sdk.api_ok("b", "declineContactInvite", json!(["alice"]))
        .await;
    let r = sdk.api_ok("b", "getContacts", json!([])).await;
    assert_eq!(r["data"], json!([]), "{r}");

    let r = sdk
        .api_ok(
            "a",
            "addUsersToBlocklist",
            json!([{"name": ["bob", "carol"]}]),
        )
        .await;
    assert_eq!(r["data"]["userIds"], json!(["bob", "carol"]), "{r}");
    let r = sdk.api_ok("a", "getBlocklist", json!([])).await;
    let mut blocked: Vec<String> = r["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    blocked.sort();
    assert_eq!(blocked, ["bob", "carol"], "{r}");
    let r = sdk
        .send(
            "b",
            json!({"type": "txt", "chatType": "singleChat", "to": "alice", "msg": "blocked?"}),
        )
        .await;
    assert_eq!(r["ok"], false, "bob is blocked: {r}");
    sdk.api_ok("a", "removeUserFromBlocklist", json!([{"name": "bob"}]))
        .await;
    let r = sdk.api_ok("a", "getBlocklist", json!([])).await;
    assert_eq!(r["data"], json!(["carol"]), "{r}");
    sdk.text("b", "alice", "unblocked").await;
}

#[tokio::test]
async fn the_users_other_devices_and_its_tokens_expiry_come_over_rest() {
    let f = Fixture::start(&["alice"]).await;
    let sdk = &f.sdk;
    let mut open = json!({"cmd": "open", "conn": "a1", "appKey": "demo#chat", "api": f.server.base(),
        "url": format!("ws://{}/websocket", f.server.addr), "user": "alice", "pwd": "pw-alice",
        "fixedDevice": false});
    let r = sdk.call(open.clone()).await;
    assert_eq!(r["ok"], true, "{r}");
    open["conn"] = json!("a2");
    let r = sdk.call(open).await;
    assert_eq!(r["ok"], true, "{r}");
    let r = sdk
        .api_ok("a1", "getSelfIdsOnOtherPlatform", json!([]))
        .await;
    let others = r["data"].as_array().expect("list");
    assert_eq!(others.len(), 1, "the other device only: {r}");
    assert!(
        others[0].as_str().is_some_and(|s| s.starts_with("alice/")),
        "{r}"
    );
    let token = f.user_token("alice").await;
    let r = sdk.api_ok("a1", "renewToken", json!([token])).await;
    assert_eq!(r["status"], true, "{r}");
    let expire = r["expire"].as_i64().unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    assert!(expire > now + 3_600_000, "a week ahead, in ms: {r}");
}

#[tokio::test]
async fn a_user_token_acts_only_for_its_user_and_not_after_a_password_change() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let alice = f.user_token("alice").await;
    let bob = f.user_token("bob").await;
    let call = |token: String, method: reqwest::Method, path: &'static str, body: Option<Value>| {
        let (http, base) = (f.http.clone(), f.server.base());
        async move { crate::common::rest(&http, &base, &token, method, path, body).await }
    };
    let roaming = json!({"queue": "bob@easemob.com", "start": -1, "pull_number": 5});
    for (method, path, body) in [
        (
            reqwest::Method::POST,
            "/users/alice/messageroaming",
            Some(roaming.clone()),
        ),
        (
            reqwest::Method::GET,
            "/sdk/user/alice/user_channels/list",
            None,
        ),
        (reqwest::Method::GET, "/users/alice/contacts/users", None),
        (reqwest::Method::GET, "/users/alice/blocks/users", None),
        (reqwest::Method::GET, "/metadata/user/alice", None),
        (reqwest::Method::GET, "/users/alice/presence/sublist", None),
        (reqwest::Method::GET, "/users/alice/joined_chatgroups", None),
        (reqwest::Method::GET, "/users/alice/resources", None),
    ] {
        let (status, r) = call(alice.clone(), method.clone(), path, body.clone()).await;
        assert_eq!(status, 200, "alice's own {path}: {r}");
        let (status, r) = call(bob.clone(), method.clone(), path, body.clone()).await;
        assert_eq!(status, 403, "bob's token on alice's {path}: {r}");
        assert_eq!(r["error"], "forbidden_op", "{r}");
        let (status, r) = call(f.token.clone(), method, path, body).await;
        assert_eq!(status, 200, "the app's token on {path}: {r}");
    }
    // Endpoints of the app server's stay closed to user tokens.
    let (status, r) = call(alice.clone(), reqwest::Method::GET, "/users", None).await;
    assert_eq!(status, 401, "{r}");
    // A password change revokes the user's tokens on REST too.
    let (status, r) = f
        .rest(
            reqwest::Method::PUT,
            "/users/alice/password",
            Some(json!({"newpassword": "new-pw"})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (status, r) = call(alice, reqwest::Method::GET, "/metadata/user/alice", None).await;
    assert_eq!(status, 401, "{r}");
}

#[tokio::test]
async fn sdk_users_manage_a_group_over_rest_within_their_roles() {
    let f = Fixture::start(&["alice", "bob", "carol", "dave"]).await;
    let sdk = &f.sdk;
    for u in ["alice", "bob", "carol", "dave"] {
        sdk.login(&u[..1], u).await;
    }
    let r = sdk
        .api_ok(
            "a",
            "createGroupVNext",
            json!([{"groupName": "team", "description": "d", "members": ["bob"], "isPublic": false,
                "needApprovalToJoin": true, "allowMemberToInvite": false, "maxMemberCount": 50}]),
        )
        .await;
    let group = r["data"]["groupId"].as_str().expect("group id").to_string();
    let g = json!(group);

    // An invitation, answered by the invitee; a request, decided by the owner.
    sdk.api_ok(
        "a",
        "inviteUsersToGroup",
        json!([{"groupId": g, "users": ["carol"]}]),
    )
    .await;
    sdk.api_ok(
        "c",
        "acceptGroupInvite",
        json!([{"groupId": g, "invitee": "carol"}]),
    )
    .await;
    sdk.api_ok(
        "d",
        "joinGroup",
        json!([{"groupId": g, "message": "let me in"}]),
    )
    .await;
    sdk.api_ok(
        "a",
        "acceptGroupJoinRequest",
        json!([{"groupId": g, "applicant": "dave"}]),
    )
    .await;
    let r = sdk
        .api_ok(
            "b",
            "listGroupMembers",
            json!([{"groupId": g, "pageNum": 1, "pageSize": 20}]),
        )
        .await;
    let members: Vec<&Value> = r["data"].as_array().expect("members").iter().collect();
    assert_eq!(members.len(), 4, "{r}");
    assert_eq!(members[0], &json!({"owner": "alice"}));

    // The owner makes bob an admin; an admin mutes and announces.
    sdk.api_ok(
        "a",
        "setGroupAdmin",
        json!([{"groupId": g, "username": "bob"}]),
    )
    .await;
    let r = sdk
        .api_ok("c", "getGroupAdmin", json!([{"groupId": g}]))
        .await;
    assert_eq!(r["data"], json!(["bob"]), "{r}");
    sdk.api_ok(
        "b",
        "muteGroupMember",
        json!([{"groupId": g, "username": "carol", "muteDuration": 60000}]),
    )
    .await;
    let r = sdk
        .api_ok("b", "getGroupMuteList", json!([{"groupId": g}]))
        .await;
    assert_eq!(r["data"][0]["user"], "carol", "{r}");
    let r = sdk
        .send(
            "c",
            json!({"type": "txt", "chatType": "groupChat", "to": group, "msg": "muted?"}),
        )
        .await;
    assert_eq!(r["ok"], false, "carol is muted: {r}");
    sdk.api_ok(
        "b",
        "updateGroupAnnouncement",
        json!([{"groupId": g, "announcement": "standup at 10"}]),
    )
    .await;
    let r = sdk
        .api_ok("d", "fetchGroupAnnouncement", json!([{"groupId": g}]))
        .await;
    assert_eq!(r["data"]["announcement"], "standup at 10", "{r}");

    // A member may not remove another; an admin may.
    let r = sdk
        .api(
            "d",
            "removeGroupMember",
            json!([{"groupId": g, "username": "carol"}]),
        )
        .await;
    assert_eq!(r["ok"], false, "{r}");
    sdk.api_ok(
        "b",
        "removeGroupMember",
        json!([{"groupId": g, "username": "dave"}]),
    )
    .await;
    sdk.api_ok("c", "leaveGroup", json!([{"groupId": g}])).await;
    let r = sdk
        .api_ok(
            "c",
            "getJoinedGroups",
            json!([{"pageNum": 0, "pageSize": 20}]),
        )
        .await;
    assert_eq!(r["data"], json!([]), "{r}");

    // Only the owner changes the settings it owns and dismisses the group.
    sdk.api_ok(
        "a",
        "modifyGroup",
        json!([{"groupId": g, "groupName": "team 2"}]),
    )
    .await;
    let r = sdk
        .api_ok("b", "getGroupInfo", json!([{"groupId": g}]))
        .await;
    assert_eq!(r["data"][0]["name"], "team 2", "{r}");
    let r = sdk.api("b", "destroyGroup", json!([{"groupId": g}])).await;
    assert_eq!(r["ok"], false, "an admin does not dismiss: {r}");
    sdk.api_ok("a", "destroyGroup", json!([{"groupId": g}]))
        .await;
    let r = sdk
        .api_ok(
            "b",
            "getJoinedGroups",
            json!([{"pageNum": 0, "pageSize": 20}]),
        )
        .await;
    assert_eq!(r["data"], json!([]), "{r}");
}

#[tokio::test]
async fn a_chatroom_super_admin_makes_and_runs_a_room_through_the_sdk() {
    let f = Fixture::start(&["alice", "bob"]).await;
    let (status, r) = f
        .rest(
            reqwest::Method::POST,
            "/chatrooms/super_admin",
            Some(json!({"superadmin": "alice"})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let sdk = &f.sdk;
    sdk.login("a", "alice").await;
    sdk.login("b", "bob").await;
    let r = sdk
        .api(
            "b",
            "createChatRoom",
            json!([{"name": "bobs", "description": "d", "maxusers": 10}]),
        )
        .await;
    assert_eq!(r["ok"], false, "bob is no super admin: {r}");
    let r = sdk
        .api_ok(
            "a",
            "createChatRoom",
            json!([{"name": "lobby", "description": "d", "maxusers": 10}]),
        )
        .await;
    let room = r["data"]["id"].as_str().expect("room id").to_string();
    let r = sdk
        .api_ok("b", "getChatRooms", json!([{"pagenum": 1, "pagesize": 20}]))
        .await;
    assert_eq!(r["data"][0]["id"], room.as_str(), "{r}");
    let r = sdk
        .call(json!({"cmd": "joinRoom", "conn": "b", "room": room}))
        .await;
    assert_eq!(r["ok"], true, "{r}");
    let r = sdk
        .api_ok("b", "getChatRoomDetails", json!([{"chatRoomId": room}]))
        .await;
    assert_eq!(r["data"][0]["name"], "lobby", "{r}");
    let r = sdk
        .api(
            "b",
            "modifyChatRoom",
            json!([{"chatRoomId": room, "chatRoomName": "mine"}]),
        )
        .await;
    assert_eq!(r["ok"], false, "a member does not rename: {r}");
    sdk.api_ok(
        "a",
        "modifyChatRoom",
        json!([{"chatRoomId": room, "chatRoomName": "hall"}]),
    )
    .await;
    sdk.api_ok(
        "a",
        "muteChatRoomMember",
        json!([{"chatRoomId": room, "username": "bob", "muteDuration": 60000}]),
    )
    .await;
    let r = sdk
        .send(
            "b",
            json!({"type": "txt", "chatType": "chatRoom", "to": room, "msg": "muted?"}),
        )
        .await;
    assert_eq!(r["ok"], false, "bob is muted: {r}");
    sdk.api_ok("a", "destroyChatRoom", json!([{"chatRoomId": room}]))
        .await;
    let r = sdk
        .api_ok("b", "getChatRooms", json!([{"pagenum": 1, "pagesize": 20}]))
        .await;
    assert_eq!(r["data"], json!([]), "{r}");
}
