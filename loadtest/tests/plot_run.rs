//! `--plot` end to end: the binary runs a small open-loop `direct` run
//! against the in-process server with `--json --plot FILE.svg`. The JSON
//! has one interval per second whose counts add up to the deliveries, the
//! SVG is a whole document with the latency and throughput lines and
//! their legends, and stderr stays empty (no progress bar when it is not a
//! terminal).

mod common;

use common::{HarnessServer, TestServer};
use imcloud_loadtest::setup::{self, SetupOptions};
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_run_draws_its_series() {
    let server = TestServer::start().await;
    setup::run(&SetupOptions {
        target: server.target(),
        credentials: server.credentials(),
        users: 4,
        prefix: "lt".into(),
        concurrency: 2,
    })
    .await
    .expect("setup runs");
    let dir = tempfile::tempdir().expect("temp dir");
    let svg = dir.path().join("run.svg");
    let url = format!("http://{}", server.addr);
    let bin = env!("CARGO_BIN_EXE_imcloud-loadtest");
    let mut args: Vec<String> = [
        "--json",
        "direct",
        "--url",
        &url,
        "--pairs",
        "2",
        "--rate",
        "100",
        "--duration",
        "2.5",
        "--drain",
        "10",
        "--plot",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(svg.to_string_lossy().to_string());
    // The binary is a child process; run it off the runtime's threads.
    let out = tokio::task::spawn_blocking(move || Command::new(bin).args(args).output())
        .await
        .expect("join")
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "stderr: {stderr}");

    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let delivered = report["delivered"].as_u64().expect("delivered");
    assert_eq!(delivered, 250, "{report}");
    let e2e = report["intervals"]["e2e"].as_array().expect("e2e series");
    assert!((3..=4).contains(&e2e.len()), "{e2e:?}");
    let counted: u64 = e2e.iter().filter_map(|i| i["count"].as_u64()).sum();
    assert_eq!(counted, delivered);
    assert!(e2e.iter().all(|i| i["p99_ms"].as_f64().is_some()));

    let text = std::fs::read_to_string(&svg).expect("svg written");
    assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
    // Four percentile lines and one throughput line, each with its legend.
    assert!(text.matches("<polyline").count() >= 5, "{text}");
    for label in ["p50", "p90", "p99", "max", "deliveries (e2e) /s"] {
        assert!(text.contains(label), "no {label} in the svg");
    }
}
