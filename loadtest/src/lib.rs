//! imcloud-loadtest: the bundled load harness. It drives a running imcloud
//! server over its real REST and WebSocket interfaces and reports what it
//! measured. Every scenario is bounded by a count and a duration, stops by
//! itself, and talks only to loopback addresses.
//!
//! Layout:
//! - [`target`]: the server under test (loopback-only URLs, app key).
//! - [`rest`]: app token and batch user registration over REST.
//! - [`setup`]: scenario `setup`, registers `lt0..ltN-1` idempotently.
//! - [`wire`]: the few frames the harness speaks, encoded and decoded
//!   without building `serde_json::Value` trees.
//! - [`conn`]: opens a WebSocket (optionally from a chosen 127.0.0.x
//!   address) and authenticates it.
//! - [`msync`]: the Web SDK's protocol on `/websocket` as far as the
//!   harness speaks it (token, Provision, text sends and acks, pulls), for
//!   `direct --msync-pairs` and `connect --msync`.
//! - [`latency`]: HdrHistogram helpers, the percentile summary, and
//!   [`latency::Timed`]: a whole-run histogram plus one per second.
//! - [`direct`]: scenario `direct`, 1:1 throughput and latency (senders,
//!   receivers, report).
//! - [`connect`]: scenario `connect`, memory per idle authenticated socket
//!   (server RSS, file-descriptor limit).
//! - [`group`]: scenario `group`, fan-out throughput and latency in one
//!   group (created by `setup --group-members K`).
//! - [`chatroom`]: scenario `chatroom` (the `group` members and senders in
//!   a chatroom they join first), the room's setup, the server's shed
//!   counters.
//! - [`offline`]: scenario `offline`, receivers catching up by `sync`
//!   after senders sent while they were away.
//! - [`rest_load`]: scenario `rest`, REST sends and user calls at a fixed
//!   open-loop rate, per kind of call.
//! - [`roaming`]: scenario `roaming`, `history` pages and `conversations`
//!   lists read from the server's copy, one query at a time.
//! - [`hooks`]: `hook-drain` and `hook-direct`, the callback benchmarks
//!   against a receiver in the harness.
//! - [`mixed`]: scenario `mixed`, idle sockets, 1:1 pairs and a group at
//!   once, reusing the `connect`, `direct` and `group` pieces.
//! - [`progress`]: live counters of a running scenario and the progress
//!   bar drawn from them on stderr.
//! - [`plot`]: `--plot FILE.svg`, per-second latency percentiles and
//!   throughput drawn from a report's `intervals`.
//! - [`report_text`]: rates and the text lines every report shares.
//! - [`compare`]: `--compare A.json B.json`, two reports side by side.
//! - [`cli`]: the command line of the `imcloud-loadtest` binary.
//! - [`error`]: the harness's error type.

pub mod chatroom;
pub mod cli;
pub mod compare;
pub mod conn;
pub mod connect;
pub mod direct;
pub mod error;
pub mod governance;
pub mod group;
pub mod hooks;
pub mod latency;
pub mod mixed;
pub mod msync;
pub mod offline;
pub mod plot;
pub mod progress;
pub mod report_text;
pub mod rest;
pub mod rest_load;
pub mod roaming;
pub mod setup;
pub mod target;
pub mod wire;

pub use error::Error;

/// The password the harness registers and logs in with for `user`.
pub fn password_for(user: &str) -> String {
    format!("pw-{user}")
}
