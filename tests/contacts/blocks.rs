//! Block lists: a blocked sender gets 210 and nothing is delivered or
//! stored for the blocker, over the socket and REST; the REST list pages
//! newest first; the list is bounded.

use super::*;
use crate::common::rest;
use reqwest::Method;

#[tokio::test]
async fn a_blocked_sender_gets_210_and_the_blocker_gets_nothing() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    assert_eq!(
        code(&alice.send_text("bob", "before", None).await.unwrap()),
        0
    );
    ok(&bob, "block", json!({"user": "alice"})).await;
    assert_eq!(
        ok(&bob, "blocks", json!({})).await["users"],
        json!(["alice"])
    );

    let refused = alice.send_text("bob", "let me in", None).await.unwrap();
    assert_eq!(code(&refused), 210, "{refused}");
    assert_eq!(
        code_of(&alice, "contact_add", json!({"user": "bob"})).await,
        210
    );
    // REST sends honour the block list too.
    let (http, base, token) = (s.http(), s.url(""), s.app_token().await);
    let via_rest = rest(
        http,
        &base,
        &token,
        Method::POST,
        "/messages/users",
        Some(json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": "via rest"}})),
    )
    .await;
    assert_eq!(
        (via_rest.0, &via_rest.1["error"]),
        (403, &json!("forbidden_op")),
        "{}",
        via_rest.1
    );

    // Nothing reached bob: his timeline and his history hold only the
    // message from before.
    let (synced, _) = bob.sync_all(0).await.unwrap();
    let texts: Vec<&str> = synced
        .iter()
        .filter_map(|m| m["body"]["msg"].as_str())
        .collect();
    assert_eq!(texts, vec!["before"]);
    let history = ok(&bob, "history", json!({"chat": "single", "with": "alice"})).await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
    // Nor kept on alice's side: the refused send left no copy.
    let mine = ok(&alice, "history", json!({"chat": "single", "with": "bob"})).await;
    assert_eq!(mine["messages"].as_array().unwrap().len(), 1);

    ok(&bob, "unblock", json!({"user": "alice"})).await;
    assert_eq!(
        code(&alice.send_text("bob", "after", None).await.unwrap()),
        0
    );
    bob.push_where("alice's message after unblock", |p| {
        p["push"] == json!("message") && p["msg"]["body"]["msg"] == json!("after")
    })
    .await;
}

#[tokio::test]
async fn the_rest_block_list_pages_newest_first_and_is_bounded() {
    let s = TestServer::start_manual(|_| {}).await;
    let names: Vec<String> = (0..501).map(|i| format!("u{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut all = vec!["owner"];
    all.extend(&refs);
    s.create_users(&all).await;
    let (http, base, token) = (s.http(), s.url(""), s.app_token().await);
    for u in ["u000", "u001", "u002"] {
        let r = rest(
            http,
            &base,
            &token,
            Method::POST,
            "/users/owner/blocks/users",
            Some(json!({"usernames": [u]})),
        )
        .await;
        assert_eq!((r.0, &r.1["data"]), (200, &json!([u])), "{}", r.1);
        s.clock.advance(std::time::Duration::from_secs(1));
    }
    let all = rest(
        http,
        &base,
        &token,
        Method::GET,
        "/users/owner/blocks/users",
        None,
    )
    .await;
    assert_eq!(all.1["data"], json!(["u002", "u001", "u000"]));
    let page = rest(
        http,
        &base,
        &token,
        Method::GET,
        "/users/owner/blocks/users?pageSize=2",
        None,
    )
    .await;
    assert_eq!(page.1["data"], json!(["u002", "u001"]));
    let cursor = page.1["cursor"].as_str().unwrap().to_string();
    let next = rest(
        http,
        &base,
        &token,
        Method::GET,
        &format!("/users/owner/blocks/users?pageSize=2&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(next.1["data"], json!(["u000"]));
    let gone = rest(
        http,
        &base,
        &token,
        Method::DELETE,
        "/users/owner/blocks/users/u001",
        None,
    )
    .await;
    assert_eq!(
        (gone.0, &gone.1["entities"][0]["username"]),
        (200, &json!("u001"))
    );
    let missing = rest(
        http,
        &base,
        &token,
        Method::POST,
        "/users/owner/blocks/users",
        Some(json!({"usernames": ["ghost"]})),
    )
    .await;
    assert_eq!(missing.0, 404);

    // 500 at most: filling it works, the 501st is refused and changes
    // nothing.
    for chunk in refs[3..500].chunks(100) {
        let r = rest(
            http,
            &base,
            &token,
            Method::POST,
            "/users/owner/blocks/users",
            Some(json!({ "usernames": chunk })),
        )
        .await;
        assert_eq!(r.0, 200, "{}", r.1);
    }
    let over = rest(
        http,
        &base,
        &token,
        Method::POST,
        "/users/owner/blocks/users",
        Some(json!({"usernames": ["u001", "u500"]})),
    )
    .await;
    assert_eq!(
        (over.0, &over.1["error"]),
        (403, &json!("exceed_limit")),
        "{}",
        over.1
    );
    let count = rest(
        http,
        &base,
        &token,
        Method::GET,
        "/users/owner/blocks/users",
        None,
    )
    .await;
    assert_eq!(count.1["count"], json!(499));
}
