//! The core scenario once in a real browser: Debian's headless Chromium,
//! driven by playwright-core (`tests/websdk/browser.js`), opens a page
//! served by this test from its own origin (another port than imcloud's),
//! which loads the unmodified SDK bundle, logs two users in by password
//! (the token request is a cross-origin POST, preflighted) and sends text
//! both ways over `/websocket`. The page's screenshot is kept in
//! `target/websdk/chromium-core.png`. Chromium must be installed
//! (`.ci/run` installs Debian's); without it the test fails and says so.

use super::sdk::{ensure_npm_packages, websdk_dir};
use crate::common::{create_users, start_binary, write_test_config};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where Debian's package puts Chromium (`IMCLOUD_CHROMIUM` overrides).
fn chromium() -> PathBuf {
    let path = std::env::var_os("IMCLOUD_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "Chromium is needed for the browser test and is not at {}: install it \
         (`apt-get install -y chromium`, as .ci/run does) or point IMCLOUD_CHROMIUM at one",
        path.display()
    );
    path
}

/// The folder test artifacts go to: `target/websdk`.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("websdk");
    std::fs::create_dir_all(&dir).expect("artifact folder");
    dir
}

/// A static server on its own loopback port for the page and the SDK
/// bundle (the page's origin); answers each request and closes.
async fn serve_page() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the page server");
    let addr = listener.local_addr().expect("page server address");
    let dir = websdk_dir();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let dir = dir.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf);
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let path = path.split('?').next().unwrap_or("/");
                let file: Option<(PathBuf, &str)> = match path {
                    "/page.html" => Some((dir.join("page.html"), "text/html; charset=utf-8")),
                    "/Easemob-chat.js" => Some((
                        dir.join("node_modules/easemob-websdk/Easemob-chat.js"),
                        "application/javascript",
                    )),
                    _ => None,
                };
                let response = match file.and_then(|(p, t)| Some((std::fs::read(p).ok()?, t))) {
                    Some((body, kind)) => {
                        let mut r = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        r.extend_from_slice(&body);
                        r
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = sock.write_all(&response).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn the_sdk_in_headless_chromium_on_another_origin_texts_both_ways() {
    let _slot = crate::common::heavy_test_slot().await;
    let chromium = chromium();
    ensure_npm_packages();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
    let server = start_binary(&data, &config);
    let http = reqwest::Client::new();
    let token = server.demo_token(&http, &data).await;
    create_users(
        &http,
        &format!("{}/demo/chat/users", server.base()),
        &token,
        &["alice", "bob"],
    )
    .await;
    let page = serve_page().await;
    let api = server.base();
    let url = format!("ws://{}/websocket", server.addr);
    let screenshot = artifacts().join("chromium-core.png");
    let _ = std::fs::remove_file(&screenshot);
    let profile = tempfile::tempdir().expect("a fresh Chromium profile");
    let cfg = json!({
        "chromium": chromium,
        "page": format!("http://{page}/page.html?api={api}&url={url}"),
        "screenshot": screenshot,
        "userDataDir": profile.path(),
    });
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("browser.js")
            .arg(cfg.to_string())
            .current_dir(websdk_dir())
            .output()
            .expect("node runs")
    });
    let output = tokio::time::timeout(std::time::Duration::from_secs(90), run)
        .await
        .expect("the browser run ends within 90 s")
        .expect("the browser run's thread");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let report: Value = serde_json::from_str(line).unwrap_or_else(|_| {
        panic!(
            "browser.js printed no report; stdout: {stdout}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(report["ok"], true, "the scenario ran in Chromium: {report}");
    let r = &report["result"];
    assert_eq!(r["version"], "4.21.1", "{r}");
    for (leg, from, to) in [("there", "alice", "bob"), ("back", "bob", "alice")] {
        let m = &r[leg];
        assert_eq!(
            (m["from"].as_str(), m["to"].as_str()),
            (Some(from), Some(to)),
            "{r}"
        );
        let id = m["serverMsgId"].as_str().unwrap_or_default();
        assert!(
            id.parse::<u64>().is_ok_and(|n| n > 0),
            "acked with a server id: {r}"
        );
        assert_eq!(m["receivedId"].as_str(), Some(id), "received as sent: {r}");
    }
    // The page's origin is not the API's: the token POST was preflighted.
    let requests: Vec<&str> = report["requests"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with("POST ") && r.contains(&format!("{api}/demo/chat/token"))),
        "the token came from the API's origin: {requests:?}"
    );
    assert_eq!(report["blocked"], json!([]), "nothing left the loopback");
    assert!(
        Path::new(&screenshot)
            .metadata()
            .is_ok_and(|m| m.len() > 1000),
        "a screenshot at {}",
        screenshot.display()
    );
    println!("screenshot: {}", screenshot.display());
}
