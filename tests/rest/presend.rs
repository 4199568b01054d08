//! Pre-send rules (§8.2) with a real receiver on loopback: the app server
//! allows, refuses (the sender told 508 or not), or replaces the text; a
//! receiver slower than the rule's timeout triggers its failure policy; a
//! slow answer for one user delays neither other users' messages nor the
//! order of that user's own; REST sends are not shown to the rule.

use super::*;
use crate::common::{code, Receiver, Reply};

/// Adds a pre-send rule on `url` with `extra` fields.
async fn add_rule(api: &Api<'_>, url: &str, extra: Value) {
    let mut rule = json!({ "name": "gate", "kind": "pre_send", "url": url });
    if let (Some(r), Some(e)) = (rule.as_object_mut(), extra.as_object()) {
        r.extend(e.clone());
    }
    assert_ok(&api.post("/callbacks", rule).await);
}

async fn send(c: &WsClient, to: &str, text: &str) -> Value {
    c.request(
        "send",
        json!({"chat": "single", "to": to, "body": {"type": "txt", "msg": text}}),
    )
    .await
    .unwrap()
}

/// The text of the next message pushed to `c`.
async fn next_text(c: &WsClient) -> String {
    let p = c
        .push_where("a message", |p| p["push"] == json!("message"))
        .await;
    p["msg"]["body"]["msg"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn text_of(req: &crate::common::Received) -> &str {
    req.body["payload"]["bodies"][0]["msg"]
        .as_str()
        .unwrap_or_default()
}

/// Answers by the message's text: `refuse*` refused with code `no`,
/// `swap*` replaced by `swapped`, `slow*` after 400 ms, others allowed.
fn app_server(req: &crate::common::Received) -> Reply {
    let text = text_of(req);
    if text.starts_with("refuse") {
        Reply::ok(r#"{"valid": false, "code": "no"}"#)
    } else if text.starts_with("swap") {
        Reply::ok(
            r#"{"valid": true, "payload": {"bodies": [{"type": "txt", "msg": "swapped"}], "ext": {"checked": true}}}"#,
        )
    } else if text.starts_with("slow") {
        Reply {
            delay: Duration::from_millis(400),
            ..Reply::ok(r#"{"valid": true}"#)
        }
    } else {
        Reply::ok(r#"{"valid": true}"#)
    }
}

#[tokio::test]
async fn the_app_server_allows_refuses_or_replaces_and_the_sender_is_told_per_the_rule() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let mut r = Receiver::start().await;
    r.answer(app_server);
    add_rule(&api, &r.url("/pre"), json!({"report_error": true})).await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;

    let ok = send(&alice, "bob", "hello").await;
    assert_eq!(code(&ok), 0, "{ok}");
    assert_eq!(next_text(&bob).await, "hello");
    let asked = r.next(WAIT).await.expect("the rule was called");
    let b = &asked.body;
    assert_eq!(
        (&b["chat_type"], &b["from"], &b["to"]),
        (&json!("chat"), &json!("alice"), &json!("bob"))
    );
    assert_eq!(
        b["msg_id"], ok["msg_id"],
        "the rule sees the id the sender gets"
    );
    let (call_id, ts) = (
        b["callId"].as_str().unwrap(),
        b["timestamp"].as_i64().unwrap(),
    );
    let secret = assert_ok(&api.get("/callbacks").await)["data"][0]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = {
        use md5::{Digest, Md5};
        hex::encode(Md5::digest(format!("{call_id}{secret}{ts}").as_bytes()))
    };
    assert_eq!(b["security"].as_str(), Some(expected.as_str()));

    // Refused, the sender told: 508 with the app server's code.
    let refused = send(&alice, "bob", "refuse this").await;
    assert_eq!(code(&refused), 508, "{refused}");
    assert_eq!(refused["error"]["message"], json!("no"), "{refused}");

    // Replaced: the recipient gets the app server's text and ext.
    assert_eq!(code(&send(&alice, "bob", "swap me").await), 0);
    let p = bob
        .push_where("a message", |p| p["push"] == json!("message"))
        .await;
    assert_eq!(p["msg"]["body"]["msg"], json!("swapped"), "{p}");
    assert_eq!(p["msg"]["ext"], json!({"checked": true}), "{p}");

    // Refused without telling: the sender sees it sent, nobody gets it.
    assert_ok(
        &api.put("/callbacks/gate", json!({"report_error": false}))
            .await,
    );
    let silent = send(&alice, "bob", "refuse quietly").await;
    assert_eq!(code(&silent), 0, "{silent}");
    assert_eq!(code(&send(&alice, "bob", "after").await), 0);
    assert_eq!(
        next_text(&bob).await,
        "after",
        "the refused message never arrives"
    );

    // REST sends skip pre-send rules.
    while r.try_next().is_some() {}
    let rest = api
        .post("/messages/users", json!({"from": "alice", "to": ["bob"], "type": "txt", "body": {"msg": "refuse? no: rest"}}))
        .await;
    assert_ok(&rest);
    assert_eq!(next_text(&bob).await, "refuse? no: rest");
    assert!(r.try_next().is_none(), "a REST send reached the rule");
}

#[tokio::test]
async fn a_receiver_slower_than_the_timeout_triggers_the_failure_policy() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let mut r = Receiver::start().await;
    r.answer(app_server);
    add_rule(
        &api,
        &r.url("/pre"),
        json!({"timeout_ms": 100, "fail_policy": "block", "report_error": true}),
    )
    .await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;
    let blocked = send(&alice, "bob", "slow one").await;
    assert_eq!(code(&blocked), 508, "{blocked}");
    assert_eq!(blocked["error"]["message"], json!("custom internal error"));

    assert_ok(
        &api.put("/callbacks/gate", json!({"fail_policy": "pass"}))
            .await,
    );
    assert_eq!(code(&send(&alice, "bob", "slow two").await), 0);
    assert_eq!(next_text(&bob).await, "slow two");

    // A receiver that is down fails the same way.
    r.down();
    assert_eq!(code(&send(&alice, "bob", "while down").await), 0);
    assert_eq!(next_text(&bob).await, "while down");

    // `/metrics` times the calls: the two that waited out the 100 ms are
    // above 50 ms, the refused connection is not.
    let metrics = s
        .http()
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    for line in [
        "imcloud_presend_call_seconds_count 3",
        "imcloud_presend_call_seconds_bucket{le=\"0.05\"} 1",
        "imcloud_presend_call_seconds_bucket{le=\"+Inf\"} 3",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no {line} in:\n{metrics}"
        );
    }
}

#[tokio::test]
async fn a_slow_answer_delays_neither_other_users_nor_the_senders_order() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let mut r = Receiver::start().await;
    r.answer(|req| {
        if text_of(req) == "slow first" {
            Reply {
                delay: Duration::from_millis(1500),
                ..Reply::ok(r#"{"valid": true}"#)
            }
        } else {
            Reply::ok(r#"{"valid": true}"#)
        }
    });
    add_rule(&api, &r.url("/pre"), json!({"timeout_ms": 5000})).await;
    let alice = std::sync::Arc::new(s.login("alice", None).await);
    let bob = s.login("bob", None).await;
    let carol = s.login("carol", None).await;

    // alice's first message waits for its answer; her second is sent
    // right behind it.
    let first = tokio::spawn({
        let a = alice.clone();
        async move { send(&a, "bob", "slow first").await }
    });
    let asked = r.next(WAIT).await.expect("the rule got alice's first");
    assert_eq!(text_of(&asked), "slow first");
    let second = tokio::spawn({
        let a = alice.clone();
        async move { send(&a, "bob", "fast second").await }
    });
    // carol is not held up by alice's pending answer.
    assert_eq!(code(&send(&carol, "bob", "carol's").await), 0);
    assert_eq!(next_text(&bob).await, "carol's");
    assert!(
        !first.is_finished(),
        "alice's first was answered before the app server answered"
    );

    assert_eq!(code(&first.await.unwrap()), 0);
    assert_eq!(code(&second.await.unwrap()), 0);
    assert_eq!(next_text(&bob).await, "slow first");
    assert_eq!(next_text(&bob).await, "fast second");
}
