//! Groups end to end: membership, one-copy timeline with fan-out grouped by
//! shard, sync from the join seq, refusals with their codes, roles, join
//! approval, limits, and survival of `kill -9`.

use crate::common::{
    app_token, create_users, eventually, write_test_config, BinaryServer, TestServer, APPKEY,
};
use futures_util::future::join_all;
use imcloud::client::WsClient;
use imcloud_shards::{EntityKey, EntityKind};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);

/// An app-token REST call; returns the status and the JSON body.
async fn rest(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = http
        .request(method, format!("{base}/demo/chat{path}"))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("rest call");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Creates a group owned by `owner` with `members` added 60 at a time;
/// `extra` fields go into the create body.
async fn create_group(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    owner: &str,
    members: &[String],
    extra: Value,
) -> String {
    let mut body = json!({"groupname": "g", "public": true, "maxusers": 1000, "owner": owner});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let (status, r) = rest(
        http,
        base,
        token,
        reqwest::Method::POST,
        "/chatgroups",
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "create group: {r}");
    let id = r["data"]["groupid"].as_str().expect("groupid").to_string();
    for chunk in members.chunks(60) {
        let (status, r) = rest(
            http,
            base,
            token,
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/users"),
            Some(json!({ "usernames": chunk })),
        )
        .await;
        assert_eq!(status, 200, "add members: {r}");
        assert_eq!(
            r["data"]["newmembers"].as_array().map(Vec::len),
            Some(chunk.len())
        );
    }
    id
}

/// The next push matching `pred`, skipping others.
async fn push_where(c: &WsClient, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + WAIT;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match c.next_push(left).await {
            Some(p) if pred(&p) => return p,
            Some(_) => continue,
            None => panic!("timed out waiting for {what}"),
        }
    }
}

/// The next `n` group message pushes (events are skipped).
async fn group_messages(c: &WsClient, n: usize) -> Vec<Value> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let p = push_where(c, "a group message", |p| p["push"] == json!("message")).await;
        out.push(p["msg"].clone());
    }
    out
}

