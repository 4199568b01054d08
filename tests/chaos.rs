//! The chaos run: the load harness's `mixed` scenario (idle sockets, 1:1
//! pairs and a group, all sending) against the real binary, which is
//! killed with SIGKILL at a random moment of each round and started again
//! on the same data. Witness senders beside the load send numbered
//! messages, resending the one whose ack a kill swallowed with the same
//! `client_msg_id`, as a client would. At the end each witness receiver's
//! two devices sync everything: every acked message is there, each number
//! under one msg id only (a resend never stored a second copy), in the
//! order sent; and the settings, contacts, group and chatroom the setup
//! made are as they were after every restart.
//!
//! Two rounds run in the suite; `CHAOS_ROUNDS=N` runs more (the
//! long run, `docs/testing.md`), `CHAOS_SEED` repeats a run. (Not
//! `IMCLOUD_…`: the server child would read those as its config.)

use crate::common::{start_binary, write_test_config, BinaryServer};
use imcloud_loadtest::mixed::{self, MixedOptions};
use imcloud_loadtest::progress::Live;
use imcloud_loadtest::rest::Credentials;
use imcloud_loadtest::target::Target;
use imcloud_loadtest::wire::Encoding;
use imcloud_loadtest::{chatroom, governance, group, setup};
use imcloud_testkit::{code, WsClient, APPKEY};
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

const PREFIX: &str = "cx";
/// Group members, 1:1 pairs and idle sockets of the `mixed` load.
const MEMBERS: u32 = 4;
const PAIRS: u32 = 4;
const IDLE: u32 = 20;
/// Witness senders (each to its own receiver) and their group.
const WITNESSES: usize = 2;
const WITNESS_GROUP_SENDER: &str = "wg0";

struct Run {
    server: BinaryServer,
    data: std::path::PathBuf,
    config: std::path::PathBuf,
    http: reqwest::Client,
    creds: Credentials,
}

impl Run {
    fn target(&self) -> Target {
        Target::new(&self.server.base(), APPKEY).expect("loopback target")
    }

    async fn token(&self) -> String {
        self.server.demo_token(&self.http, &self.data).await
    }

    async fn rest(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let token = self.token().await;
        crate::common::rest(&self.http, &self.server.base(), &token, method, path, body).await
    }

    fn restart(&mut self) {
        self.server.kill9();
        self.server = start_binary(&self.data, &self.config);
    }
}

/// The state the setup made, read back; compared after every restart.
async fn state(run: &Run, room: &str, group: &str) -> Value {
    let (_, settings) = run.rest(Method::GET, "/settings", None).await;
    let (_, contacts) = run
        .rest(Method::GET, "/users/wa0/contacts/users", None)
        .await;
    let (_, room) = run
        .rest(Method::GET, &format!("/chatrooms/{room}"), None)
        .await;
    let (_, group) = run
        .rest(Method::GET, &format!("/chatgroups/{group}/users"), None)
        .await;
    json!({
        "settings": settings["data"],
        "contacts": contacts["data"],
        "room": room["data"],
        "group_members": group["data"],
    })
}

/// One witness sender's numbered messages: `acked[n]` is the msg id of
/// number `n`; `pending` the number sent whose ack a kill swallowed.
#[derive(Default, Clone)]
struct Witness {
    acked: BTreeMap<u64, String>,
    pending: Option<u64>,
    next: u64,
}

fn text(sender: &str, n: u64) -> String {
    format!("{sender}#{n:06}")
}

/// Sends numbered messages from `sender` to `to` (1:1) or the group until
/// the socket dies or `limit` is reached; the resend of a pending number
/// comes first, with the same `client_msg_id`.
async fn witness_round(
    url: String,
    sender: String,
    to: String,
    group: bool,
    mut w: Witness,
    limit: u64,
) -> Witness {
    let Ok(c) = WsClient::connect(&url, false).await else {
        return w;
    };
    match c
        .login(APPKEY, &sender, &format!("pw-{sender}"), Some("w"))
        .await
    {
        Ok(r) if r["ok"] == json!(true) => {}
        _ => return w,
    }
    // Paced, so a round's kill finds messages in flight rather than a
    // backlog of thousands to sync at the end.
    let mut pace = tokio::time::interval(Duration::from_millis(2));
    loop {
        pace.tick().await;
        let n = match w.pending {
            Some(n) => n,
            None => {
                if w.next >= limit {
                    return w;
                }
                w.next += 1;
                w.next
            }
        };
        w.pending = Some(n);
        let chat = if group { "group" } else { "single" };
        // Every fifth is a `cmd`: those have no conversation index, so a
        // redelivery finds them through the archive instead.
        let body = if n % 5 == 0 {
            json!({"type": "cmd", "action": text(&sender, n)})
        } else {
            json!({"type": "txt", "msg": text(&sender, n)})
        };
        let args = json!({"chat": chat, "to": to, "body": body,
                          "client_msg_id": format!("{sender}-{n}")});
        match c.request("send", args).await {
            Ok(r) if code(&r) == 0 => {
                let id = r["msg_id"].as_str().unwrap_or_default().to_string();
                if let Some(first) = w.acked.get(&n) {
                    assert_eq!(first, &id, "a resend of {sender} #{n} got another msg id");
                }
                w.acked.insert(n, id);
                w.pending = None;
            }
            // Refused outright (the server is stopping): try again later.
            Ok(_) => return w,
            // The socket died: the outcome is unknown, resend later.
            Err(_) => return w,
        }
    }
}

