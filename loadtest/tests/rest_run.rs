//! The `rest` scenario against the real server in-process: 120 calls at
//! 200/s, half of them message sends, over 10 registered users; every call
//! answers 2xx, each kind gets its exact share. Then the same over 20 users
//! of whom only 10 exist: the user calls on the other 10 answer 404 (the
//! sends are accepted, as Easemob does), counted exactly by kind.

mod common;

use common::{HarnessServer, TestServer};
use imcloud_loadtest::progress::Live;
use imcloud_loadtest::rest_load::{self, Kind, RestOptions};
use imcloud_loadtest::setup::{self, SetupOptions};
use std::sync::atomic::Ordering;
use std::time::Duration;

const USERS: u32 = 10;
const CALLS: u64 = 120;

fn options(server: &TestServer, users: u32) -> RestOptions {
    RestOptions {
        target: server.target(),
        credentials: server.credentials(),
        prefix: "lt".into(),
        users,
        rate: 200.0,
        duration: Duration::from_secs(30),
        calls: Some(CALLS),
        send_share: 0.5,
        payload_bytes: 16,
        timeout: Duration::from_secs(10),
        max_in_flight: 32,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_is_counted_by_kind_and_status() {
    let server = TestServer::start().await;
    setup::run(&SetupOptions {
        target: server.target(),
        credentials: server.credentials(),
        users: USERS,
        prefix: "lt".into(),
        concurrency: 2,
    })
    .await
    .expect("setup runs");

    let live = Live::new();
    let r = rest_load::run(&options(&server, USERS), &live)
        .await
        .expect("rest run");
    let table = r.table();
    assert_eq!((r.all.calls, r.all.ok), (CALLS, CALLS), "{table}");
    assert!(r.all.errors.is_empty(), "{table}");
    let calls = |k: &str| r.kinds.get(k).map_or(0, |x| x.calls);
    let ok = |k: &str| r.kinds.get(k).map_or(0, |x| x.ok);
    assert_eq!(
        (
            calls("send"),
            calls("get_user"),
            calls("status"),
            calls("offline_count")
        ),
        (60, 20, 20, 20),
        "{table}"
    );
    assert_eq!(ok("send"), 60, "{table}");
    assert_eq!(r.all.latency.count, CALLS, "{table}");
    assert!(r.all.ok_per_sec > 0.0, "{table}");
    // 120 calls at 200/s: about 0.6 s of schedule.
    assert!(r.send_secs > 0.4 && r.send_secs < 5.0, "{table}");
    let per_second: u64 = r.intervals["all"].iter().map(|i| i.count).sum();
    assert_eq!(per_second, CALLS, "{table}");
    assert_eq!(live.sent.load(Ordering::Relaxed), CALLS);
    assert_eq!(live.acked.load(Ordering::Relaxed), CALLS);

    // Users lt10..lt19 do not exist: their user calls answer 404.
    let r = rest_load::run(&options(&server, 2 * USERS), &Live::new())
        .await
        .expect("rest run");
    let table = r.table();
    let mut missing = std::collections::BTreeMap::<&str, u64>::new();
    for k in 0..CALLS {
        let kind = Kind::of(k, 0.5);
        if kind != Kind::Send && k % u64::from(2 * USERS) >= u64::from(USERS) {
            *missing.entry(kind.name()).or_default() += 1;
        }
    }
    assert_eq!(r.all.calls, CALLS, "{table}");
    for (kind, n) in &missing {
        assert_eq!(r.kinds[*kind].errors.get("404"), Some(n), "{kind}: {table}");
    }
    let wrong: u64 = missing.values().sum();
    assert_eq!(r.all.ok, CALLS - wrong, "{table}");
    assert!(r.kinds["send"].errors.is_empty(), "{table}");
}
