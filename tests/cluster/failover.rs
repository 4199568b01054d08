//! Shards moving under load between real nodes: a fourth node joining, a
//! node killed with `kill -9`, a node paused with SIGSTOP while the others
//! take its shards. Senders resend what was not acked (same
//! `client_msg_id`, to any live node) until it is; afterwards every acked
//! message is in its recipient's timeline exactly once, and the shard logs
//! show that every round was written by the node whose claim came last
//! before it (never two owners writing).

use super::*;
use imcloud_shards::cluster::{LogConfig, LogEntry, ShardLogs};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Messages each sender sends.
const PER_SENDER: usize = 60;
/// Senders (and as many recipients).
const SENDERS: usize = 6;
/// The pause between two of a sender's messages, so the load lasts while
/// the cluster changes (about 2.5 s from its start).
const PACE: Duration = Duration::from_millis(40);
/// How long one send may take before the sender gives up on its node.
const SEND_WAIT: Duration = Duration::from_secs(3);
/// How long a whole load may take.
const LOAD_DEADLINE: Duration = Duration::from_secs(90);

fn names(prefix: &str) -> Vec<String> {
    (0..SENDERS).map(|i| format!("{prefix}{i}")).collect()
}

/// The nodes senders may connect to, changed by the test as it kills and
/// pauses nodes.
type LiveNodes = Arc<Mutex<Vec<String>>>;

/// What the senders saw.
struct Load {
    /// Sender index → the msg ids acked to it, by message number.
    acked: Vec<Vec<String>>,
    resends: usize,
}

