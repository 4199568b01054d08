//! imcloud: a self-hosted instant-messaging cloud. This crate is the gateway
//! and the process; the chat domain is `imcloud-actors`, the sharding
//! runtime `imcloud-shards`.
//!
//! Layout:
//! - [`cli`]: command-line parsing (`serve`, `app create`).
//! - [`config`]: the one `Config` (defaults, file, env, flags).
//! - [`server`]: starts the node and the HTTP server on a given listener.
//! - [`cluster`]: cluster mode on NATS: joining, the node's wiring to the
//!   transport, `GET /cluster`.
//! - [`shutdown`]: draining and closing on SIGTERM or Ctrl-C.
//! - [`node`]: `Node`, the running domain as the gateway sees it (typed
//!   async calls to entities).
//! - [`apps`]: the app record cache, app creation, the demo app.
//! - [`app_admin`]: the operator's app list and app deletion.
//! - [`auth`]: signed tokens and password hashing.
//! - [`send`]: the send pipeline shared by devices and REST.
//! - [`groups`]: group calls shared by devices and REST.
//! - [`chatrooms`]: chatroom calls shared by devices and REST.
//! - [`contacts`]: friends, friend requests and block lists, for devices
//!   and REST.
//! - [`recall`]: recalling a message, for devices and REST.
//! - [`edit`]: editing a message, for devices and REST.
//! - [`words`]: the apps' compiled sensitive words and the screening of
//!   every message.
//! - [`attributes`]: user attributes, for devices and REST.
//! - [`presence`]: presence statuses and subscriptions, for devices and
//!   REST.
//! - [`device`]: the protocol-neutral device layer: login, send, sync,
//!   rooms, group and room management, close.
//! - [`ws`]: the client protocol over WebSocket, an adapter over the
//!   device layer.
//! - [`msync`]: Easemob's Web SDK protocol (protobuf over WebSocket,
//!   `/websocket`), a second adapter over the device layer.
//! - [`rest`]: the Easemob-compatible REST API.
//! - [`web`]: the browser side served from the binary: `imcloud.js` (the
//!   JavaScript client of `/ws`) and the `/demo` chat page.
//! - [`guard`]: what a request must pass first: admission (node-wide
//!   caps on requests in flight), REST rate limits per app and endpoint
//!   class, the apps' REST allow-lists.
//! - [`hooks`]: the apps' callback rules at the gateway: pre-send calls
//!   and the couriers of the post-send queues.
//! - [`push`]: offline push to the devices' providers.
//! - [`files`]: attachment blobs on disk and image thumbnails.
//! - [`error`]: the error table (protocol code, HTTP status, Easemob strings).
//! - [`metrics`]: counters and `/metrics`.
//! - [`logging`]: the log lines on stderr (levels, colours, JSON).

pub mod app_admin;
pub mod apps;
pub mod attributes;
pub mod auth;
pub mod chatrooms;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod contacts;
pub mod device;
pub mod edit;
pub mod error;
pub mod export;
pub mod files;
#[doc(hidden)]
pub mod fuzz;
pub mod groups;
pub mod guard;
pub mod hooks;
pub mod logging;
pub mod metrics;
pub mod msync;
pub mod node;
pub mod openapi;
pub mod presence;
pub mod push;
pub mod recall;
pub mod rest;
pub mod retention;
pub mod routes;
pub mod send;
pub mod server;
pub mod shutdown;
pub mod web;
pub mod words;
pub mod ws;
