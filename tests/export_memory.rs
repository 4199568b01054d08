//! An export of an hour holding 100,000 messages streams in bounded
//! memory: the real binary stores 100,000 messages of about 1 KB (over
//! REST, 500 recipients a call), then one hour's file (two if the sends
//! crossed an hour) is downloaded while the server's RSS is read after
//! every chunk. The file holds exactly the acked messages, and the RSS
//! grows by far less than the file's uncompressed size.

use crate::common::{create_users, hour_of, write_test_config};
use flate2::read::GzDecoder;
use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};

const MESSAGES: usize = 100_000;
const RECIPIENTS: usize = 500;
/// Most the RSS may grow while exporting, bytes.
const MAX_GROWTH: u64 = 48 << 20;

/// The resident set of process `pid`, bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS");
    kib * 1024
}

fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp() * 1000
}

#[tokio::test]
async fn an_export_of_100_000_messages_streams_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
    let server = crate::common::start_binary(&data, &config);
    let base = server.base();
    let http = reqwest::Client::new();
    let token = server.demo_token(&http, &data).await;
    let users: Vec<String> = (0..RECIPIENTS).map(|i| format!("r{i}")).collect();
    let names: Vec<&str> = users.iter().map(String::as_str).collect();
    create_users(&http, &format!("{base}/demo/chat/users"), &token, &names).await;

    let started = now_ms();
    let text = "x".repeat(1000);
    let mut acked: HashSet<String> = HashSet::new();
    let calls: Vec<usize> = (0..MESSAGES / RECIPIENTS).collect();
    for batch in calls.chunks(4) {
        let sends = batch.iter().map(|i| {
            let body = json!({"to": users, "type": "txt", "body": {"msg": format!("{i} {text}")}});
            http.post(format!("{base}/demo/chat/messages/users"))
                .bearer_auth(&token)
                .json(&body)
                .send()
        });
        for r in join_all(sends).await {
            let r: Value = r.expect("send").json().await.expect("JSON");
            let data = r["data"].as_object().unwrap_or_else(|| panic!("{r}"));
            assert_eq!(data.len(), RECIPIENTS, "{r}");
            acked.extend(
                data.values()
                    .map(|v| v.as_str().expect("msg id").to_string()),
            );
        }
    }
    assert_eq!(acked.len(), MESSAGES);
    let mut hours = vec![hour_of(started)];
    if hour_of(now_ms()) != hours[0] {
        hours.push(hour_of(now_ms()));
    }

    let pid = server.child.id();
    let before = rss(pid);
    let (mut peak, mut raw_bytes) = (before, 0usize);
    let mut exported: Vec<String> = Vec::new();
    let export_started = std::time::Instant::now();
    for hour in &hours {
        let r: Value = http
            .get(format!("{base}/demo/chat/chatmessages/{hour}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = r["data"][0]["url"]
            .as_str()
            .unwrap_or_else(|| panic!("{r}"));
        let mut resp = http.get(url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let mut gz = Vec::new();
        while let Some(chunk) = resp.chunk().await.expect("a chunk") {
            gz.extend_from_slice(&chunk);
            peak = peak.max(rss(pid));
        }
        for line in BufReader::new(GzDecoder::new(&gz[..])).lines() {
            let line = line.expect("a line");
            raw_bytes += line.len() + 1;
            let record: Value = serde_json::from_str(&line).expect("JSON line");
            exported.push(record["msg_id"].as_str().expect("msg_id").to_string());
        }
    }
    let secs = export_started.elapsed().as_secs_f64();
    let growth = peak.saturating_sub(before);
    println!(
        "exported {} messages in {secs:.2} s ({:.0}/s, download and check), {} MiB uncompressed; RSS before {} MiB, peak {} MiB (+{} MiB)",
        exported.len(),
        exported.len() as f64 / secs,
        raw_bytes >> 20,
        before >> 20,
        peak >> 20,
        growth >> 20
    );
    assert_eq!(exported.len(), MESSAGES, "one record per message");
    let exported: HashSet<String> = exported.into_iter().collect();
    assert_eq!(exported, acked, "exactly the acked messages");
    assert!(
        raw_bytes as u64 > 2 * MAX_GROWTH,
        "the file is larger than the bound"
    );
    assert!(
        growth < MAX_GROWTH,
        "RSS grew by {} MiB while exporting",
        growth >> 20
    );
}
