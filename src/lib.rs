//! imcloud: a self-hosted instant-messaging cloud. This crate is the gateway
//! and the process; the chat domain is `imcloud-actors`, the sharding
//! runtime `imcloud-shards`.
//!
//! Layout:
//! - [`cli`]: command-line parsing (`serve`, `app create`).
//! - [`config`]: the one `Config` (defaults, file, env, flags).
//! - [`server`]: starts the node and the HTTP server on a given listener.
//! - [`node`]: `Node`, the running domain as the gateway sees it (typed
//!   async calls to entities).
//! - [`apps`]: the app record cache, app creation, the demo app.
//! - [`auth`]: signed tokens and password hashing.
//! - [`send`]: the send pipeline shared by WebSocket and REST.
//! - [`groups`]: group calls shared by WebSocket and REST.
//! - [`chatrooms`]: chatroom calls shared by WebSocket and REST.
//! - [`ws`]: the client protocol over WebSocket.
//! - [`rest`]: the Easemob-compatible REST API.
//! - [`error`]: the error table (protocol code, HTTP status, Easemob strings).
//! - [`metrics`]: counters and `/metrics`.
//! - [`client`]: a small async client of the wire protocol and REST, used by
//!   the tests and the load harness.

pub mod apps;
pub mod auth;
pub mod chatrooms;
pub mod cli;
pub mod client;
pub mod config;
pub mod error;
pub mod groups;
pub mod metrics;
pub mod node;
pub mod rest;
pub mod send;
pub mod server;
pub mod ws;
