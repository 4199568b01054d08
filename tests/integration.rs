//! End-to-end tests: the real server on port 0, real sockets. One binary,
//! one module per feature, helpers in `common/`.

mod common;

mod api_surface;
mod bad_input;
mod callbacks_crash;
mod chaos;
mod chatrooms;
mod cli;
mod cluster;
mod contacts;
mod conversations;
mod demo;
mod direct_chat;
mod durability;
mod export_memory;
mod fuzz_inputs;
pub(crate) mod groups;
mod guard;
mod isolation;
mod message_bodies;
mod msync;
mod mute_expiry;
mod offline_sync;
mod presence;
mod push;
mod rest;
mod retention_crash;
mod router_mode;
mod shutdown;
mod supervision;
