//! Contacts over REST (C1–C6): friendships made by the app server on both
//! sides, lists, remarks and imports.

use super::*;
use crate::common::rest;
use reqwest::Method;

#[tokio::test]
async fn the_app_server_makes_friends_lists_them_and_ends_it_on_both_sides() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol", "dave"]).await;
    friend_check_on(&s).await;
    let (http, base, token) = (s.http(), s.url(""), s.app_token().await);
    let alice = s.login("alice", None).await;

    let added = rest(
        http,
        &base,
        &token,
        Method::POST,
        "/users/bob/contacts/users/alice",
        None,
    )
    .await;
    assert_eq!(added.0, 200, "{}", added.1);
    assert_eq!(added.1["entities"][0]["username"], json!("alice"));
    contact_push(&alice, "accepted", "bob").await;
    assert_eq!(
        code(
            &alice
                .send_text("bob", "thanks to the app", None)
                .await
                .unwrap()
        ),
        0
    );
    for f in ["carol", "dave"] {
        let path = format!("/users/bob/contacts/users/{f}");
        assert_eq!(
            rest(http, &base, &token, Method::POST, &path, None).await.0,
            200
        );
    }
    let all = rest(
        http,
        &base,
        &token,
        Method::GET,
        "/users/bob/contacts/users",
        None,
    )
    .await;
    assert_eq!(all.1["data"], json!(["alice", "carol", "dave"]));
    assert_eq!(all.1["count"], json!(3));
    let carol_side = rest(
        http,
        &base,
        &token,
        Method::GET,
        "/users/carol/contacts/users",
        None,
    )
    .await;
    assert_eq!(carol_side.1["data"], json!(["bob"]));

    // C5 remarks, then C4 pages of two with them.
    let remark = rest(
        http,
        &base,
        &token,
        Method::PUT,
        "/user/bob/contacts/users/carol",
        Some(json!({"remark": "Carol from work"})),
    )
    .await;
    assert_eq!(
        (remark.0, &remark.1["status"]),
        (200, &json!("ok")),
        "{}",
        remark.1
    );
    let not_friend = rest(
        http,
        &base,
        &token,
        Method::PUT,
        "/user/alice/contacts/users/dave",
        Some(json!({"remark": "x"})),
    )
    .await;
    assert_eq!(not_friend.0, 400);
    assert!(not_friend.1["error_description"]
        .as_str()
        .unwrap()
        .contains("they are not friends"));
    let first = rest(
        http,
        &base,
        &token,
        Method::GET,
        "/user/bob/contacts?limit=2&needReturnRemark=true",
        None,
    )
    .await;
    assert_eq!(
        first.1["data"]["contacts"],
        json!([{"username": "alice", "remark": ""}, {"username": "carol", "remark": "Carol from work"}])
    );
    let cursor = first.1["cursor"].as_str().expect("a cursor").to_string();
    let second = rest(
        http,
        &base,
        &token,
        Method::GET,
        &format!("/user/bob/contacts?limit=2&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(second.1["data"]["contacts"], json!([{"username": "dave"}]));
    assert!(second.1.get("cursor").is_none(), "{}", second.1);
    let too_big = rest(
        http,
        &base,
        &token,
        Method::GET,
        "/user/bob/contacts?limit=51",
        None,
    )
    .await;
    assert_eq!(too_big.0, 400);
    assert_eq!(
        too_big.1["error_description"],
        json!("page size more than max limit : 50")
    );

    // C2 ends it on both sides.
    let removed = rest(
        http,
        &base,
        &token,
        Method::DELETE,
        "/users/bob/contacts/users/alice",
        None,
    )
    .await;
    assert_eq!(removed.0, 200);
    contact_push(&alice, "removed", "bob").await;
    assert_eq!(
        code(&alice.send_text("bob", "still there?", None).await.unwrap()),
        221
    );
    let alice_side = rest(
        http,
        &base,
        &token,
        Method::GET,
        "/users/alice/contacts/users",
        None,
    )
    .await;
    assert_eq!(alice_side.1["data"], json!([]));

    // Unknown users: 404.
    let missing = rest(
        http,
        &base,
        &token,
        Method::POST,
        "/users/bob/contacts/users/nobody",
        None,
    )
    .await;
    assert_eq!(
        (missing.0, &missing.1["error"]),
        (404, &json!("service_resource_not_found"))
    );
    let missing_owner = rest(
        http,
        &base,
        &token,
        Method::POST,
        "/users/nobody/contacts/users/bob",
        None,
    )
    .await;
    assert_eq!(missing_owner.0, 404);
}

#[tokio::test]
async fn an_import_sorts_each_name_into_its_outcome() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let (http, base, token) = (s.http(), s.url(""), s.app_token().await);
    let r = rest(
        http,
        &base,
        &token,
        Method::POST,
        "/users/alice/contacts/import",
        Some(json!({"usernames": ["bob", "ghost", "carol"]})),
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["data"]["success"], json!(["bob", "carol"]));
    assert_eq!(r.1["data"]["NotExistFailed"], json!(["ghost"]));
    let eleven: Vec<String> = (0..11).map(|i| format!("u{i}")).collect();
    let over = rest(
        http,
        &base,
        &token,
        Method::POST,
        "/users/alice/contacts/import",
        Some(json!({ "usernames": eleven })),
    )
    .await;
    assert_eq!(over.0, 400);
    assert_eq!(
        over.1["error_description"],
        json!("request user over flow limit:10.")
    );
}
