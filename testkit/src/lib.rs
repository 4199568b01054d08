//! imcloud-testkit: what the end-to-end tests (`tests/`) and the load
//! harness's tests (`loadtest/tests/`) share, so neither keeps a copy.
//!
//! - [`server`]: [`TestServer`], the real server in the test's process on
//!   port 0 with a temp data dir and [`test_config`]; [`BinaryServer`], the
//!   real binary in a child process (for `kill -9`).
//! - [`client`]: [`WsClient`], a WebSocket client of `/ws`.
//! - [`rest`]: app tokens, user registration, one REST call helper.
//! - [`receiver`]: [`Receiver`], an HTTP server on loopback standing for
//!   an app's server (callbacks, push webhooks); [`H2Receiver`], an h2c
//!   server standing for APNs.
//! - [`nats`]: [`NatsServer`], a real `nats-server` with JetStream on
//!   loopback (cluster mode's tests).
//! - [`cluster`]: [`TestCluster`], NATS and several real binaries in
//!   cluster mode.
//! - here: [`WAIT`], [`eventually`] (poll with a deadline) and the error
//!   code of a reply.

mod client;
mod cluster;
mod h2_receiver;
mod nats;
mod receiver;
mod rest;
mod server;

pub use client::{ClientError, CloseInfo, WsClient};
pub use cluster::{TestCluster, CLUSTER_SECRET};
pub use h2_receiver::H2Receiver;
pub use nats::NatsServer;
pub use receiver::{Answer, Received, Receiver, Reply};
pub use rest::{app_token, create_users, demo_credentials, rest};
pub use server::{
    test_config, write_config, write_test_config, write_test_config_with, BinaryServer, TestServer,
    Ws, TEST_REST_RATE,
};

use serde_json::Value;
use std::time::{Duration, Instant};

/// The app every test server creates on its first start.
pub const APPKEY: &str = "demo#chat";

/// How long a test waits for something that must happen.
pub const WAIT: Duration = Duration::from_secs(10);

/// `yyyyMMddHH` (UTC) of the hour holding Unix ms `ms`: an export's hour.
pub fn hour_of(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour()
    )
}

/// The slot of the tests that start many processes or a browser: at most
/// one of them runs at a time. On two cores a browser scenario beside a
/// cluster under load misses its waits; with the slot the rest of the
/// suite still runs beside either.
pub async fn heavy_test_slot() -> tokio::sync::MutexGuard<'static, ()> {
    static SLOT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SLOT.lock().await
}

/// Polls `check` until it returns `Some`, failing after `deadline`.
pub async fn eventually<T, F, Fut>(deadline: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = Instant::now() + deadline;
    // Re-check every 20 ms until the deadline.
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    loop {
        tick.tick().await;
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
    }
}

/// The code of an error reply (`{"ok": false, "error": {"code"}}`), 0 for
/// an ok reply.
pub fn code(reply: &Value) -> u64 {
    reply["error"]["code"].as_u64().unwrap_or(0)
}
