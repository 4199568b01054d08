//! Joining: approval for members-only groups, invitations, and the limits
//! on group size, groups per user and the send rate.

use super::*;

#[tokio::test]
async fn joining_a_members_only_group_needs_approval() {
    let c = Ctx::start(&["alice", "bob", "erin", "frank"]).await;
    let id = c
        .group(
            "alice",
            &["bob"],
            json!({"public": false, "membersonly": true}),
        )
        .await;
    let alice = c.s.login("alice", None).await;
    let erin = c.s.login("erin", None).await;
    let frank = c.s.login("frank", None).await;

    let r = erin
        .request("group_apply", json!({"group": id}))
        .await
        .unwrap();
    assert_eq!(
        (&r["ok"], &r["pending"]),
        (&json!(true), &json!(true)),
        "{r}"
    );
    let req = push_where(&alice, "join_request", |p| p["push"] == json!("event")).await;
    assert_eq!(
        req,
        json!({"push": "event", "kind": "join_request", "group": id, "user": "erin"})
    );
    assert_eq!(code(&erin.send_group_text(&id, "hi").await.unwrap()), 602);
    // A member who is not owner or admin cannot decide.
    let bob = c.s.login("bob", None).await;
    let r = bob
        .request(
            "group_decide",
            json!({"group": id, "user": "erin", "accept": true}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 603, "{r}");
    let r = alice
        .request(
            "group_decide",
            json!({"group": id, "user": "erin", "accept": true}),
        )
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    let joined = push_where(&erin, "member_joined", |p| p["push"] == json!("event")).await;
    assert_eq!(
        (&joined["kind"], &joined["user"]),
        (&json!("member_joined"), &json!("erin"))
    );
    assert_eq!(
        erin.send_group_text(&id, "thanks").await.unwrap()["ok"],
        json!(true)
    );

    frank
        .request("group_apply", json!({"group": id}))
        .await
        .unwrap();
    let r = alice
        .request(
            "group_decide",
            json!({"group": id, "user": "frank", "accept": false}),
        )
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    assert_eq!(code(&frank.send_group_text(&id, "hi").await.unwrap()), 602);
    let r = alice
        .request(
            "group_decide",
            json!({"group": id, "user": "frank", "accept": true}),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), 205, "a declined request is gone: {r}");
}

#[tokio::test]
async fn an_invited_user_joins_when_it_accepts() {
    let c = Ctx::start(&["alice", "bob", "erin", "frank", "gina"]).await;
    let id = c
        .group(
            "alice",
            &["bob"],
            json!({"public": false, "allowinvites": true}),
        )
        .await;
    let bob = c.s.login("bob", None).await;
    let erin = c.s.login("erin", None).await;
    let frank = c.s.login("frank", None).await;
    let r = bob
        .request(
            "group_invite",
            json!({"group": id, "users": ["erin", "frank"]}),
        )
        .await
        .unwrap();
    assert_eq!(r["results"][0]["ok"], json!(true), "{r}");
    let inv = push_where(&erin, "invited", |p| p["push"] == json!("event")).await;
    assert_eq!(
        inv,
        json!({"push": "event", "kind": "invited", "group": id, "user": "erin"})
    );
    // Invited is not joined: no sends, no private group info.
    assert_eq!(code(&erin.send_group_text(&id, "hi").await.unwrap()), 602);
    let r = erin
        .request("group_info", json!({"group": id}))
        .await
        .unwrap();
    assert_eq!(code(&r), 602, "{r}");
    let r = erin
        .request("group_answer", json!({"group": id, "accept": true}))
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    let joined = push_where(&bob, "member_joined", |p| {
        p["kind"] == json!("member_joined")
    })
    .await;
    assert_eq!(joined["user"], json!("erin"));
    assert_eq!(
        erin.send_group_text(&id, "hello").await.unwrap()["ok"],
        json!(true)
    );
    let r = erin
        .request("group_info", json!({"group": id}))
        .await
        .unwrap();
    assert_eq!(
        r["group"]["members"].as_array().map(Vec::len),
        Some(3),
        "{r}"
    );

    let r = frank
        .request("group_answer", json!({"group": id, "accept": false}))
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    let r = frank
        .request("group_answer", json!({"group": id, "accept": true}))
        .await
        .unwrap();
    assert_eq!(code(&r), 205, "the declined invitation is gone: {r}");
    let gina = c.s.login("gina", None).await;
    let r = gina
        .request("group_answer", json!({"group": id, "accept": true}))
        .await
        .unwrap();
    assert_eq!(code(&r), 205, "never invited: {r}");
    // Without allowinvites only the owner and admins invite.
    let closed = c.group("alice", &["bob"], json!({})).await;
    let r = bob
        .request("group_invite", json!({"group": closed, "users": ["gina"]}))
        .await
        .unwrap();
    assert_eq!(code(&r), 603, "{r}");
}