/// Starts the senders: sender `i` sends `PER_SENDER` texts to `r{i}`,
/// connected first to node `i % 3 + 1`. `progress` counts acks.
fn start_load(
    c: &TestCluster,
    app: &App,
    live: LiveNodes,
    progress: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<Load> {
    let appkey = app.appkey();
    let first: Vec<String> = (0..SENDERS).map(|i| c.ws_url((i % 3) as u16 + 1)).collect();
    tokio::spawn(async move {
        let tasks = (0..SENDERS).map(|i| {
            let (appkey, live, progress, first) = (
                appkey.clone(),
                live.clone(),
                progress.clone(),
                first[i].clone(),
            );
            tokio::spawn(async move { send_all(i, &appkey, first, live, progress).await })
        });
        let mut load = Load {
            acked: Vec::new(),
            resends: 0,
        };
        for t in futures_util::future::join_all(tasks).await {
            let (acked, resends) = t.expect("sender task");
            load.acked.push(acked);
            load.resends += resends;
        }
        load
    })
}

/// One sender's messages, each resent until acked; the acked ids and the
/// number of resends.
async fn send_all(
    i: usize,
    appkey: &str,
    first: String,
    live: LiveNodes,
    progress: Arc<AtomicUsize>,
) -> (Vec<String>, usize) {
    let user = format!("s{i}");
    let until = Instant::now() + LOAD_DEADLINE;
    let mut client: Option<WsClient> = connect(&first, appkey, &user).await;
    let mut acked = Vec::with_capacity(PER_SENDER);
    let mut resends = 0;
    for k in 0..PER_SENDER {
        let cmid = format!("s{i}-{k}");
        loop {
            assert!(
                Instant::now() < until,
                "sender {i} could not get message {k} acked"
            );
            if client.is_none() {
                let urls = live.lock().unwrap().clone();
                let url = &urls[(i + resends) % urls.len()];
                client = connect(url, appkey, &user).await;
                if client.is_none() {
                    resends += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            }
            let Some(ws) = client.as_ref() else { continue };
            let sent = tokio::time::timeout(
                SEND_WAIT,
                ws.send_text(&format!("r{i}"), &format!("m{k}"), Some(&cmid)),
            )
            .await;
            match sent {
                Ok(Ok(r)) if r["ok"] == json!(true) => {
                    acked.push(r["msg_id"].as_str().expect("msg id").to_string());
                    progress.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(PACE).await;
                    break;
                }
                // Refused (the shard is moving): resend on the same socket.
                Ok(Ok(_)) => {
                    resends += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                // The node is gone or stalled: resend through another.
                Ok(Err(_)) | Err(_) => {
                    resends += 1;
                    client = None;
                }
            }
        }
    }
    (acked, resends)
}

/// `user` logged in at `url`, or `None` if the node refused or is gone.
async fn connect(url: &str, appkey: &str, user: &str) -> Option<WsClient> {
    let ws = tokio::time::timeout(SEND_WAIT, WsClient::connect(url, false))
        .await
        .ok()?
        .ok()?;
    let r = tokio::time::timeout(
        SEND_WAIT,
        ws.login(appkey, user, &format!("pw-{user}"), None),
    )
    .await
    .ok()?
    .ok()?;
    (r["ok"] == json!(true)).then_some(ws)
}

async fn wait_progress(progress: &AtomicUsize, at_least: usize) {
    crate::common::eventually(LOAD_DEADLINE, "the load to make progress", || async {
        (progress.load(Ordering::Relaxed) >= at_least).then_some(())
    })
    .await;
}

/// Every acked message is in its recipient's timeline, and every message
/// is there once.
async fn check_delivered(c: &TestCluster, app: &App, node: u16, load: &Load) {
    for (i, acked) in load.acked.iter().enumerate() {
        assert_eq!(acked.len(), PER_SENDER, "sender {i} got every ack");
        // A device may be told to reconnect while it syncs (a shard that
        // moves, a node whose lease lapsed under load): it does, as a
        // client would.
        let user = format!("r{i}");
        let msgs = crate::common::eventually(SETTLE, "a full sync", || {
            let (url, user) = (c.ws_url(node), user.clone());
            let appkey = app.appkey();
            async move {
                let r = connect(&url, &appkey, &user).await?;
                r.sync_all(0).await.ok().map(|(msgs, _)| msgs)
            }
        })
        .await;
        let found: Vec<&str> = msgs.iter().filter_map(|m| m["msg_id"].as_str()).collect();
        let unique: HashSet<&str> = found.iter().copied().collect();
        let lost: Vec<&String> = acked
            .iter()
            .filter(|id| !unique.contains(id.as_str()))
            .collect();
        assert!(lost.is_empty(), "r{i}: acked messages lost: {lost:?}");
        assert_eq!(found.len(), unique.len(), "r{i}: a message twice");
        assert_eq!(found.len(), PER_SENDER, "r{i}: one message per send");
    }
}

/// Reads every shard's log: each round was written by the node whose claim
/// came last before it. Returns the claims per shard.
async fn check_single_writer(c: &TestCluster) -> HashMap<u32, Vec<u16>> {
    let logs = ShardLogs::connect(
        &[c.nats.url().to_string()],
        LogConfig {
            name: "imc".into(),
            shard_count: 8,
            shards_per_stream: 4,
            replicas: 1,
            max_age: Duration::ZERO,
        },
    )
    .await
    .expect("shard logs");
    let mut claims = HashMap::new();
    for shard in 0..8 {
        let mut owner: Option<u16> = None;
        let mut wrong = Vec::new();
        let mut mine = Vec::new();
        logs.read(shard, 0, |record| match record.entry {
            LogEntry::Claim { node } => {
                owner = Some(node);
                mine.push(node);
            }
            LogEntry::Round { node, .. } => {
                if owner != Some(node) {
                    wrong.push((record.seq, node, owner));
                }
            }
        })
        .await
        .expect("read log");
        assert!(
            wrong.is_empty(),
            "shard {shard}: rounds written by a node that was not the last claimer (seq, writer, claimer): {wrong:?}"
        );
        claims.insert(shard, mine);
    }
    claims
}

/// Every node of `ids` serves exactly the shards the ring gives it.
async fn check_serving(c: &TestCluster, ids: &[u16], owners: &[u16]) {
    for &id in ids {
        let owned: Vec<u64> = (0..owners.len() as u64)
            .filter(|s| owners[*s as usize] == id)
            .collect();
        let what = format!("node {id} to serve exactly its shards {owned:?}");
        crate::common::eventually(SETTLE, &what, || {
            let owned = owned.clone();
            async move {
                let s = c.status(id).await?;
                let serving: Vec<u64> = serde_json::from_value(s["serving"].clone()).ok()?;
                (serving == owned).then_some(())
            }
        })
        .await;
    }
}

async fn app_for_load(c: &TestCluster) -> App {
    let mut users = names("s");
    users.extend(names("r"));
    let refs: Vec<&str> = users.iter().map(String::as_str).collect();
    App::create(c, &refs).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_loses_no_acked_message() {
    // Snapshots every few batches, so the takes start from them.
    let mut c = started_with(3, "cluster.snapshot_every_batches = 2").await;
    let owners_before = c.wait_settled(&[1, 2, 3], SETTLE).await;
    let app = app_for_load(&c).await;
    crate::common::eventually(SETTLE, "node 2 to snapshot a shard", || async {
        let s = c.status(2).await?;
        (s["snapshots"]["written"].as_u64()? > 0).then_some(())
    })
    .await;
    let live: LiveNodes = Arc::new(Mutex::new(vec![c.ws_url(1), c.ws_url(3)]));
    let progress = Arc::new(AtomicUsize::new(0));
    let load = start_load(&c, &app, live.clone(), progress.clone());
    wait_progress(&progress, SENDERS * PER_SENDER / 3).await;
    c.kill9(2);
    let killed = Instant::now();
    let owners = c.wait_settled(&[1, 3], SETTLE).await;
    eprintln!(
        "killed node 2: the others settled after {} ms",
        killed.elapsed().as_millis()
    );
    let load = load.await.expect("load");
    eprintln!("kill -9 under load: {} resends", load.resends);
    check_delivered(&c, &app, 3, &load).await;
    check_serving(&c, &[1, 3], &owners).await;
    check_single_writer(&c).await;
    // Node 2's shards were rebuilt from their snapshots and the log after.
    let mut from_snapshots = 0;
    for id in [1, 3] {
        let s = c.status(id).await.expect("status");
        for t in s["takes"].as_array().expect("takes") {
            let shard = t["shard"].as_u64().expect("shard") as usize;
            if owners_before[shard] == 2 && t["from_snapshot"].as_u64() > Some(0) {
                from_snapshots += 1;
            }
        }
    }
    assert!(
        from_snapshots > 0,
        "no moved shard was rebuilt from a snapshot"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fourth_node_takes_only_its_share_of_shards() {
    let mut c = started(3).await;
    let before = c.wait_settled(&[1, 2, 3], SETTLE).await;
    let app = app_for_load(&c).await;
    let live: LiveNodes = Arc::new(Mutex::new(vec![c.ws_url(1), c.ws_url(2), c.ws_url(3)]));
    let progress = Arc::new(AtomicUsize::new(0));
    let load = start_load(&c, &app, live.clone(), progress.clone());
    wait_progress(&progress, SENDERS * PER_SENDER / 3).await;
    c.start_node(4);
    live.lock().unwrap().push(c.ws_url(4));
    let after = c.wait_settled(&[1, 2, 3, 4], SETTLE).await;
    for shard in 0..before.len() {
        if before[shard] != after[shard] {
            assert_eq!(
                after[shard], 4,
                "shard {shard} moved to a node that was there"
            );
        }
    }
    assert!(after.contains(&4), "the new node owns shards: {after:?}");
    let load = load.await.expect("load");
    eprintln!("fourth node joining under load: {} resends", load.resends);
    check_delivered(&c, &app, 4, &load).await;
    check_serving(&c, &[1, 2, 3, 4], &after).await;
    check_single_writer(&c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_node_cannot_write_when_it_wakes_and_steps_down() {
    let c = started(3).await;
    let app = app_for_load(&c).await;
    let live: LiveNodes = Arc::new(Mutex::new(vec![c.ws_url(1), c.ws_url(3)]));
    let progress = Arc::new(AtomicUsize::new(0));
    let load = start_load(&c, &app, live.clone(), progress.clone());
    wait_progress(&progress, SENDERS * PER_SENDER / 3).await;
    let before = c.status(2).await.expect("status");
    c.node(2).signal("STOP");
    // The others notice, take node 2's shards and claim them in the logs.
    c.wait_settled(&[1, 3], SETTLE).await;
    c.node(2).signal("CONT");
    // Node 2 wakes believing it serves its old shards. Whatever it tries
    // to append for them is refused; it steps down, rejoins, and takes
    // shards again only through new claims.
    let owners = c.wait_settled(&[1, 2, 3], SETTLE).await;
    let after = c.status(2).await.expect("status");
    eprintln!(
        "node 2 after waking: lease lapsed {} times, stepped down {} times, {} failed rounds",
        after["lease_lapses"], after["stepped_down"], after["log"]["failed_rounds"]
    );
    // It noticed it had been gone past its lease and let go of its shards.
    assert!(after["lease_lapses"].as_u64().unwrap() >= 1, "{after}");
    let load = load.await.expect("load");
    check_delivered(&c, &app, 1, &load).await;
    check_serving(&c, &[1, 2, 3], &owners).await;
    let claims = check_single_writer(&c).await;
    // Every shard node 2 serves now it claimed again after waking: its
    // last claim is node 2's, after the other nodes' claims of it.
    let served_before: Vec<u32> = serde_json::from_value(before["serving"].clone()).unwrap();
    for (shard, owner) in owners.iter().enumerate() {
        let claimers = &claims[&(shard as u32)];
        assert_eq!(claimers.last(), Some(owner), "shard {shard}: {claimers:?}");
        if *owner == 2 && served_before.contains(&(shard as u32)) {
            assert!(
                claimers.len() >= 3,
                "shard {shard} went to another node and back to node 2 by claims: {claimers:?}"
            );
        }
    }
}
