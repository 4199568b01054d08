//! The harness against the real server in-process: `setup` then small
//! `direct` runs, closed and open loop, JSON and MessagePack. Every message
//! acked must be delivered exactly once.

mod common;

use common::{HarnessServer, TestServer};
use imcloud_loadtest::direct::report::DirectReport;
use imcloud_loadtest::direct::{self, DirectOptions, Pacing, SendPhase};
use imcloud_loadtest::progress::Live;
use imcloud_loadtest::setup::{self, SetupOptions};
use imcloud_loadtest::wire::Encoding;
use std::time::Duration;

const PAIRS: u32 = 4;
const MESSAGES: u64 = 200;

async fn register(server: &TestServer) {
    let opts = SetupOptions {
        target: server.target(),
        credentials: server.credentials(),
        users: 2 * PAIRS,
        prefix: "lt".into(),
        concurrency: 2,
    };
    let first = setup::run(&opts).await.expect("setup runs");
    assert_eq!(
        (first.created, first.existing, first.failed),
        (u64::from(2 * PAIRS), 0, 0),
        "{first:?}"
    );
    // Idempotent: a second run finds every user.
    let again = setup::run(&opts).await.expect("setup runs again");
    assert_eq!(
        (again.created, again.existing, again.failed),
        (0, u64::from(2 * PAIRS), 0),
        "{again:?}"
    );
}

fn options(server: &TestServer, pacing: Pacing, encoding: Encoding) -> DirectOptions {
    DirectOptions {
        target: server.target(),
        prefix: "lt".into(),
        first_user: 0,
        pairs: PAIRS,
        send: SendPhase {
            pacing,
            duration: Duration::from_secs(30),
            messages: Some(MESSAGES),
            drain: Duration::from_secs(15),
            payload_bytes: 16,
            encoding,
            login_concurrency: 4,
        },
        receipts: false,
        msync_pairs: 0,
    }
}

fn assert_clean(r: &DirectReport) {
    let table = r.table();
    assert_eq!(r.sent, MESSAGES, "{table}");
    assert_eq!(r.acked, MESSAGES, "{table}");
    assert_eq!(r.delivered, MESSAGES, "{table}");
    assert_eq!(
        (r.lost, r.duplicates, r.pending, r.delivered_unacked),
        (0, 0, 0, 0),
        "{table}"
    );
    assert!(r.errors.is_empty(), "{table}");
    assert_eq!(
        (
            r.misrouted,
            r.foreign,
            r.reordered,
            r.receivers_closed_early
        ),
        (0, 0, 0, 0),
        "{table}"
    );
    assert_eq!((r.e2e.count, r.ack.count), (MESSAGES, MESSAGES), "{table}");
    assert!(r.e2e.max_ms > 0.0 && r.acked_per_sec > 0.0, "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_direct_runs_deliver_every_acked_message_once() {
    let server = TestServer::start().await;
    register(&server).await;

    let closed = direct::run(
        &options(&server, Pacing::Closed { window: 8 }, Encoding::Json),
        &Live::new(),
    )
    .await
    .expect("closed-loop run");
    assert_clean(&closed);
    assert_eq!(closed.mode, "closed");

    let open = direct::run(
        &options(&server, Pacing::Open { rate: 400.0 }, Encoding::MsgPack),
        &Live::new(),
    )
    .await
    .expect("open-loop run");
    assert_clean(&open);
    // 200 messages at 400/s take about half a second to schedule.
    assert!(
        open.send_secs > 0.3 && open.send_secs < 5.0,
        "{}",
        open.table()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_the_pairs_speaking_msync_deliver_every_acked_message_once() {
    let server = TestServer::start().await;
    register(&server).await;
    let mut opts = options(&server, Pacing::Closed { window: 8 }, Encoding::Json);
    opts.msync_pairs = PAIRS / 2;
    let r = direct::run(&opts, &Live::new())
        .await
        .expect("mixed-protocol run");
    assert_clean(&r);
    assert_eq!(r.msync_pairs, PAIRS / 2, "{}", r.table());
    // A second run starts where the first left the msync cursors.
    let again = direct::run(&opts, &Live::new()).await.expect("second run");
    assert_clean(&again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stops_at_its_duration_without_a_message_cap() {
    let server = TestServer::start().await;
    register(&server).await;
    let mut opts = options(&server, Pacing::Open { rate: 200.0 }, Encoding::Json);
    opts.send.messages = None;
    opts.send.duration = Duration::from_millis(500);
    let started = std::time::Instant::now();
    let r = direct::run(&opts, &Live::new()).await.expect("run");
    assert!(started.elapsed() < Duration::from_secs(10), "run overran");
    // About 100 messages: 200/s for half a second.
    assert!((80..=110).contains(&r.sent), "{}", r.table());
    assert_eq!(
        (r.acked, r.delivered, r.lost, r.duplicates),
        (r.sent, r.sent, 0, 0),
        "{}",
        r.table()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_a_faulty_server_acks_but_drops_are_reported_lost() {
    let server = TestServer::start().await;
    register(&server).await;
    // The server acks the next 7 deliveries without storing or pushing them.
    server
        .node
        .env
        .faults
        .drop_deliveries
        .store(7, std::sync::atomic::Ordering::SeqCst);
    let mut opts = options(&server, Pacing::Closed { window: 4 }, Encoding::Json);
    // The lost messages never arrive, so the run waits out its whole
    // duration and drain: keep both short.
    opts.send.duration = Duration::from_secs(3);
    opts.send.drain = Duration::from_secs(1);
    let r = direct::run(&opts, &Live::new()).await.expect("run");
    let table = r.table();
    assert_eq!((r.sent, r.acked), (MESSAGES, MESSAGES), "{table}");
    assert_eq!(r.delivered, MESSAGES - 7, "{table}");
    assert_eq!(r.lost, 7, "{table}");
    assert_eq!(r.duplicates, 0, "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_receipts_every_message_is_delivered_and_read() {
    let server = TestServer::start().await;
    register(&server).await;
    let mut opts = options(&server, Pacing::Closed { window: 8 }, Encoding::Json);
    opts.receipts = true;
    let r = direct::run(&opts, &Live::new()).await.expect("run");
    assert_clean(&r);
    // Each sender's record of its conversation names the last message as
    // read by the receiver once the receipts are in.
    let sender = server.login("lt0", None).await;
    let seen = std::sync::Mutex::new(serde_json::Value::Null);
    let done = tokio::time::timeout(
        Duration::from_secs(15),
        imcloud_testkit::eventually(Duration::from_secs(20), "the receipts recorded", || {
            let (sender, seen) = (&sender, &seen);
            async move {
                let list = sender
                    .request("conversations", serde_json::json!({}))
                    .await
                    .ok()?;
                let c = list["conversations"].as_array()?.first()?.clone();
                let last = c["last"]["msg_id"].as_str()?.to_string();
                let ok = c["peer_read"] == serde_json::json!(last)
                    && c["peer_delivered"] == serde_json::json!(last);
                if let Ok(mut s) = seen.lock() {
                    *s = c;
                }
                ok.then_some(())
            }
        }),
    )
    .await;
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    assert!(
        done.is_ok(),
        "the receipts never reached the sender's record: {seen}"
    );
}
