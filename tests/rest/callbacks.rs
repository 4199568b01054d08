//! Callback rules over REST (§14.3) and post-send events (§8.3) to real
//! HTTP receivers on loopback: rules are listed, added with a generated
//! secret (at most 4), changed and deleted; `chat` and `chat_offline`
//! events arrive signed `md5(callId + secret + timestamp)` and only where
//! a rule's filters select them; a slow receiver gets them in batches, in
//! order; `/metrics` shows each rule's queue.

use super::*;
use crate::common::{code, Receiver, Reply};
use md5::{Digest, Md5};

const EXCEED: &str = "exceed_limit";

pub(super) fn post_rule(name: &str, url: &str, extra: Value) -> Value {
    let mut rule = json!({ "name": name, "kind": "post_send", "url": url });
    if let (Some(r), Some(e)) = (rule.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            r.insert(k.clone(), v.clone());
        }
    }
    rule
}

/// Adds a rule; its secret.
pub(super) async fn add_rule(api: &Api<'_>, rule: Value) -> String {
    let r = api.post("/callbacks", rule).await;
    let data = &assert_ok(&r)["data"];
    data["secret"]
        .as_str()
        .unwrap_or_else(|| panic!("a rule has a secret: {data}"))
        .to_string()
}

pub(super) fn signature(call_id: &str, secret: &str, timestamp: i64) -> String {
    let mut h = Md5::new();
    h.update(call_id.as_bytes());
    h.update(secret.as_bytes());
    h.update(timestamp.to_string().as_bytes());
    hex::encode(h.finalize())
}

#[track_caller]
pub(super) fn assert_signed(event: &Value, secret: &str) {
    let call_id = event["callId"].as_str().expect("callId");
    let ts = event["timestamp"].as_i64().expect("timestamp");
    assert_eq!(
        event["security"].as_str(),
        Some(signature(call_id, secret, ts).as_str()),
        "bad signature: {event}"
    );
    assert!(call_id.starts_with("demo#chat_"), "{event}");
}

/// Events the receiver gets, each request's body flattened (a batch is
/// an array), until `until` says the list is complete.
pub(super) async fn events_until(r: &mut Receiver, until: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !until(&got) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Some(req) = r.next(left).await else {
            panic!("the receiver got only {} events: {got:?}", got.len());
        };
        assert_eq!(req.method, "POST");
        assert_eq!(req.header("content-type"), Some("application/json"));
        match req.body {
            Value::Array(batch) => got.extend(batch),
            one => got.push(one),
        }
    }
    got
}

pub(super) fn text_of(event: &Value) -> &str {
    event["payload"]["bodies"][0]["msg"].as_str().unwrap_or("")
}

pub(super) fn has_text(events: &[Value], text: &str) -> bool {
    events.iter().any(|e| text_of(e) == text)
}

#[tokio::test]
async fn rules_are_listed_added_with_a_secret_changed_and_deleted() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    let url = "http://127.0.0.1:9/hook";
    let secret = add_rule(&api, post_rule("first", url, json!({"events": ["chat"]}))).await;
    assert!(secret.len() >= 24, "{secret}");
    for name in ["second", "third", "fourth"] {
        add_rule(&api, post_rule(name, url, json!({}))).await;
    }
    assert_error(
        &api.post("/callbacks", post_rule("fifth", url, json!({})))
            .await,
        403,
        EXCEED,
    );

    let listed = api.get("/callbacks").await;
    let rules = assert_ok(&listed)["data"].as_array().unwrap().clone();
    assert_eq!(rules.len(), 4);
    assert_eq!(rules[0]["name"], json!("first"));
    assert_eq!(rules[0]["secret"], json!(secret));
    assert_eq!(rules[0]["queue"]["queued"], json!(0));

    let changed = api
        .put(
            "/callbacks/first",
            json!({"enabled": false, "from": ["alice"]}),
        )
        .await;
    let data = &assert_ok(&changed)["data"];
    assert_eq!(
        (&data["enabled"], &data["from"]),
        (&json!(false), &json!(["alice"]))
    );
    assert_eq!(data["secret"], json!(secret), "a change keeps the secret");

    // Bad input: a clear code, nothing changed.
    assert_error(
        &api.put("/callbacks/nope", json!({"enabled": true})).await,
        404,
        NOT_FOUND,
    );
    assert_error(
        &api.put("/callbacks/first", json!({"secret": "mine"})).await,
        400,
        BAD_BODY,
    );
    assert_error(
        &api.put("/callbacks/first", json!({"url": "ftp://x"})).await,
        400,
        ILLEGAL,
    );
    assert_error(
        &api.put("/callbacks/first", json!({"name": "second"})).await,
        400,
        DUPLICATE,
    );

    let deleted = api.delete("/callbacks/second").await;
    assert_eq!(assert_ok(&deleted)["data"], json!({"deleted": "second"}));
    assert_error(&api.delete("/callbacks/second").await, 404, NOT_FOUND);
    assert_error(
        &api.post(
            "/callbacks",
            json!({"name": "x y", "kind": "post_send", "url": url}),
        )
        .await,
        400,
        ILLEGAL,
    );
    add_rule(&api, post_rule("fifth", url, json!({}))).await;
}