/// Everything `user`'s device `device` gets by syncing from the start.
async fn synced(run: &Run, user: &str, device: &str) -> Vec<Value> {
    let c = WsClient::connect(&format!("ws://{}/ws", run.server.addr), false)
        .await
        .expect("connect");
    let r = c
        .login(APPKEY, user, &format!("pw-{user}"), Some(device))
        .await
        .expect("login");
    assert_eq!(r["ok"], json!(true), "{r}");
    c.sync_streams(json!({})).await.expect("sync").0
}

/// Checks one device's copy of `sender`'s messages against what was acked.
fn check_device(who: &str, msgs: &[Value], sender: &str, w: &Witness) {
    let prefix = format!("{sender}#");
    let mut ids_by_number: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut order = Vec::new();
    for m in msgs.iter().filter(|m| m["from"] == json!(sender)) {
        let Some(n) = m["body"]["msg"]
            .as_str()
            .or_else(|| m["body"]["action"].as_str())
            .and_then(|t| t.strip_prefix(&prefix))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        let id = m["msg_id"].as_str().unwrap_or_default().to_string();
        let ids = ids_by_number.entry(n).or_default();
        if !ids.contains(&id) {
            ids.push(id);
            order.push(n);
        }
    }
    for (n, id) in &w.acked {
        let got = ids_by_number.get(n);
        assert_eq!(
            got.map(|v| v.as_slice()),
            Some(std::slice::from_ref(id)),
            "{who}: {sender} #{n} acked as {id}, device has {got:?}"
        );
    }
    for (n, ids) in &ids_by_number {
        assert_eq!(ids.len(), 1, "{who}: {sender} #{n} stored twice: {ids:?}");
    }
    assert!(
        order.windows(2).all(|p| p[0] < p[1]),
        "{who}: {sender}'s messages out of order: {order:?}"
    );
}

