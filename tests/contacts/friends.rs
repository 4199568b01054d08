//! Friend requests over the socket: request, accept, decline, remove, the
//! pushes each side's devices get, and the app's friend check.

use super::*;

#[tokio::test]
async fn with_the_friend_check_on_a_stranger_is_refused_until_a_request_is_accepted() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    friend_check_on(&s).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", Some("phone")).await;
    let bob_tablet = s.login("bob", Some("tablet")).await;

    let refused = alice.send_text("bob", "hi stranger", None).await.unwrap();
    assert_eq!(code(&refused), 221, "{refused}");

    ok(
        &alice,
        "contact_add",
        json!({"user": "bob", "reason": "we met at the fair"}),
    )
    .await;
    let req = contact_push(&bob, "request", "alice").await;
    assert_eq!(req["reason"], json!("we met at the fair"));
    contact_push(&bob_tablet, "request", "alice").await;
    let listed = ok(&bob_tablet, "contacts", json!({})).await;
    assert_eq!(listed["users"], json!([]));
    assert_eq!(listed["requests"][0]["user"], json!("alice"));
    assert_eq!(listed["requests"][0]["reason"], json!("we met at the fair"));

    // A request is not a friendship.
    assert_eq!(
        code(&alice.send_text("bob", "still?", None).await.unwrap()),
        221
    );
    ok(&bob, "contact_accept", json!({"user": "alice"})).await;
    contact_push(&alice, "accepted", "bob").await;
    contact_push(&bob_tablet, "accepted", "alice").await;
    assert_eq!(friends(&alice).await, vec!["bob"]);
    assert_eq!(friends(&bob_tablet).await, vec!["alice"]);
    assert_eq!(ok(&bob, "contacts", json!({})).await["requests"], json!([]));

    let sent = alice.send_text("bob", "friends now", None).await.unwrap();
    assert_eq!(code(&sent), 0, "{sent}");
    let back = bob.send_text("alice", "indeed", None).await.unwrap();
    assert_eq!(code(&back), 0, "{back}");

    // Accepting twice, or a request nobody made: refused.
    assert_eq!(
        code_of(&bob, "contact_accept", json!({"user": "alice"})).await,
        205
    );

    ok(&alice, "contact_remove", json!({"user": "bob"})).await;
    contact_push(&bob, "removed", "alice").await;
    assert!(friends(&bob).await.is_empty());
    assert!(friends(&alice).await.is_empty());
    assert_eq!(
        code(&alice.send_text("bob", "gone?", None).await.unwrap()),
        221
    );
}

#[tokio::test]
async fn a_declined_request_tells_the_requester_and_makes_no_friends() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    ok(&alice, "contact_add", json!({"user": "bob"})).await;
    contact_push(&bob, "request", "alice").await;
    ok(&bob, "contact_decline", json!({"user": "alice"})).await;
    contact_push(&alice, "declined", "bob").await;
    assert!(friends(&alice).await.is_empty());
    assert_eq!(ok(&bob, "contacts", json!({})).await["requests"], json!([]));
    assert_eq!(
        code_of(&bob, "contact_decline", json!({"user": "alice"})).await,
        205
    );
    // Oneself, and users that do not exist.
    assert_eq!(
        code_of(&alice, "contact_add", json!({"user": "alice"})).await,
        205
    );
    assert_eq!(
        code_of(&alice, "contact_add", json!({"user": "nobody"})).await,
        204
    );
}

#[tokio::test]
async fn a_user_at_its_friend_limit_cannot_gain_friends_on_either_side() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let token = s.app_token().await;
    let put = s
        .http()
        .put(s.url("/demo/chat/settings"))
        .bearer_auth(&token)
        .json(&json!({"friends_per_user": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let carol = s.login("carol", None).await;
    ok(&alice, "contact_add", json!({"user": "bob"})).await;
    ok(&bob, "contact_accept", json!({"user": "alice"})).await;

    // Alice is full: she cannot accept carol.
    ok(&carol, "contact_add", json!({"user": "alice"})).await;
    assert_eq!(
        code_of(&alice, "contact_accept", json!({"user": "carol"})).await,
        222
    );
    // Carol accepting bob: bob is full, so carol's side is taken back.
    ok(&bob, "contact_add", json!({"user": "carol"})).await;
    assert_eq!(
        code_of(&carol, "contact_accept", json!({"user": "bob"})).await,
        222
    );
    assert!(friends(&carol).await.is_empty());
    assert_eq!(friends(&bob).await, vec!["alice"]);
}

#[tokio::test]
async fn a_deleted_user_leaves_its_friends_lists() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    ok(&alice, "contact_add", json!({"user": "bob"})).await;
    ok(&bob, "contact_accept", json!({"user": "alice"})).await;
    assert_eq!(friends(&alice).await, vec!["bob"]);
    let token = s.app_token().await;
    let del = s
        .http()
        .delete(s.url("/demo/chat/users/bob"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 200);
    crate::common::eventually(
        crate::common::WAIT,
        "bob to leave alice's friends",
        || async { friends(&alice).await.is_empty().then_some(()) },
    )
    .await;
}
