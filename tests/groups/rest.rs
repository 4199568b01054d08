//! The REST group API: reads, changes, sends, dismissal, the list of all
//! groups.

use super::*;

#[tokio::test]
async fn rest_reads_and_sends_groups() {
    let c = Ctx::start(&["alice", "bob"]).await;
    let id = c
        .group(
            "alice",
            &["bob"],
            json!({"groupid": "team-1", "groupname": "Team", "description": "d"}),
        )
        .await;
    assert_eq!(id, "team-1");
    let (status, r) = c
        .call(
            reqwest::Method::POST,
            "/chatgroups",
            Some(json!({"groupid": "team-1", "public": true, "owner": "bob"})),
        )
        .await;
    assert_eq!(status, 400, "{r}");
    let (status, r) = c
        .call(reqwest::Method::GET, "/chatgroups/team-1", None)
        .await;
    assert_eq!(status, 200, "{r}");
    let g = &r["data"][0];
    assert_eq!(
        (&g["name"], &g["owner"], &g["affiliations_count"]),
        (&json!("Team"), &json!("alice"), &json!(2))
    );
    let (status, _) = c.call(reqwest::Method::GET, "/chatgroups/nope", None).await;
    assert_eq!(status, 404);

    let (status, r) = c
        .call(
            reqwest::Method::PUT,
            "/chatgroups/team-1",
            Some(json!({"groupname": "Team 2", "bogus": 1})),
        )
        .await;
    assert_eq!(status, 400, "{r}");
    let (status, r) = c
        .call(
            reqwest::Method::PUT,
            "/chatgroups/team-1",
            Some(json!({"groupname": "Team 2"})),
        )
        .await;
    assert_eq!(
        (status, &r["data"]["groupname"]),
        (200, &json!(true)),
        "{r}"
    );
    c.call(
        reqwest::Method::POST,
        "/chatgroups/team-1/announcement",
        Some(json!({"announcement": "hello all"})),
    )
    .await;
    let (_, r) = c
        .call(
            reqwest::Method::GET,
            "/chatgroups/team-1/announcement",
            None,
        )
        .await;
    assert_eq!(r["data"]["announcement"], json!("hello all"));

    let bob = c.s.login("bob", None).await;
    let (status, r) = c
        .call(
            reqwest::Method::POST,
            "/messages/chatgroups",
            Some(json!({"from": "alice", "to": ["team-1", "nosuch"], "type": "txt", "body": {"msg": "from rest"}})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert!(
        r["data"]["team-1"].is_string() && r["data"]["nosuch"].is_string(),
        "{r}"
    );
    let msgs = group_messages(&bob, 1).await;
    assert_eq!(
        (&msgs[0]["from"], &msgs[0]["body"]["msg"]),
        (&json!("alice"), &json!("from rest"))
    );
    let (status, _) = c
        .call(
            reqwest::Method::POST,
            "/messages/chatgroups",
            Some(json!({"to": ["a", "b", "c", "d"], "type": "txt", "body": {"msg": "x"}})),
        )
        .await;
    assert_eq!(status, 400);

    // Owner transfer, then dismissal reaches the members.
    let (status, r) = c
        .call(
            reqwest::Method::PUT,
            "/chatgroups/team-1",
            Some(json!({"newowner": "bob"})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (status, _) = c
        .call(reqwest::Method::DELETE, "/chatgroups/team-1", None)
        .await;
    assert_eq!(status, 200);
    let ev = push_where(&bob, "dismissed", |p| p["kind"] == json!("dismissed")).await;
    assert_eq!(ev["group"], json!("team-1"));
    let (status, _) = c
        .call(reqwest::Method::GET, "/chatgroups/team-1", None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(
        code(&bob.send_group_text("team-1", "hi").await.unwrap()),
        605
    );
}

#[tokio::test]
async fn all_groups_are_listed_newest_first_by_cursor() {
    let c = Ctx::start(&["alice"]).await;
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(
            c.group("alice", &[], json!({"groupname": format!("g{i}")}))
                .await,
        );
    }
    let dismissed = made.remove(2);
    c.call(
        reqwest::Method::DELETE,
        &format!("/chatgroups/{dismissed}"),
        None,
    )
    .await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/chatgroups?limit=2&cursor={cur}"),
            None => "/chatgroups?limit=2".to_string(),
        };
        let (status, r) = c.call(reqwest::Method::GET, &path, None).await;
        assert_eq!(status, 200, "{r}");
        for g in r["data"].as_array().unwrap() {
            assert_eq!(g["owner"], json!("alice"));
            seen.push(g["groupid"].as_str().unwrap().to_string());
        }
        match r["cursor"].as_str() {
            Some(cur) => cursor = Some(cur.to_string()),
            None => break,
        }
    }
    made.reverse();
    assert_eq!(
        seen, made,
        "newest first, each once, the dismissed one gone"
    );
}

#[tokio::test]
async fn a_deleted_user_leaves_its_groups() {
    let c = Ctx::start(&["alice", "bob", "carol"]).await;
    let id = c.group("alice", &["bob", "carol"], json!({})).await;
    let alice = c.s.login("alice", None).await;
    let (status, _) = c.call(reqwest::Method::DELETE, "/users/bob", None).await;
    assert_eq!(status, 200);
    let ev = push_where(&alice, "member_removed", |p| {
        p["kind"] == json!("member_removed")
    })
    .await;
    assert_eq!(ev["user"], json!("bob"));
    let (_, r) = c
        .call(
            reqwest::Method::GET,
            &format!("/chatgroups/{id}/users"),
            None,
        )
        .await;
    assert_eq!(r["data"], json!([{"owner": "alice"}, {"member": "carol"}]));
}

#[tokio::test]
async fn deleting_the_owner_dissolves_the_group() {
    let c = Ctx::start(&["alice", "bob"]).await;
    let id = c.group("alice", &["bob"], json!({})).await;
    let bob = c.s.login("bob", None).await;
    let (status, _) = c.call(reqwest::Method::DELETE, "/users/alice", None).await;
    assert_eq!(status, 200);
    push_where(&bob, "dismissed", |p| p["kind"] == json!("dismissed")).await;
    let (status, r) = c
        .call(reqwest::Method::GET, &format!("/chatgroups/{id}"), None)
        .await;
    assert_eq!(status, 404, "{r}");
    let (_, r) = c
        .call(reqwest::Method::GET, "/users/bob/joined_chatgroups", None)
        .await;
    assert_eq!(r["data"], json!([]), "{r}");
}

#[tokio::test]
async fn members_are_added_listed_and_removed_over_rest() {
    use reqwest::Method;
    let c = Ctx::start(&["alice", "bob", "carol", "dave"]).await;
    let id = c.group("alice", &[], json!({})).await;
    let users = format!("/chatgroups/{id}/users");

    let (status, r) = c.call(Method::POST, &format!("{users}/bob"), None).await;
    assert_eq!(
        (status, &r["data"]),
        (
            200,
            &json!({"result": true, "action": "add_member", "user": "bob", "groupid": id})
        ),
        "{r}"
    );
    let (status, r) = c.call(Method::POST, &format!("{users}/ghost"), None).await;
    assert_eq!(status, 404, "a user that does not exist: {r}");

    let (status, r) = c
        .call(
            Method::POST,
            &users,
            Some(json!({"usernames": ["carol", "dave", "bob"]})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (&r["data"]["newmembers"], &r["data"]["groupid"]),
        (&json!(["carol", "dave"]), &json!(id)),
        "bob is already in"
    );
    let many: Vec<String> = (0..61).map(|i| format!("u{i}")).collect();
    let (status, r) = c
        .call(Method::POST, &users, Some(json!({ "usernames": many })))
        .await;
    assert_eq!(
        (status, &r["error_description"]),
        (400, &json!("usernames: name 1-60 users")),
        "{r}"
    );

    let (_, r) = c
        .call(Method::GET, &format!("{users}?pagesize=2"), None)
        .await;
    assert_eq!(
        r["data"],
        json!([{"owner": "alice"}, {"member": "bob"}]),
        "{r}"
    );

    let (status, r) = c.call(Method::DELETE, &format!("{users}/bob"), None).await;
    assert_eq!(
        (status, &r["data"]),
        (
            200,
            &json!({"result": true, "action": "remove_member", "user": "bob", "groupid": id})
        ),
        "{r}"
    );
    let (status, r) = c
        .call(Method::DELETE, &format!("{users}/carol,bob"), None)
        .await;
    assert_eq!(status, 200, "{r}");
    let results = r["data"].as_array().expect("a result per user");
    assert_eq!(
        results
            .iter()
            .map(|x| (x["user"].clone(), x["result"].clone(), x["groupid"].clone()))
            .collect::<Vec<_>>(),
        vec![
            (json!("carol"), json!(true), json!(id)),
            (json!("bob"), json!(false), json!(id)),
        ],
        "{r}"
    );
    let (status, r) = c
        .call(Method::DELETE, &format!("{users}/{}", many.join(",")), None)
        .await;
    assert_eq!(
        (status, &r["error_description"]),
        (400, &json!("kickMember: name 1-60 users")),
        "{r}"
    );
    let (_, r) = c.call(Method::GET, &users, None).await;
    assert_eq!(
        r["data"],
        json!([{"owner": "alice"}, {"member": "dave"}]),
        "{r}"
    );
}
