//! The `roaming` scenario against the real server in-process: small fills,
//! full pages, no errors.

mod common;

use common::{HarnessServer, TestServer};
use imcloud_loadtest::roaming::{self, Read, RoamingOptions};
use imcloud_loadtest::setup::{self, SetupOptions};
use imcloud_loadtest::wire::Encoding;

async fn register(server: &TestServer, users: u32) {
    let opts = SetupOptions {
        target: server.target(),
        credentials: server.credentials(),
        users,
        prefix: "lt".into(),
        concurrency: 2,
    };
    let r = setup::run(&opts).await.expect("setup runs");
    assert_eq!(r.failed, 0, "{r:?}");
}

fn options(server: &TestServer, read: Read) -> RoamingOptions {
    RoamingOptions {
        target: server.target(),
        prefix: "lt".into(),
        read,
        messages: 300,
        peers: 30,
        window: 16,
        page: 10,
        queries: 25,
        enc: Encoding::Json,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_and_conversation_queries_answer_full_pages() {
    let server = TestServer::start().await;
    register(&server, 31).await;
    let h = roaming::run(&options(&server, Read::History))
        .await
        .expect("history run");
    assert_eq!(
        (h.filled, h.queries, h.errors),
        (300, 25, 0),
        "{}",
        h.table()
    );
    assert_eq!(h.latency.count, 25);
    let c = roaming::run(&options(&server, Read::Conversations))
        .await
        .expect("conversations run");
    assert_eq!(
        (c.filled, c.queries, c.errors),
        (30, 25, 0),
        "{}",
        c.table()
    );
}
