//! `keyword_alert` post-send events (§8.4): a message whose sensitive
//! words were replaced is reported with `alertReason: replaced` and the
//! stored message's id, one that was refused with `intercepted`; device
//! and REST sends, 1:1 and group, each signed, in order, and only to the
//! rules whose filters select them.

use super::callbacks::{add_rule, assert_signed, events_until, post_rule};
use super::*;
use crate::common::{code, Receiver};

fn msg_id_of(ack: &Value) -> String {
    match &ack["msg_id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}

/// `(alertReason, contentOwner, contentReceiver, chatType, words)`.
fn summary(e: &Value) -> (String, String, String, String, Value) {
    let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
    (
        s("alertReason"),
        s("contentOwner"),
        s("contentReceiver"),
        s("chatType"),
        e["sensitiveWords"].clone(),
    )
}

#[tokio::test]
async fn replaced_and_refused_messages_are_reported_as_keyword_alerts() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let words = api
        .post(
            "/sensitive_words",
            json!({"words": ["Forbidden", "违禁品"]}),
        )
        .await;
    assert_ok(&words);
    assert_ok(
        &api.put("/settings", json!({"sensitive_words": "replace"}))
            .await,
    );
    let mut alerts = Receiver::start().await;
    let secret = add_rule(
        &api,
        post_rule(
            "alerts",
            &alerts.url("/alerts"),
            json!({"events": ["keyword_alert"]}),
        ),
    )
    .await;
    // Filtered like the other kinds: only bob's.
    let mut bobs = Receiver::start().await;
    add_rule(
        &api,
        post_rule(
            "bobs",
            &bobs.url("/bobs"),
            json!({"events": ["keyword_alert"], "from": ["bob"]}),
        ),
    )
    .await;
    let group = assert_ok(
        &api.post(
            "/chatgroups",
            json!({"owner": "alice", "public": true, "groupname": "g", "members": ["bob"]}),
        )
        .await,
    )["data"]["groupid"]
        .as_str()
        .expect("a group id")
        .to_string();
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;

    // A clean message raises nothing.
    assert_eq!(
        code(&alice.send_text("bob", "clean", None).await.unwrap()),
        0
    );
    let replaced = alice
        .send_text("bob", "a FORBIDDEN thing", None)
        .await
        .unwrap();
    assert_eq!(code(&replaced), 0, "{replaced}");
    let via_rest = api
        .post(
            "/messages/users",
            json!({"from": "alice", "to": ["bob"], "type": "txt",
                   "body": {"msg": "rest 违禁品"}}),
        )
        .await;
    let rest_id = assert_ok(&via_rest)["data"]["bob"]
        .as_str()
        .expect("the REST message's id")
        .to_string();
    let in_group = alice
        .send_group_text(&group, "group forbidden")
        .await
        .unwrap();
    assert_eq!(code(&in_group), 0, "{in_group}");
    let from_bob = bob
        .send_text("alice", "bob says forbidden", None)
        .await
        .unwrap();
    assert_eq!(code(&from_bob), 0, "{from_bob}");

    assert_ok(
        &api.put("/settings", json!({"sensitive_words": "refuse"}))
            .await,
    );
    let refused = alice
        .request(
            "send",
            json!({"chat": "single", "to": "bob", "body": {"type": "txt", "msg": "fine"},
                   "ext": {"deep": ["Forbidden", "违禁品"]}}),
        )
        .await
        .unwrap();
    assert_eq!(code(&refused), 501, "{refused}");
    let refused_rest = api
        .post(
            "/messages/chatgroups",
            json!({"from": "alice", "to": [group], "type": "txt",
                   "body": {"msg": "rest forbidden"}}),
        )
        .await;
    assert_error(&refused_rest, 400, SEND_ERROR);

    let got = events_until(&mut alerts, |e| e.len() >= 6).await;
    let seen: Vec<_> = got.iter().map(summary).collect();
    let t = |r: &str, o: &str, to: &str, c: &str, w: Value| {
        (
            r.to_string(),
            o.to_string(),
            to.to_string(),
            c.to_string(),
            w,
        )
    };
    assert_eq!(
        seen,
        vec![
            t(
                "replaced",
                "alice",
                "bob",
                "chat:user:text",
                json!(["forbidden"])
            ),
            t(
                "replaced",
                "alice",
                "bob",
                "chat:user:text",
                json!(["违禁品"])
            ),
            t(
                "replaced",
                "alice",
                &group,
                "groupchat:group:text",
                json!(["forbidden"])
            ),
            t(
                "replaced",
                "bob",
                "alice",
                "chat:user:text",
                json!(["forbidden"])
            ),
            t(
                "intercepted",
                "alice",
                "bob",
                "chat:user:text",
                json!(["forbidden", "违禁品"])
            ),
            t(
                "intercepted",
                "alice",
                &group,
                "groupchat:group:text",
                json!(["forbidden"])
            ),
        ],
        "{got:?}"
    );
    for e in &got {
        assert_signed(e, &secret);
        assert_eq!(e["eventType"], json!("keyword_alert"), "{e}");
        assert_eq!(e["contentType"], json!("message"), "{e}");
        assert_eq!(e["appkey"], json!("demo#chat"), "{e}");
    }
    // A replaced message is named by the id its sender was given.
    assert_eq!(
        got[0]["contentUri"],
        json!(format!("msync:{}", msg_id_of(&replaced)))
    );
    assert_eq!(got[1]["contentUri"], json!(format!("msync:{rest_id}")));
    assert_eq!(
        got[2]["contentUri"],
        json!(format!("msync:{}", msg_id_of(&in_group)))
    );
    // A refused message has an id of its own all the same.
    let uri = got[4]["contentUri"].as_str().unwrap_or_default();
    assert!(uri.starts_with("msync:") && uri.len() > 6, "{uri}");
    assert_ne!(got[4]["callId"], got[5]["callId"]);

    let bobs_got = events_until(&mut bobs, |e| !e.is_empty()).await;
    assert_eq!(bobs_got.len(), 1, "{bobs_got:?}");
    assert_eq!(bobs_got[0]["contentOwner"], json!("bob"));
    // Nothing more came to either (the next refusal is the barrier).
    let barrier = bob.send_text("alice", "forbidden end", None).await.unwrap();
    assert_eq!(code(&barrier), 501);
    let last = events_until(&mut bobs, |e| !e.is_empty()).await;
    assert_eq!(last[0]["alertReason"], json!("intercepted"));
    let last = events_until(&mut alerts, |e| !e.is_empty()).await;
    assert_eq!(
        (&last[0]["contentOwner"], &last[0]["alertReason"]),
        (&json!("bob"), &json!("intercepted")),
        "{last:?}"
    );
}