fn texts(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .map(|m| m["body"]["msg"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn code(reply: &Value) -> u64 {
    reply["error"]["code"].as_u64().unwrap_or(0)
}

struct Ctx {
    s: TestServer,
    base: String,
    token: String,
}

impl Ctx {
    async fn start(users: &[&str]) -> Ctx {
        Self::start_with(users, |_| {}).await
    }

    async fn start_with(users: &[&str], tune: impl FnOnce(&mut imcloud::config::Config)) -> Ctx {
        let s = TestServer::start_with(tune).await;
        s.create_users(users).await;
        let base = format!("http://{}", s.addr);
        let token = s.app_token().await;
        Ctx { s, base, token }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        rest(self.s.http(), &self.base, &self.token, method, path, body).await
    }

    async fn group(&self, owner: &str, members: &[&str], extra: Value) -> String {
        let members: Vec<String> = members.iter().map(|m| m.to_string()).collect();
        create_group(
            self.s.http(),
            &self.base,
            &self.token,
            owner,
            &members,
            extra,
        )
        .await
    }
}

#[tokio::test]
async fn a_message_reaches_200_online_members_in_order_and_300_by_sync() {
    let names: Vec<String> = (0..500).map(|i| format!("u{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = Ctx::start(&refs).await;
    let id = create_group(
        c.s.http(),
        &c.base,
        &c.token,
        "u000",
        &names[1..],
        json!({}),
    )
    .await;

    let online = join_all(names[..200].iter().map(|n| c.s.login(n, None))).await;
    let metrics = c.s.node.runtime.clone();
    let before = metrics.fanout_batches.load(Ordering::Relaxed);
    for i in 0..5 {
        let r = online[0]
            .send_group_text(&id, &format!("m{i}"))
            .await
            .unwrap();
        assert_eq!(r["ok"], json!(true), "{r}");
        assert_eq!(r["seq"], json!(i + 1));
    }
    // Every online member but the sending device gets all five, in order.
    let got = join_all(online[1..].iter().map(|c| group_messages(c, 5))).await;
    for msgs in &got {
        assert_eq!(texts(msgs), ["m0", "m1", "m2", "m3", "m4"]);
        let seqs: Vec<u64> = msgs.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        assert_eq!(msgs[0]["chat"], json!("group"));
        assert_eq!(msgs[0]["to"], json!(id));
    }
    // One notice per shard holding members, not one per member.
    let shards: HashSet<u32> = names
        .iter()
        .map(|n| {
            c.s.node
                .router
                .shard_of(&EntityKey::new(APPKEY, EntityKind::User, n.as_str()))
        })
        .collect();
    let expected = 5 * shards.len() as u64;
    let batches = eventually(WAIT, "fan-out batches", || {
        let m = metrics.clone();
        async move {
            let n = m.fanout_batches.load(Ordering::Relaxed) - before;
            (n >= expected).then_some(n)
        }
    })
    .await;
    assert_eq!(
        batches,
        expected,
        "batches per message == shards holding members ({})",
        shards.len()
    );

    // The 300 offline members find the five by sync when they connect.
    let late = join_all(names[200..].iter().map(|n| c.s.login(n, None))).await;
    let synced = join_all(late.iter().map(|c| c.sync_streams(json!({})))).await;
    for r in synced {
        let (msgs, cursors) = r.unwrap();
        assert_eq!(texts(&msgs), ["m0", "m1", "m2", "m3", "m4"]);
        assert_eq!(cursors[format!("group:{id}")], json!(5));
    }
}

#[tokio::test]
async fn a_later_member_sees_only_newer_messages_and_a_removed_one_stops_receiving() {
    let c = Ctx::start(&["alice", "bob", "carol"]).await;
    let id = c.group("alice", &["bob"], json!({})).await;
    let alice = c.s.login("alice", None).await;
    let bob = c.s.login("bob", None).await;
    assert_eq!(
        alice.send_group_text(&id, "before carol").await.unwrap()["ok"],
        json!(true)
    );
    assert_eq!(texts(&group_messages(&bob, 1).await), ["before carol"]);

    let (status, r) = c
        .call(
            reqwest::Method::POST,
            &format!("/chatgroups/{id}/users/carol"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let joined = push_where(&bob, "member_joined", |p| p["push"] == json!("event")).await;
    assert_eq!(
        joined,
        json!({"push": "event", "kind": "member_joined", "group": id, "user": "carol"})
    );
    let carol = c.s.login("carol", None).await;
    // Neither the default sync nor an explicit cursor 0 reaches before the join.
    let (msgs, _) = carol.sync_streams(json!({})).await.unwrap();
    assert!(msgs.is_empty(), "{msgs:?}");
    let (msgs, cursors) = carol
        .sync_streams(json!({format!("group:{id}"): 0}))
        .await
        .unwrap();
    assert!(msgs.is_empty(), "{msgs:?}");
    assert_eq!(cursors[format!("group:{id}")], json!(1));
    alice.send_group_text(&id, "after carol").await.unwrap();
    assert_eq!(texts(&group_messages(&carol, 1).await), ["after carol"]);
    let (msgs, _) = carol.sync_streams(json!({})).await.unwrap();
    assert_eq!(texts(&msgs), ["after carol"]);

    // Bob is removed: he hears it, then nothing more from the group.
    let (status, r) = c
        .call(
            reqwest::Method::DELETE,
            &format!("/chatgroups/{id}/users/bob"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(texts(&group_messages(&bob, 1).await), ["after carol"]);
    let removed = push_where(&bob, "member_removed", |p| p["push"] == json!("event")).await;
    assert_eq!(removed["kind"], json!("member_removed"));
    assert_eq!(removed["user"], json!("bob"));
    alice.send_group_text(&id, "without bob").await.unwrap();
    assert_eq!(texts(&group_messages(&carol, 1).await), ["without bob"]);
    // A 1:1 marker sent after the group message: bob's next message push
    // is the marker, so the group message never came.
    alice.send_text("bob", "marker", None).await.unwrap();
    let next = push_where(&bob, "the marker", |p| p["push"] == json!("message")).await;
    assert_eq!(next["msg"]["body"]["msg"], json!("marker"));
    let r = bob
        .request("sync", json!({"cursors": {format!("group:{id}"): 0}}))
        .await
        .unwrap();
    assert_eq!(code(&r), 602, "{r}");
    let r = bob.send_group_text(&id, "let me in").await.unwrap();
    assert_eq!(code(&r), 602, "{r}");
}

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

fn demo_credentials(dir: &std::path::Path) -> (String, String) {
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("demo-app.json")).expect("demo-app.json"),
    )
    .expect("json");
    (
        v["client_id"].as_str().unwrap().to_string(),
        v["client_secret"].as_str().unwrap().to_string(),
    )
}

async fn login(addr: std::net::SocketAddr, user: &str) -> WsClient {
    let c = WsClient::connect(&format!("ws://{addr}/ws"), false)
        .await
        .unwrap();
    let r = c
        .login(APPKEY, user, &format!("pw-{user}"), None)
        .await
        .unwrap();
    assert_eq!(r["ok"], json!(true), "{r}");
    c
}

#[tokio::test]
async fn group_state_and_messages_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
    let mut server = BinaryServer::start(&data, &config);
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();
    let (cid, secret) = demo_credentials(&data);
    let token = app_token(&http, &format!("{base}/demo/chat/token"), &cid, &secret).await;
    create_users(
        &http,
        &format!("{base}/demo/chat/users"),
        &token,
        &["alice", "bob", "carol"],
    )
    .await;
    let members = vec!["bob".to_string(), "carol".to_string()];
    let id = create_group(
        &http,
        &base,
        &token,
        "alice",
        &members,
        json!({"groupname": "durable"}),
    )
    .await;
    let (status, _) = rest(
        &http,
        &base,
        &token,
        reqwest::Method::POST,
        &format!("/chatgroups/{id}/mute"),
        Some(json!({"usernames": ["bob"]})),
    )
    .await;
    assert_eq!(status, 200);
    let alice = login(server.addr, "alice").await;
    for i in 0..20 {
        let r = alice.send_group_text(&id, &format!("d{i}")).await.unwrap();
        assert_eq!(r["ok"], json!(true), "{r}");
    }
    server.kill9();

    let server = BinaryServer::start(&data, &config);
    let base = format!("http://{}", server.addr);
    let token = app_token(&http, &format!("{base}/demo/chat/token"), &cid, &secret).await;
    let (status, r) = rest(
        &http,
        &base,
        &token,
        reqwest::Method::GET,
        &format!("/chatgroups/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["data"][0]["name"], json!("durable"));
    assert_eq!(r["data"][0]["affiliations_count"], json!(3));
    let carol = login(server.addr, "carol").await;
    let (msgs, _) = carol.sync_streams(json!({})).await.unwrap();
    assert_eq!(
        texts(&msgs),
        (0..20).map(|i| format!("d{i}")).collect::<Vec<_>>()
    );
    let bob = login(server.addr, "bob").await;
    assert_eq!(
        code(&bob.send_group_text(&id, "still muted").await.unwrap()),
        215
    );
    let alice = login(server.addr, "alice").await;
    let r = alice.send_group_text(&id, "after restart").await.unwrap();
    assert_eq!(r["seq"], json!(21), "{r}");
}
