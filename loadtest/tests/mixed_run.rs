//! The `mixed` scenario against the real server in-process: 20 idle
//! sockets, 3 pairs at 60 msg/s and a 6-member group with 2 senders at
//! 20 msg/s, all for 2 s. The open-loop schedules fix the counts: 120 1:1
//! messages and 40 group messages (200 deliveries); every one is acked and
//! delivered once, and every idle socket is still held at the end.

mod common;

use common::{HarnessServer, TestServer};
use imcloud_loadtest::group;
use imcloud_loadtest::mixed::{self, MixedOptions};
use imcloud_loadtest::progress::Live;
use imcloud_loadtest::setup::{self, SetupOptions};
use imcloud_loadtest::wire::Encoding;
use std::time::Duration;

const IDLE: u32 = 20;
const PAIRS: u32 = 3;
const MEMBERS: u32 = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_part_delivers_exactly_what_it_sent() {
    let server = TestServer::start().await;
    let opts = MixedOptions {
        target: server.target(),
        prefix: "lt".into(),
        idle: IDLE,
        idle_rate: 200.0,
        source_ips: 4,
        pairs: PAIRS,
        direct_rate: 60.0,
        members: MEMBERS,
        senders: 2,
        group_rate: 20.0,
        duration: Duration::from_secs(2),
        drain: Duration::from_secs(15),
        payload_bytes: 16,
        encoding: Encoding::Json,
        login_concurrency: 4,
    };
    let setup_opts = SetupOptions {
        target: server.target(),
        credentials: server.credentials(),
        users: opts.users_needed(),
        prefix: "lt".into(),
        concurrency: 2,
    };
    setup::run(&setup_opts).await.expect("setup runs");
    let g = group::setup::ensure(&setup_opts.target, &setup_opts.credentials, "lt", MEMBERS)
        .await
        .expect("group created");
    assert_eq!(g.members, u64::from(MEMBERS), "{g:?}");

    let r = mixed::run(&opts, &Live::new()).await.expect("mixed run");
    let table = r.table();
    assert_eq!(r.users_needed, MEMBERS + 2 * PAIRS + IDLE, "{table}");
    assert_eq!(
        (
            r.idle.logins.connected,
            r.idle.held,
            r.idle.closed_during_run
        ),
        (u64::from(IDLE), u64::from(IDLE), 0),
        "{table}"
    );
    assert!(r.idle.logins.failed.is_empty(), "{table}");

    let d = r.direct.as_ref().expect("a 1:1 part");
    // 3 senders, 50 ms apart each, for 2 s: 40 each.
    assert_eq!((d.sent, d.acked, d.delivered), (120, 120, 120), "{table}");
    assert_eq!(
        (d.lost, d.duplicates, d.pending, d.misrouted, d.foreign),
        (0, 0, 0, 0, 0),
        "{table}"
    );
    assert!(d.errors.is_empty(), "{table}");

    let g = r.group.as_ref().expect("a group part");
    // 2 senders, 100 ms apart each, for 2 s: 20 each, to 5 other members.
    assert_eq!((g.sent, g.acked), (40, 40), "{table}");
    assert_eq!((g.deliveries_expected, g.delivered), (200, 200), "{table}");
    assert_eq!(
        (g.lost, g.missing_deliveries, g.duplicates, g.foreign),
        (0, 0, 0, 0),
        "{table}"
    );
    assert!(g.errors.is_empty(), "{table}");
}
