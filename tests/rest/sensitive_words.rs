//! Sensitive words (§14.2, §10.2): a list of 10,000 words added in one
//! call, matched case-insensitively in Latin and CJK text, in `txt`,
//! `custom` and `ext`, replaced or refused per the app's setting, for
//! client and REST sends.

use super::*;
use crate::common::code;

/// 10,000 words: 9,998 made up (Latin and CJK) and the two the test sends.
fn word_list() -> Vec<String> {
    let cjk = ['禁', '词', '敏', '感', '违', '规', '广', '告'];
    let mut words: Vec<String> = (0..9_998)
        .map(|i| {
            if i % 2 == 0 {
                format!("lat{i}word")
            } else {
                let a = cjk[i % cjk.len()];
                let b = cjk[(i / cjk.len()) % cjk.len()];
                format!("{a}{b}{i}")
            }
        })
        .collect();
    words.push("Forbidden".into());
    words.push("违禁品".into());
    words
}

async fn set_mode(api: &Api<'_>, mode: &str) {
    assert_ok(
        &api.put("/settings", json!({ "sensitive_words": mode }))
            .await,
    );
}

/// The text of the next message pushed to `c`.
async fn pushed_text(c: &WsClient) -> Value {
    c.push_where("a message", |p| p["push"] == json!("message"))
        .await["msg"]
        .clone()
}

#[tokio::test]
async fn listed_words_are_replaced_or_refused_per_the_setting_in_text_custom_and_ext() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let added = api
        .post("/sensitive_words", json!({ "words": word_list() }))
        .await;
    assert_eq!(assert_ok(&added)["data"]["added"], json!(10_000));
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;

    // Off (the default): nothing happens to them.
    let text = "This is FORBIDDEN stuff, 这是违禁品吗";
    assert_eq!(code(&alice.send_text("bob", text, None).await.unwrap()), 0);
    assert_eq!(pushed_text(&bob).await["body"]["msg"], json!(text));

    set_mode(&api, "replace").await;
    let sent = alice
        .request(
            "send",
            json!({"chat": "single", "to": "bob", "body": {"type": "txt", "msg": text},
                   "ext": {"note": "forbidden fruit", "list": ["ok", "违禁品"]}}),
        )
        .await
        .unwrap();
    assert_eq!(code(&sent), 0, "{sent}");
    let got = pushed_text(&bob).await;
    assert_eq!(got["body"]["msg"], json!("This is *** stuff, 这是***吗"));
    assert_eq!(
        got["ext"],
        json!({"note": "*** fruit", "list": ["ok", "***"]})
    );
    let custom = alice
        .request(
            "send",
            json!({"chat": "single", "to": "bob",
                   "body": {"type": "custom", "event": "gift", "params": {"card": "Forbidden love"}}}),
        )
        .await
        .unwrap();
    assert_eq!(code(&custom), 0, "{custom}");
    assert_eq!(
        pushed_text(&bob).await["body"]["params"]["card"],
        json!("*** love")
    );
    let via_rest = api
        .post(
            "/messages/users",
            json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": "rest FORBIDDEN"}}),
        )
        .await;
    assert_ok(&via_rest);
    assert_eq!(pushed_text(&bob).await["body"]["msg"], json!("rest ***"));

    set_mode(&api, "refuse").await;
    assert_eq!(
        code(&alice.send_text("bob", text, None).await.unwrap()),
        501
    );
    let in_ext = alice
        .request(
            "send",
            json!({"chat": "single", "to": "bob", "body": {"type": "txt", "msg": "innocent"},
                   "ext": {"deep": {"er": "forbidden"}}}),
        )
        .await
        .unwrap();
    assert_eq!(code(&in_ext), 501);
    let refused = api
        .post(
            "/messages/users",
            json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": "违禁品"}}),
        )
        .await;
    assert_error(&refused, 400, SEND_ERROR);
    // Nothing refused was stored or delivered.
    assert_eq!(
        code(&alice.send_text("bob", "clean", None).await.unwrap()),
        0
    );
    assert_eq!(pushed_text(&bob).await["body"]["msg"], json!("clean"));
    let history = bob
        .request(
            "history",
            json!({"chat": "single", "with": "alice", "limit": 100}),
        )
        .await
        .unwrap();
    assert_eq!(
        history["messages"].as_array().unwrap().len(),
        5,
        "{history}"
    );

    // A word taken off the list passes again.
    let removed = api
        .call(
            Method::DELETE,
            "/sensitive_words",
            Some(json!({"words": ["FORBIDDEN", "not listed"]})),
        )
        .await;
    assert_eq!(assert_ok(&removed)["data"]["removed"], json!(1));
    assert_eq!(
        code(
            &alice
                .send_text("bob", "forbidden no more", None)
                .await
                .unwrap()
        ),
        0
    );
}

#[tokio::test]
async fn the_list_pages_by_cursor_and_bad_words_are_refused() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    let added = api
        .post(
            "/sensitive_words",
            json!({"words": ["b", "A", "c", "a", " d "]}),
        )
        .await;
    assert_eq!(assert_ok(&added)["data"]["added"], json!(4));
    let first = assert_ok(&api.get("/sensitive_words?limit=3").await)["data"].clone();
    assert_eq!(first["words"], json!(["a", "b", "c"]));
    let cursor = first["cursor"].as_str().expect("a cursor").to_string();
    let next = assert_ok(
        &api.get(&format!("/sensitive_words?limit=3&cursor={cursor}"))
            .await,
    )["data"]
        .clone();
    assert_eq!(next["words"], json!(["d"]));
    assert!(next.get("cursor").is_none(), "{next}");

    for bad in [
        json!({"words": []}),
        json!({"words": ["  "]}),
        json!({"words": ["x".repeat(65)]}),
    ] {
        assert_error(&api.post("/sensitive_words", bad).await, 400, ILLEGAL);
    }
    let too_many: Vec<String> = (0..10_001).map(|i| format!("w{i}")).collect();
    assert_error(
        &api.post("/sensitive_words", json!({ "words": too_many }))
            .await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.post("/sensitive_words", json!({"nope": 1})).await,
        400,
        BAD_BODY,
    );
}