async fn prepare(run: &Run) -> (String, String) {
    let target = run.target();
    let opts = setup::SetupOptions {
        target: target.clone(),
        credentials: run.creds.clone(),
        users: MEMBERS + 2 * PAIRS + IDLE,
        prefix: PREFIX.into(),
        concurrency: 2,
    };
    setup::run(&opts).await.expect("users");
    let g = group::setup::ensure(&target, &run.creds, PREFIX, MEMBERS)
        .await
        .expect("group");
    let room = chatroom::setup::ensure(&target, &run.creds, PREFIX, MEMBERS)
        .await
        .expect("room");
    // Friend check on, and the load's pairs friends (users 2i, 2i+1 from
    // 0, which covers the pairs that start at MEMBERS).
    let gov = governance::GovernanceOptions {
        pairs: MEMBERS / 2 + PAIRS,
        words: 0,
        blocks: 0,
    };
    governance::ensure(&target, &run.creds, PREFIX, &gov)
        .await
        .expect("governance");
    let (s, v) = run
        .rest(
            Method::PUT,
            "/settings",
            Some(json!({"recall_window_secs": 300})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // The witnesses: wa{i} sends to wb{i}, friends; wa0 also to a group
    // with every receiver.
    let token = run.token().await;
    let mut users = vec![WITNESS_GROUP_SENDER.to_string()];
    for i in 0..WITNESSES {
        users.push(format!("wa{i}"));
        users.push(format!("wb{i}"));
    }
    let names: Vec<&str> = users.iter().map(String::as_str).collect();
    crate::common::create_users(
        &run.http,
        &format!("{}/demo/chat/users", run.server.base()),
        &token,
        &names,
    )
    .await;
    for i in 0..WITNESSES {
        let (s, v) = run
            .rest(
                Method::POST,
                &format!("/users/wa{i}/contacts/users/wb{i}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let receivers: Vec<String> = (0..WITNESSES).map(|i| format!("wb{i}")).collect();
    let (s, v) = run
        .rest(
            Method::POST,
            "/chatgroups",
            Some(
                json!({"groupname": "witnesses", "desc": "d", "public": true, "maxusers": 50,
                        "owner": WITNESS_GROUP_SENDER, "members": receivers}),
            ),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(g.members, u64::from(MEMBERS), "{g:?}");
    (
        room.id,
        v["data"]["groupid"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

fn mixed_options(target: Target) -> MixedOptions {
    MixedOptions {
        target,
        prefix: PREFIX.into(),
        idle: IDLE,
        idle_rate: 200.0,
        source_ips: 0,
        pairs: PAIRS,
        direct_rate: 200.0,
        members: MEMBERS,
        senders: 2,
        group_rate: 20.0,
        duration: Duration::from_secs(30),
        drain: Duration::from_secs(2),
        payload_bytes: 16,
        encoding: Encoding::Json,
        login_concurrency: 8,
    }
}

fn rounds() -> u32 {
    std::env::var("CHAOS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acked_messages_and_state_survive_sigkills_under_mixed_load() {
    let seed: u64 = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!(
        "chaos: seed {seed} (CHAOS_SEED repeats it), {} rounds",
        rounds()
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
    let server = start_binary(&data, &config);
    let creds = Credentials::from_data_dir(&data).expect("demo credentials");
    let mut run = Run {
        server,
        data,
        config,
        http: reqwest::Client::new(),
        creds,
    };
    let (room, wgroup) = prepare(&run).await;
    let before = state(&run, &room, &wgroup).await;

    let mut witnesses: Vec<Witness> = vec![Witness::default(); WITNESSES + 1];
    let mut kills = 0;
    for round in 0..rounds() {
        let load = tokio::spawn({
            let opts = mixed_options(run.target());
            async move { mixed::run(&opts, &Live::new()).await }
        });
        let url = format!("ws://{}/ws", run.server.addr);
        let tasks: Vec<_> = witnesses
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let (sender, to, group) = if i < WITNESSES {
                    (format!("wa{i}"), format!("wb{i}"), false)
                } else {
                    (WITNESS_GROUP_SENDER.to_string(), wgroup.clone(), true)
                };
                tokio::spawn(witness_round(
                    url.clone(),
                    sender,
                    to,
                    group,
                    w.clone(),
                    u64::MAX,
                ))
            })
            .collect();
        // The chaos itself: a kill at a random moment once the load is
        // under way (not a wait for anything).
        let after = Duration::from_millis(rng.gen_range(800..3_000));
        tokio::time::sleep(after).await;
        run.restart();
        kills += 1;
        for (i, t) in tasks.into_iter().enumerate() {
            witnesses[i] = t.await.expect("witness task");
        }
        load.abort();
        let _ = load.await;
        let now = state(&run, &room, &wgroup).await;
        assert_eq!(now, before, "state after kill {kills} (round {round})");
        let acked: usize = witnesses.iter().map(|w| w.acked.len()).sum();
        eprintln!(
            "chaos: round {round}: killed after {after:?}; {acked} witness messages acked so far"
        );
    }
    // A last calm round: every pending number is resent and acked.
    let url = format!("ws://{}/ws", run.server.addr);
    for (i, w) in witnesses.iter_mut().enumerate() {
        let (sender, to, group) = if i < WITNESSES {
            (format!("wa{i}"), format!("wb{i}"), false)
        } else {
            (WITNESS_GROUP_SENDER.to_string(), wgroup.clone(), true)
        };
        let limit = w.next;
        *w = witness_round(url.clone(), sender, to, group, w.clone(), limit).await;
        assert_eq!(w.pending, None, "every number is acked in the end");
    }
    for i in 0..WITNESSES {
        let receiver = format!("wb{i}");
        for device in ["d1", "d2"] {
            let msgs = synced(&run, &receiver, device).await;
            let who = format!("{receiver}/{device}");
            check_device(&who, &msgs, &format!("wa{i}"), &witnesses[i]);
            check_device(&who, &msgs, WITNESS_GROUP_SENDER, &witnesses[WITNESSES]);
        }
    }
    let total: usize = witnesses.iter().map(|w| w.acked.len()).sum();
    eprintln!(
        "chaos: {kills} kills, {total} witness messages acked, all delivered once and in order"
    );
    assert!(total > 0);
}