#[tokio::test]
async fn group_size_and_groups_per_user_are_limited() {
    let c = Ctx::start_with(&["alice", "bob", "carol", "dave"], |cfg| {
        cfg.app_defaults.groups_per_user = 2;
        cfg.app_defaults.user_send_rate = 1;
        cfg.app_defaults.user_send_burst = 2;
    })
    .await;
    let small = c.group("alice", &["bob"], json!({"maxusers": 2})).await;
    let (status, r) = c
        .call(
            reqwest::Method::POST,
            &format!("/chatgroups/{small}/users/carol"),
            None,
        )
        .await;
    assert_eq!((status, &r["error"]), (403, &json!("exceed_limit")), "{r}");
    let dave = c.s.login("dave", None).await;
    let r = dave
        .request("group_apply", json!({"group": small}))
        .await
        .unwrap();
    assert_eq!(code(&r), 604, "{r}");

    // alice is in one group; a second is fine, a third is refused.
    c.group("alice", &[], json!({})).await;
    let (status, r) = c
        .call(
            reqwest::Method::POST,
            "/chatgroups",
            Some(json!({"public": true, "owner": "alice"})),
        )
        .await;
    assert_eq!((status, &r["error"]), (403, &json!("exceed_limit")), "{r}");
    let (_, r) = c
        .call(reqwest::Method::GET, "/users/alice/joined_chatgroups", None)
        .await;
    assert_eq!(r["count"], json!(2), "{r}");

    // Group sends from a device spend the user's send rate (burst 2, 1/s).
    let alice = c.s.login("alice", None).await;
    let mut codes = Vec::new();
    for i in 0..5 {
        let r = alice
            .send_group_text(&small, &format!("r{i}"))
            .await
            .unwrap();
        codes.push(if r["ok"] == json!(true) { 0 } else { code(&r) });
    }
    assert_eq!(codes[..2], [0, 0], "{codes:?}");
    assert!(codes[2..].contains(&509), "{codes:?}");
}

#[tokio::test]
async fn adds_racing_for_the_last_group_slots_cannot_all_pass() {
    let c = Ctx::start_with(&["owner", "x"], |cfg| {
        cfg.app_defaults.groups_per_user = 3;
    })
    .await;
    // The owner's own limit would stop at 3 groups; each group has its
    // own owner instead.
    let owners: Vec<String> = (0..8).map(|i| format!("o{i}")).collect();
    let refs: Vec<&str> = owners.iter().map(String::as_str).collect();
    c.s.create_users(&refs).await;
    let mut groups = Vec::new();
    for o in &owners {
        groups.push(c.group(o, &[], json!({})).await);
    }
    // Eight adds of x at once: x holds a slot per add in flight, so
    // exactly three get in whatever the interleaving.
    let paths: Vec<String> = groups
        .iter()
        .map(|g| format!("/chatgroups/{g}/users/x"))
        .collect();
    let adds = paths.iter().map(|p| c.call(reqwest::Method::POST, p, None));
    let outcomes = join_all(adds).await;
    let ok = outcomes.iter().filter(|(status, _)| *status == 200).count();
    let full = outcomes
        .iter()
        .filter(|(status, r)| *status == 403 && r["error"] == json!("exceed_limit"))
        .count();
    assert_eq!((ok, full), (3, 5), "{outcomes:?}");
    let (_, r) = c
        .call(reqwest::Method::GET, "/users/x/joined_chatgroups", None)
        .await;
    assert_eq!(r["count"], json!(3), "{r}");
    // A refused add released its slot: after leaving one group x can
    // join another.
    let first = groups
        .iter()
        .zip(&outcomes)
        .find(|(_, (s, _))| *s == 200)
        .map(|(g, _)| g.clone())
        .expect("one add passed");
    let (status, r) = c
        .call(
            reqwest::Method::DELETE,
            &format!("/chatgroups/{first}/users/x"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let other = groups
        .iter()
        .zip(&outcomes)
        .find(|(_, (s, _))| *s == 403)
        .map(|(g, _)| g.clone())
        .expect("one add was refused");
    let (status, r) = c
        .call(
            reqwest::Method::POST,
            &format!("/chatgroups/{other}/users/x"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
}
