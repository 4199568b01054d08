//! Benchmark of the cluster's shard logs on a real NATS server (not a
//! test; `docs/cluster.md` holds the figures): how long an append of one
//! commit round takes (one writer, rounds in sequence, as one shard
//! appends), the rounds/s of many shards appending at once, and how long
//! a taker needs to read back 100,000 rounds (the log part of a rebuild).
//!
//! ```sh
//! nats-server -js -a 127.0.0.1 -p 4333 -sd /tmp/nats-bench &
//! cargo run --release -p imcloud-shards --example shard_log_bench -- nats://127.0.0.1:4333
//! ```

use hdrhistogram::Histogram;
use imcloud_shards::cluster::{LogConfig, ShardLogs};
use std::time::{Duration, Instant};

const ROUND_BYTES: usize = 1024;
const SEQUENTIAL_ROUNDS: u32 = 20_000;
const PARALLEL_SHARDS: u32 = 16;
const PARALLEL_ROUNDS_EACH: u32 = 5_000;
const REBUILD_ROUNDS: u32 = 100_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "nats://127.0.0.1:4333".to_string());
    let config = LogConfig {
        name: format!("bench{}", std::process::id()),
        shard_count: 64,
        shards_per_stream: 4,
        replicas: 1,
        max_age: Duration::from_secs(3600),
    };
    let logs = ShardLogs::connect(&[url], config).await?;
    let round = vec![0x5a_u8; ROUND_BYTES];

    // One shard, rounds in sequence.
    let mut writer = logs.take(0, 1, 0, |_| {}).await?;
    let mut latency = Histogram::<u64>::new(3)?;
    let started = Instant::now();
    for _ in 0..SEQUENTIAL_ROUNDS {
        let t = Instant::now();
        writer.append(&round).await?;
        latency.record(t.elapsed().as_micros() as u64)?;
    }
    let took = started.elapsed();
    println!(
        "sequential: {SEQUENTIAL_ROUNDS} rounds of {ROUND_BYTES} B in {:.2} s = {:.0} rounds/s; \
         append p50 {} µs, p99 {} µs, p99.9 {} µs, max {} µs",
        took.as_secs_f64(),
        f64::from(SEQUENTIAL_ROUNDS) / took.as_secs_f64(),
        latency.value_at_quantile(0.5),
        latency.value_at_quantile(0.99),
        latency.value_at_quantile(0.999),
        latency.max()
    );

    // Many shards at once, each in sequence.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for shard in 1..=PARALLEL_SHARDS {
        let logs = logs.clone();
        let round = round.clone();
        tasks.push(tokio::spawn(async move {
            let mut writer = logs.take(shard, 1, 0, |_| {}).await?;
            for _ in 0..PARALLEL_ROUNDS_EACH {
                writer.append(&round).await?;
            }
            Ok::<_, imcloud_shards::cluster::LogError>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let took = started.elapsed();
    let total = PARALLEL_SHARDS * PARALLEL_ROUNDS_EACH;
    println!(
        "parallel: {PARALLEL_SHARDS} shards × {PARALLEL_ROUNDS_EACH} rounds in {:.2} s = {:.0} rounds/s ({:.1} MB/s)",
        took.as_secs_f64(),
        f64::from(total) / took.as_secs_f64(),
        f64::from(total) * ROUND_BYTES as f64 / took.as_secs_f64() / 1e6
    );

    // A taker reading 100,000 rounds back.
    let shard = 40;
    let mut writer = logs.take(shard, 1, 0, |_| {}).await?;
    for _ in 0..REBUILD_ROUNDS {
        writer.append(&round).await?;
    }
    let started = Instant::now();
    let mut bytes = 0usize;
    let mut count = 0u32;
    logs.read(shard, 0, |r| {
        count += 1;
        if let imcloud_shards::cluster::LogEntry::Round { body: b, .. } = r.entry {
            bytes += b.len();
        }
    })
    .await?;
    let took = started.elapsed();
    println!(
        "rebuild read: {count} records ({:.0} MB) in {:.2} s = {:.0} records/s",
        bytes as f64 / 1e6,
        took.as_secs_f64(),
        f64::from(count) / took.as_secs_f64()
    );
    Ok(())
}
