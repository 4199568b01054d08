//! Offline push at the gateway: the providers' endpoints (`[push]`).

pub mod config;
