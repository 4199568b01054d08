//! The `group` scenario against the real server in-process: `setup` with a
//! 20-member group (twice: idempotent), then 3 senders send 60 messages;
//! every acked message reaches each of the other 19 members exactly once.

mod common;

use common::{HarnessServer, TestServer};
use imcloud_loadtest::direct::{Pacing, SendPhase};
use imcloud_loadtest::group::{self, GroupOptions};
use imcloud_loadtest::progress::Live;
use imcloud_loadtest::setup::{self, SetupOptions};
use imcloud_loadtest::wire::Encoding;
use std::time::Duration;

const MEMBERS: u32 = 20;
const SENDERS: u32 = 3;
const MESSAGES: u64 = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acked_group_message_reaches_every_other_member_once() {
    let server = TestServer::start().await;
    let opts = SetupOptions {
        target: server.target(),
        credentials: server.credentials(),
        users: MEMBERS,
        prefix: "lt".into(),
        concurrency: 2,
    };
    setup::run(&opts).await.expect("setup runs");
    let first = group::setup::ensure(&opts.target, &opts.credentials, "lt", MEMBERS)
        .await
        .expect("group created");
    assert!(first.created, "{first:?}");
    assert_eq!(
        (first.added, first.members),
        (u64::from(MEMBERS - 1), u64::from(MEMBERS))
    );
    let again = group::setup::ensure(&opts.target, &opts.credentials, "lt", MEMBERS)
        .await
        .expect("group found");
    assert!(!again.created, "{again:?}");
    assert_eq!((again.added, again.members), (0, u64::from(MEMBERS)));

    for (pacing, encoding) in [
        (Pacing::Closed { window: 4 }, Encoding::Json),
        (Pacing::Open { rate: 200.0 }, Encoding::MsgPack),
    ] {
        let r = group::run(
            &GroupOptions {
                conversation: group::Conversation::Group,
                target: server.target(),
                prefix: "lt".into(),
                members: MEMBERS,
                senders: SENDERS,
                send: SendPhase {
                    pacing,
                    duration: Duration::from_secs(30),
                    messages: Some(MESSAGES),
                    drain: Duration::from_secs(15),
                    payload_bytes: 16,
                    encoding,
                    login_concurrency: 4,
                },
            },
            &Live::new(),
        )
        .await
        .expect("group run");
        let table = r.table();
        let owed = MESSAGES * u64::from(MEMBERS - 1);
        assert_eq!(
            (r.sent, r.acked, r.pending),
            (MESSAGES, MESSAGES, 0),
            "{table}"
        );
        assert!(r.errors.is_empty(), "{table}");
        assert_eq!(
            (r.deliveries_expected, r.delivered),
            (owed, owed),
            "{table}"
        );
        assert_eq!(
            (
                r.lost,
                r.missing_deliveries,
                r.duplicates,
                r.delivered_unacked
            ),
            (0, 0, 0, 0),
            "{table}"
        );
        assert_eq!(
            (r.own_copies, r.foreign, r.members_closed_early),
            (0, 0, 0),
            "{table}"
        );
        assert_eq!((r.e2e.count, r.ack.count), (owed, MESSAGES), "{table}");
        assert!(r.deliveries_per_sec > 0.0, "{table}");
    }
}
