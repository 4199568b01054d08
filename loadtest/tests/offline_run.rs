//! The `offline` scenario against the real server in-process: 3 pairs,
//! 50 messages per sender while the receivers are away; each receiver's
//! sync (pages of 20, so it loops on `more`) returns exactly its 50. A
//! second run on the same users syncs only its own messages.

mod common;

use common::{HarnessServer, TestServer};
use imcloud_loadtest::offline::{self, OfflineOptions};
use imcloud_loadtest::progress::Live;
use imcloud_loadtest::setup::{self, SetupOptions};
use imcloud_loadtest::wire::Encoding;
use std::time::Duration;

const PAIRS: u32 = 3;
const PER_SENDER: u64 = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_sync_every_acked_message_exactly_once() {
    let server = TestServer::start().await;
    let setup_opts = SetupOptions {
        target: server.target(),
        credentials: server.credentials(),
        users: 2 * PAIRS,
        prefix: "lt".into(),
        concurrency: 2,
    };
    setup::run(&setup_opts).await.expect("setup runs");
    for encoding in [Encoding::Json, Encoding::MsgPack] {
        let r = offline::run(
            &OfflineOptions {
                target: server.target(),
                prefix: "lt".into(),
                pairs: PAIRS,
                per_sender: PER_SENDER,
                window: 8,
                send_timeout: Duration::from_secs(30),
                drain: Duration::from_secs(30),
                limit: 20,
                payload_bytes: 16,
                encoding,
                login_concurrency: 4,
            },
            &Live::new(),
        )
        .await
        .expect("offline run");
        let table = r.table();
        let all = u64::from(PAIRS) * PER_SENDER;
        assert_eq!((r.sent, r.acked, r.pending), (all, all, 0), "{table}");
        assert!(r.errors.is_empty() && r.sync_failures.is_empty(), "{table}");
        assert_eq!(
            (r.synced, r.lost, r.duplicates, r.synced_unacked),
            (all, 0, 0, 0),
            "{table}"
        );
        // Only this run's messages: the cursors started at the end.
        assert_eq!(r.foreign, 0, "{table}");
        // 50 messages in pages of 20: at least 3 requests per receiver.
        assert!(r.sync_requests >= 3 * u64::from(PAIRS), "{table}");
        assert!(r.drain_secs > 0.0 && r.synced_per_sec > 0.0, "{table}");
    }
}