/// A 1:1 text from `c`, with `ext`; its ack.
pub(super) async fn send(c: &WsClient, to: &str, text: &str, ext: Option<Value>) -> Value {
    let mut args = json!({"chat": "single", "to": to, "body": {"type": "txt", "msg": text}});
    if let Some(e) = ext {
        args["ext"] = e;
    }
    let r = c.request("send", args).await.unwrap();
    assert_eq!(code(&r), 0, "{r}");
    r
}

#[tokio::test]
async fn post_send_events_arrive_signed_and_only_where_the_filters_select_them() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob", "carol"]).await;
    let api = Api::admin(&s).await;
    let mut all = Receiver::start().await;
    let mut picky = Receiver::start().await;
    // Every chat and chat_offline event of alice, not REST-sent ones.
    let all_secret = add_rule(
        &api,
        post_rule(
            "all",
            &all.url("/all"),
            json!({"events": ["chat", "chat_offline"], "include_rest": false, "from": ["alice"]}),
        ),
    )
    .await;
    // Only messages to bob with ext key `order`, REST-sent included.
    let picky_secret = add_rule(
        &api,
        post_rule(
            "picky",
            &picky.url("/picky"),
            json!({"events": ["chat"], "to": ["bob"], "ext_keys": ["order"]}),
        ),
    )
    .await;
    let alice = s.login("alice", None).await;
    let bob = s.login("bob", None).await;

    let to_bob = send(&alice, "bob", "a to bob", None).await;
    send(&alice, "carol", "a to offline carol", None).await;
    send(&bob, "alice", "b to alice", None).await;
    send(
        &alice,
        "bob",
        "a to bob with order",
        Some(json!({"order": 7})),
    )
    .await;
    let rest = api
        .post(
            "/messages/users",
            json!({"from": "alice", "to": ["bob"], "type": "txt",
               "body": {"msg": "rest to bob"}, "ext": {"order": 8}}),
        )
        .await;
    assert_ok(&rest);
    send(&alice, "bob", "end", Some(json!({"order": 9}))).await;

    let got = events_until(&mut all, |e| has_text(e, "end")).await;
    let seen: Vec<(&str, &str)> = got
        .iter()
        .map(|e| (e["eventType"].as_str().unwrap_or(""), text_of(e)))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("chat", "a to bob"),
            ("chat", "a to offline carol"),
            ("chat_offline", "a to offline carol"),
            ("chat", "a to bob with order"),
            ("chat", "end"),
        ]
    );
    for e in &got {
        assert_signed(e, &all_secret);
        assert_eq!(
            (&e["appkey"], &e["chat_type"], &e["from"]),
            (&json!("demo#chat"), &json!("chat"), &json!("alice")),
            "{e}"
        );
    }
    let acked_id = match &to_bob["msg_id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    assert_eq!(
        got[0]["msg_id"],
        json!(acked_id),
        "the event names the acked message"
    );
    assert_eq!(got[0]["to"], json!("bob"));
    assert_eq!(got[0]["payload"]["bodies"][0]["type"], json!("txt"));
    assert_ne!(
        got[1]["callId"], got[2]["callId"],
        "each event has its own callId"
    );

    let got = events_until(&mut picky, |e| has_text(e, "end")).await;
    let texts: Vec<&str> = got.iter().map(text_of).collect();
    assert_eq!(texts, vec!["a to bob with order", "rest to bob", "end"]);
    for e in &got {
        assert_signed(e, &picky_secret);
    }
    assert!(all.try_next().is_none() && picky.try_next().is_none());

    // Each rule's queue is on /metrics, empty once delivered (counted
    // just after the receiver answered).
    let rule_1 = "{app=\"demo#chat\",rule_id=\"1\"}";
    let wanted = [
        format!("imcloud_callback_queued{rule_1} 0"),
        format!("imcloud_callback_delivered_total{rule_1} 5"),
        format!("imcloud_callback_failed_requests_total{rule_1} 0"),
    ];
    crate::common::eventually(WAIT, "the delivered events on /metrics", || async {
        let metrics = s
            .http()
            .get(s.url("/metrics"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        wanted
            .iter()
            .all(|w| metrics.lines().any(|l| l == w))
            .then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_slow_receiver_gets_events_in_order_in_batches() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let mut slow = Receiver::start().await;
    slow.answer(|_| Reply {
        status: 200,
        body: "{}".into(),
        delay: Duration::from_millis(200),
    });
    add_rule(
        &api,
        post_rule(
            "batched",
            &slow.url("/b"),
            json!({"events": ["chat"], "batch_max": 100}),
        ),
    )
    .await;
    const N: usize = 60;
    for i in 0..N {
        let r = api
            .post(
                "/messages/users",
                json!({"from": "alice", "to": ["bob"], "type": "txt",
                   "body": {"msg": format!("m{i}")}}),
            )
            .await;
        assert_ok(&r);
    }
    let mut requests = 0;
    let mut got = Vec::new();
    while got.len() < N {
        let req = slow.next(WAIT).await.expect("a batch in time");
        requests += 1;
        got.extend(req.body.as_array().expect("a batch is an array").clone());
    }
    let texts: Vec<String> = got.iter().map(|e| text_of(e).to_string()).collect();
    let sent: Vec<String> = (0..N).map(|i| format!("m{i}")).collect();
    assert_eq!(texts, sent);
    assert!(
        requests < N,
        "{requests} requests for {N} events: no batching"
    );
}

/// `(chat_type or eventType, from, to, extra)` of an event, for comparing.
pub(super) fn summary(e: &Value) -> (String, String, String, String) {
    let kind = e["chat_type"]
        .as_str()
        .or(e["eventType"].as_str())
        .unwrap_or_default()
        .to_string();
    let extra = match kind.as_str() {
        "muc" => e["payload"]["operation"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        "roster" => e["payload"]["operation"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        "read_ack" | "recall" => e["payload"]["ack_message_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        _ => e["status"]
            .as_str()
            .or(e["reason"].as_str())
            .unwrap_or_default()
            .to_string(),
    };
    let who = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        kind,
        who(&e["from"])
            .replace("demo#chat_", "")
            .replace("@easemob.com", ""),
        who(&e["to"]),
        extra,
    )
}

#[tokio::test]
async fn recall_read_ack_roster_muc_and_user_status_events_arrive_signed() {
    let s = TestServer::start().await;
    s.create_users(&["alice", "bob"]).await;
    let api = Api::admin(&s).await;
    let mut r = Receiver::start().await;
    let secret = add_rule(
        &api,
        post_rule(
            "events",
            &r.url("/events"),
            json!({"events": ["recall", "read_ack", "roster", "muc", "user_status"]}),
        ),
    )
    .await;
    let alice = s.login("alice", Some("phone")).await;
    let bob = s.login("bob", None).await;
    let sent = send(&alice, "bob", "hi bob", None).await;
    let id = match &sent["msg_id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    let read = bob
        .request(
            "read",
            json!({"chat": "single", "to": "alice", "msg_id": id}),
        )
        .await
        .unwrap();
    assert_eq!(code(&read), 0, "{read}");
    let recalled = alice
        .request(
            "recall",
            json!({"chat": "single", "to": "bob", "msg_id": id}),
        )
        .await
        .unwrap();
    assert_eq!(code(&recalled), 0, "{recalled}");
    let asked = alice
        .request("contact_add", json!({"user": "bob"}))
        .await
        .unwrap();
    assert_eq!(code(&asked), 0, "{asked}");
    let accepted = bob
        .request("contact_accept", json!({"user": "alice"}))
        .await
        .unwrap();
    assert_eq!(code(&accepted), 0, "{accepted}");
    let group = assert_ok(
        &api.post(
            "/chatgroups",
            json!({"owner": "alice", "public": true, "groupname": "g", "members": ["bob"]}),
        )
        .await,
    )["data"]["groupid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ok(&api.delete(&format!("/chatgroups/{group}/users/bob")).await);
    assert_ok(&api.delete(&format!("/chatgroups/{group}")).await);
    alice.close().await.unwrap();

    let got = events_until(&mut r, |e| {
        e.iter().any(|e| e["status"] == json!("offline"))
    })
    .await;
    for e in &got {
        assert_signed(e, &secret);
    }
    let seen: Vec<_> = got.iter().map(summary).collect();
    let t = |a: &str, b: &str, c: &str, d: &str| {
        (a.to_string(), b.to_string(), c.to_string(), d.to_string())
    };
    let wanted = vec![
        t("", "", "", "online"),
        t("", "", "", "online"),
        t("read_ack", "bob", "alice", &id),
        t("recall", "alice", "bob", &id),
        t("roster", "alice", "bob", "add"),
        t("roster", "bob", "alice", "accept"),
        t("muc", "alice", &group, "create"),
        t("muc", "bob", &group, "kick"),
        t("muc", "alice", &group, "destroy"),
        t("", "", "", "offline"),
    ];
    assert_eq!(seen.len(), wanted.len(), "{got:?}");
    for (i, (s, w)) in seen.iter().zip(&wanted).enumerate() {
        if w.0.is_empty() {
            assert_eq!(got[i]["status"].as_str(), Some(w.3.as_str()), "{}", got[i]);
        } else {
            assert_eq!(s, w, "event {i}: {}", got[i]);
        }
    }
    let offline = &got[wanted.len() - 1];
    assert_eq!(offline["user"], json!("demo#chat_alice@easemob.com/phone"));
    assert_eq!(offline["reason"], json!("logout"));
}

#[tokio::test]
async fn a_test_event_reaches_the_rules_url_signed_and_its_answer_is_reported() {
    let s = TestServer::start().await;
    let api = Api::admin(&s).await;
    let mut r = Receiver::start().await;
    r.answer(|_| Reply {
        status: 202,
        body: "{\"seen\":true}".into(),
        delay: Duration::ZERO,
    });
    let secret = add_rule(&api, post_rule("probe", &r.url("/hook"), json!({}))).await;
    let got = api.post("/callbacks/probe/test", json!({})).await;
    let data = assert_ok(&got)["data"].clone();
    assert_eq!(data["status"], json!(202), "{data}");
    assert_eq!(data["ok"], json!(true));
    assert_eq!(data["answer"], json!("{\"seen\":true}"));
    let req = r.next(WAIT).await.expect("the test event arrives");
    assert_eq!(req.path, "/hook");
    assert_eq!(req.body["eventType"], json!("test"));
    assert_eq!(req.body["callId"], data["call_id"]);
    assert_signed(&req.body, &secret);

    // A receiver that is down is reported, not an error of the call.
    r.down();
    let got = api.post("/callbacks/probe/test", json!({})).await;
    let data = &assert_ok(&got)["data"];
    assert_eq!(data["ok"], json!(false), "{data}");
    assert!(
        data["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{data}"
    );
    // An unknown rule is 404.
    let got = api.post("/callbacks/nope/test", json!({})).await;
    assert_eq!(got.0, 404, "{}", got.1);
}
