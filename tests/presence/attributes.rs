//! User attributes: set (form-urlencoded), get, batch get, delete; a set
//! over 2 KB is refused and changes nothing; the app's capacity follows
//! every change; a device reads and writes the same attributes; a deleted
//! user's attributes (and subscriptions) are gone.

use super::*;

/// `PUT /metadata/user/{user}` with a form body.
async fn put_form(s: &TestServer, user: &str, form: &str) -> (u16, Value) {
    let token = s.app_token().await;
    let resp = s
        .http()
        .put(s.url(&format!("/demo/chat/metadata/user/{user}")))
        .bearer_auth(token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .expect("put");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn capacity(s: &TestServer) -> u64 {
    let (status, r) = call(s, Method::GET, "/metadata/user/capacity", None).await;
    assert_eq!(status, 200, "{r}");
    r["data"].as_u64().expect("capacity")
}

async fn attributes(s: &TestServer, user: &str) -> Value {
    let (status, r) = call(s, Method::GET, &format!("/metadata/user/{user}"), None).await;
    assert_eq!(status, 200, "{r}");
    r["data"].clone()
}

#[tokio::test]
async fn attributes_round_trip_and_a_set_over_2_kb_changes_nothing() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    assert_eq!(capacity(&s).await, 0);

    let (status, r) = put_form(
        &s,
        "alice",
        "nickname=Al%20Ice&avatarurl=http%3A%2F%2Fx%2Fa.png&gender=2",
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let alice_attrs = json!({"nickname": "Al Ice", "avatarurl": "http://x/a.png", "gender": "2"});
    assert_eq!(r["data"], alice_attrs);
    assert_eq!(attributes(&s, "alice").await, alice_attrs);
    let alice_bytes = ("nickname".len() + 6 + "avatarurl".len() + 14 + "gender".len() + 1) as u64;
    assert_eq!(capacity(&s).await, alice_bytes);

    // A device sets its own user's, and reads anyone's.
    let bob = s.login("bob", None).await;
    let r = ok(
        &bob,
        "attributes_set",
        json!({"attributes": {"sign": "hello", "ext": "{\"k\":1}"}}),
    )
    .await;
    assert_eq!(
        r["attributes"],
        json!({"sign": "hello", "ext": "{\"k\":1}"})
    );
    let bob_bytes = ("sign".len() + 5 + "ext".len() + 7) as u64;
    assert_eq!(capacity(&s).await, alice_bytes + bob_bytes);
    let r = ok(
        &bob,
        "attributes_get",
        json!({"users": ["alice", "bob", "nobody"], "keys": ["nickname", "sign"]}),
    )
    .await;
    assert_eq!(
        r["attributes"],
        json!({"alice": {"nickname": "Al Ice"}, "bob": {"sign": "hello"}})
    );
    let (status, r) = call(
        &s,
        Method::POST,
        "/metadata/user/get",
        Some(json!({"targets": ["alice", "bob"], "properties": ["gender", "ext"]})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["data"],
        json!({"alice": {"gender": "2"}, "bob": {"ext": "{\"k\":1}"}})
    );

    // Over 2 KB in all: refused, nothing changed, the count neither.
    let big = "x".repeat(2048 - alice_bytes as usize);
    let (status, r) = put_form(&s, "alice", &format!("ext={big}")).await;
    assert_eq!(
        (status, &r["error"]),
        (400, &json!("metadata_error")),
        "{r}"
    );
    assert_eq!(attributes(&s, "alice").await, alice_attrs);
    assert_eq!(capacity(&s).await, alice_bytes + bob_bytes);
    refused(
        &bob,
        "attributes_set",
        json!({"attributes": {"ext": "y".repeat(2048)}}),
        901,
    )
    .await;
    // Exactly 2 KB fits.
    let fits = "x".repeat(2048 - alice_bytes as usize - "ext".len());
    let (status, r) = put_form(&s, "alice", &format!("ext={fits}")).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(capacity(&s).await, 2048 + bob_bytes);

    // Bad keys and values, too many users.
    let (status, r) = put_form(&s, "alice", "gender=7").await;
    assert_eq!(
        (status, &r["error"]),
        (400, &json!("illegal_argument")),
        "{r}"
    );
    let (status, _) = put_form(&s, "alice", "").await;
    assert_eq!(status, 400);
    let many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    refused(&bob, "attributes_get", json!({"users": many}), 900).await;
    let (status, _) = put_form(&s, "nobody", "nickname=n").await;
    assert_eq!(status, 404);

    // An empty value removes its key; DELETE removes them all.
    let (status, r) = put_form(&s, "alice", "ext=").await;
    assert_eq!((status, &r["data"]), (200, &alice_attrs), "{r}");
    let (status, r) = call(&s, Method::DELETE, "/metadata/user/alice", None).await;
    assert_eq!((status, &r["data"]), (200, &json!(true)), "{r}");
    assert_eq!(attributes(&s, "alice").await, json!({}));
    assert_eq!(capacity(&s).await, bob_bytes);
    let (status, r) = call(&s, Method::DELETE, "/metadata/user/alice", None).await;
    assert_eq!(
        (status, &r["data"]),
        (200, &json!(true)),
        "nothing left: {r}"
    );
}

#[tokio::test]
async fn a_deleted_users_attributes_and_subscriptions_are_gone() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let (status, _) = put_form(&s, "alice", "nickname=al").await;
    assert_eq!(status, 200);
    assert!(capacity(&s).await > 0);
    for (who, target) in [("alice", "bob"), ("carol", "alice")] {
        let (status, r) = call(
            &s,
            Method::POST,
            &format!("/users/{who}/presence/600"),
            Some(json!({"usernames": [target]})),
        )
        .await;
        assert_eq!(status, 200, "{r}");
    }

    let (status, r) = call(&s, Method::DELETE, "/users/alice", None).await;
    assert_eq!(status, 200, "{r}");
    let (status, _) = call(&s, Method::GET, "/metadata/user/alice", None).await;
    assert_eq!(status, 404);
    assert_eq!(capacity(&s).await, 0);

    // The same name registered again starts with nothing, and carol's
    // subscription to the old alice is gone too.
    s.create_users(&["alice"]).await;
    assert_eq!(attributes(&s, "alice").await, json!({}));
    assert_eq!(sublist(&s, "alice").await, (0, Vec::new()));
    crate::common::eventually(WAIT, "carol's subscription to alice dropped", || async {
        (sublist(&s, "carol").await.0 == 0).then_some(())
    })
    .await;
}
