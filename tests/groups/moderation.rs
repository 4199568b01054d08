//! Refusals with their codes (mute, mute-all, block, non-members) and the
//! owner's and admins' rights.

use super::*;

#[tokio::test]
async fn muted_blocked_and_non_members_are_refused_with_their_codes() {
    let c = Ctx::start(&["alice", "bob", "carol", "dave"]).await;
    let id = c.group("alice", &["bob", "carol"], json!({})).await;
    let alice = c.s.login("alice", None).await;
    let bob = c.s.login("bob", None).await;
    let carol = c.s.login("carol", None).await;
    let dave = c.s.login("dave", None).await;

    assert_eq!(code(&dave.send_group_text(&id, "hi").await.unwrap()), 602);
    assert_eq!(
        code(&dave.send_group_text("nosuchgroup", "hi").await.unwrap()),
        605
    );
    assert_eq!(
        code(&dave.send_group_text("bad id!", "hi").await.unwrap()),
        205
    );

    let (status, r) = c
        .call(
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/mute"),
            Some(json!({"usernames": ["bob"], "mute_duration": 60_000})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["data"][0]["result"], json!(true));
    let muted = push_where(&carol, "muted", |p| p["push"] == json!("event")).await;
    assert_eq!(
        (&muted["kind"], &muted["user"]),
        (&json!("muted"), &json!("bob"))
    );
    assert_eq!(code(&bob.send_group_text(&id, "hi").await.unwrap()), 215);
    let (_, r) = c
        .call(
            reqwest::Method::GET,
            &format!("/chatgroups/{id}/mute"),
            None,
        )
        .await;
    assert_eq!(r["data"][0]["user"], json!("bob"));
    let (status, _) = c
        .call(
            reqwest::Method::DELETE,
            &format!("/chatgroups/{id}/mute/bob"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        bob.send_group_text(&id, "unmuted").await.unwrap()["ok"],
        json!(true)
    );

    // Mute-all silences members but not the owner.
    let (status, r) = c
        .call(
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/ban"),
            None,
        )
        .await;
    assert_eq!((status, &r["data"]["mute"]), (200, &json!(true)));
    assert_eq!(code(&carol.send_group_text(&id, "hi").await.unwrap()), 507);
    assert_eq!(
        alice.send_group_text(&id, "owner speaks").await.unwrap()["ok"],
        json!(true)
    );
    c.call(
        reqwest::Method::DELETE,
        &format!("/chatgroups/{id}/ban"),
        None,
    )
    .await;
    assert_eq!(
        carol.send_group_text(&id, "back").await.unwrap()["ok"],
        json!(true)
    );

    // Blocking removes a member and keeps them out.
    let (status, r) = c
        .call(
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/blocks/users/carol"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(code(&carol.send_group_text(&id, "hi").await.unwrap()), 615);
    let r = carol
        .request("group_apply", json!({"group": id}))
        .await
        .unwrap();
    assert_eq!(code(&r), 615, "{r}");
    let (status, r) = c
        .call(
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/users/carol"),
            None,
        )
        .await;
    assert_eq!((status, &r["error"]), (403, &json!("forbidden_op")), "{r}");
    let (_, r) = c
        .call(
            reqwest::Method::GET,
            &format!("/chatgroups/{id}/blocks/users"),
            None,
        )
        .await;
    assert_eq!(r["data"], json!(["carol"]));
    c.call(
        reqwest::Method::DELETE,
        &format!("/chatgroups/{id}/blocks/users/carol"),
        None,
    )
    .await;
    let r = carol
        .request("group_apply", json!({"group": id}))
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
}

#[tokio::test]
async fn management_needs_the_owner_or_an_admin() {
    let c = Ctx::start(&["alice", "bob", "carol", "dave", "erin"]).await;
    let id = c.group("alice", &["bob", "carol"], json!({})).await;
    let bob = c.s.login("bob", None).await;
    let dave = c.s.login("dave", None).await;
    let g = json!(id);
    let member_tries = [
        ("group_add", json!({"group": g, "users": ["erin"]})),
        ("group_remove", json!({"group": g, "users": ["carol"]})),
        ("group_mute", json!({"group": g, "users": ["carol"]})),
        ("group_block", json!({"group": g, "users": ["carol"]})),
        ("group_admin", json!({"group": g, "user": "carol"})),
        ("group_dismiss", json!({"group": g})),
    ];
    for (op, args) in &member_tries {
        let r = bob.request(op, args.clone()).await.unwrap();
        assert_eq!(code(&r), 603, "{op} by a member: {r}");
        let r = dave.request(op, args.clone()).await.unwrap();
        assert_eq!(code(&r), 602, "{op} by a non-member: {r}");
    }
    // As admin, bob may remove a member but not the owner, nor dismiss.
    let (status, r) = c
        .call(
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/admin"),
            Some(json!({"newadmin": "bob"})),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (_, r) = c
        .call(
            reqwest::Method::GET,
            &format!("/chatgroups/{id}/admin"),
            None,
        )
        .await;
    assert_eq!(r["data"], json!(["bob"]));
    let r = bob
        .request(
            "group_remove",
            json!({"group": g, "users": ["carol", "alice"]}),
        )
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    assert_eq!(r["results"][0]["ok"], json!(true));
    assert_eq!(r["results"][1]["error"]["code"], json!(603));
    let r = bob
        .request("group_dismiss", json!({"group": g}))
        .await
        .unwrap();
    assert_eq!(code(&r), 603, "{r}");
    let r = bob
        .request("group_admin", json!({"group": g, "user": "carol"}))
        .await
        .unwrap();
    assert_eq!(code(&r), 603, "only the owner names admins: {r}");
    let (_, r) = c
        .call(
            reqwest::Method::GET,
            &format!("/chatgroups/{id}/users"),
            None,
        )
        .await;
    assert_eq!(r["data"], json!([{"owner": "alice"}, {"member": "bob"}]));
}
