//! Scenario `setup`: registers `{prefix}0..{prefix}N-1` in batches of 60,
//! a few batches at a time. Running it again is harmless: users that exist
//! are counted, not failed.

use crate::rest::{self, Credentials, REGISTER_BATCH};
use crate::target::Target;
use crate::Error;
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::time::Instant;

/// What to register.
#[derive(Debug, Clone)]
pub struct SetupOptions {
    pub target: Target,
    pub credentials: Credentials,
    pub users: u32,
    pub prefix: String,
    /// Registration requests in flight at once.
    pub concurrency: usize,
}

/// What `setup` did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SetupReport {
    pub requested: u64,
    pub created: u64,
    pub existing: u64,
    pub failed: u64,
    pub secs: f64,
}

/// The name of user `i`.
pub fn user_name(prefix: &str, i: u32) -> String {
    format!("{prefix}{i}")
}

/// Registers the users; fails on the first batch the server refuses whole.
pub async fn run(opts: &SetupOptions) -> Result<SetupReport, Error> {
    let started = Instant::now();
    let http = reqwest::Client::new();
    let token = rest::app_token(&http, &opts.target, &opts.credentials).await?;
    let names: Vec<String> = (0..opts.users)
        .map(|i| user_name(&opts.prefix, i))
        .collect();
    let mut results = stream::iter(names.chunks(REGISTER_BATCH))
        .map(|chunk| rest::register_batch(&http, &opts.target, &token, chunk))
        .buffer_unordered(opts.concurrency.max(1));
    let mut report = SetupReport {
        requested: u64::from(opts.users),
        ..SetupReport::default()
    };
    while let Some(batch) = results.next().await {
        let b = batch?;
        report.created += b.created;
        report.existing += b.existing;
        report.failed += b.failed;
    }
    report.secs = started.elapsed().as_secs_f64();
    Ok(report)
}
