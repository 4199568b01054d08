//! The demo in a real browser: Debian's headless Chromium, driven by
//! playwright-core (`tests/browser/demo.js`), against the real binary.
//! The test makes two users and a group over REST; two browser contexts
//! (one at desktop width, one at phone width) sign in to `/demo` as the
//! two users, become contacts, chat 1:1 and in the group (an image arrives
//! as a thumbnail) and in a chat room (joined again after a reconnect),
//! see each other's presence; one reloads and
//! sees its unread counts and the history (paged); a recall disappears on
//! the other side; one context's network is cut and restored and it
//! catches up with nothing shown twice, and what it wrote meanwhile
//! arrives once; an edit shows on the other side; a sign-out shows as
//! offline. Screenshots are kept in `target/demo/`. Nothing may leave
//! 127.0.0.1. Chromium must be installed (`.ci/run` installs Debian's);
//! without it the test fails and says so.

use crate::common::{create_users, start_binary, write_test_config};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where Debian's package puts Chromium (`IMCLOUD_CHROMIUM` overrides).
pub(super) fn chromium() -> PathBuf {
    let path = std::env::var_os("IMCLOUD_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "Chromium is needed for the demo's browser test and is not at {}: install it \
         (`apt-get install -y chromium`, as .ci/run does) or point IMCLOUD_CHROMIUM at one",
        path.display()
    );
    path
}

/// `tests/browser`, with its npm packages installed as its lock file says.
fn browser_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let installed = dir
        .join("node_modules/playwright-core/package.json")
        .exists();
    if !installed {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .status()
            .expect("npm runs (Node.js 20 and npm are needed for the browser tests)");
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    dir
}

/// The build's target folder (artifacts go under it).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The folder a browser test's screenshots go to, `target/{name}`, made
/// empty: screenshots of an earlier run must not pass for this one's.
pub(super) fn fresh_artifacts(name: &str) -> PathBuf {
    let dir = target_dir().join(name);
    std::fs::create_dir_all(&dir).expect("artifact folder");
    for f in std::fs::read_dir(&dir).expect("artifacts").flatten() {
        let _ = std::fs::remove_file(f.path());
    }
    dir
}

/// Runs `script` of `tests/browser` under Node with `cfg` and returns the
/// report it prints as its last line (at most 240 s).
pub(super) async fn run_scenario(script: &'static str, cfg: Value) -> Value {
    let dir = browser_dir();
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .arg(cfg.to_string())
            .current_dir(dir)
            .output()
            .expect("node runs")
    });
    let output = tokio::time::timeout(std::time::Duration::from_secs(240), run)
        .await
        .expect("the browser run ends within 240 s")
        .expect("the browser run's thread");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|_| {
        panic!(
            "{script} printed no report; stdout: {stdout}; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

async fn create_group(http: &reqwest::Client, base: &str, token: &str) -> String {
    let v: Value = http
        .post(format!("{base}/demo/chat/chatgroups"))
        .bearer_auth(token)
        .json(
            &json!({"owner": "alice", "public": false, "groupname": "Team room",
            "members": ["bob"]}),
        )
        .send()
        .await
        .expect("create the group")
        .json()
        .await
        .expect("json");
    v["data"]["groupid"]
        .as_str()
        .unwrap_or_else(|| panic!("a group id: {v}"))
        .to_string()
}

async fn create_room(http: &reqwest::Client, base: &str, token: &str) -> String {
    let v: Value = http
        .post(format!("{base}/demo/chat/chatrooms"))
        .bearer_auth(token)
        .json(&json!({"name": "Lobby", "description": "anyone", "owner": "alice"}))
        .send()
        .await
        .expect("create the room")
        .json()
        .await
        .expect("json");
    v["data"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a room id: {v}"))
        .to_string()
}

/// The strings of a JSON list.
pub(super) fn texts(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn two_users_chat_in_the_demo_in_headless_chromium() {
    let _slot = crate::common::heavy_test_slot().await;
    let chromium = chromium();
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    let config = write_test_config(tmp.path());
    let server = start_binary(&data, &config);
    let http = reqwest::Client::new();
    let base = server.base();
    let token = server.demo_token(&http, &data).await;
    create_users(
        &http,
        &format!("{base}/demo/chat/users"),
        &token,
        &["alice", "bob"],
    )
    .await;
    let group = create_group(&http, &base, &token).await;
    let room = create_room(&http, &base, &token).await;
    let artifacts = fresh_artifacts("demo");
    let cfg = json!({
        "chromium": chromium, "base": base, "appkey": "demo#chat",
        "a": "alice", "b": "bob", "group": group, "groupName": "Team room",
        "room": room, "roomName": "Lobby",
        "artifacts": artifacts,
    });
    let report = run_scenario("demo.js", cfg).await;
    assert_eq!(
        report["ok"], true,
        "the scenario failed at step {:?}: {}\nlog: {}",
        report["step"], report["error"], report["logs"]
    );
    let facts = &report["facts"];

    // Labels, names, alt text and AA contrast on every page state checked.
    assert_eq!(facts["a11y"], json!([]), "accessibility problems");

    // A failed sign-in says what went wrong.
    let alert = facts["wrongPasswordAlert"].as_str().unwrap_or_default();
    assert!(alert.contains("Wrong user name or password"), "{alert}");
    assert_eq!(facts["requestShown"], json!("alice: “let us chat”"));

    // The image came as the server's thumbnail (a 170 px box by default)
    // and opened at full size.
    assert_eq!(
        facts["thumbnail"]["width"],
        json!(170),
        "{}",
        facts["thumbnail"]
    );
    assert_eq!(
        facts["thumbnail"]["height"],
        json!(128),
        "{}",
        facts["thumbnail"]
    );
    assert_eq!(facts["fullImage"], json!({"width": 400, "height": 300}));

    // After the reload: the unread count, then the history in two pages.
    assert_eq!(facts["unreadAfterReload"], json!("22"));
    assert_eq!(facts["firstPage"], json!(20), "one page of history");
    let mut all = vec!["hello bob".to_string(), "hi alice".to_string()];
    all.extend((1..=22).map(|i| format!("m{i}")));
    assert_eq!(
        texts(&facts["afterPaging"]),
        all,
        "every message once, in order"
    );
    assert_eq!(
        texts(&facts["afterRecallOnB"]),
        ["m20", "m21"],
        "m22 recalled"
    );

    // The catch-up after the network came back: nothing twice, nothing lost.
    let offline = facts["offlineStatus"].as_str().unwrap_or_default();
    assert!(offline.starts_with("Offline"), "{offline}");
    assert_eq!(
        facts["awayOnB"],
        json!([1, 1, 1]),
        "{}",
        facts["bAfterCatchUp"]
    );
    assert_eq!(facts["offlineOnA"], json!(1), "{}", facts["aAfterCatchUp"]);
    for side in ["bAfterCatchUp", "aAfterCatchUp"] {
        assert_eq!(
            facts[side]["duplicateIds"],
            json!(0),
            "{side}: {}",
            facts[side]
        );
    }
    // The raw client: each message emitted once, across a full replay.
    let probe = &facts["probe"];
    assert_eq!(
        facts["probeLogin"]["device"],
        json!("probe"),
        "{}",
        facts["probeLogin"]
    );
    let counts = probe["counts"].as_object().expect("counts");
    assert!(
        counts.values().all(|n| *n == json!(1)),
        "a message emitted twice: {probe}"
    );
    let b_ids = texts(&facts["bAfterCatchUp"]["ids"]);
    let missing: Vec<_> = b_ids
        .iter()
        .filter(|id| !counts.contains_key(**id))
        .collect();
    assert!(missing.is_empty(), "the probe missed {missing:?}: {probe}");
    // The 1:1 messages on b's screen and the three group messages (m22
    // was recalled before the probe logged in).
    assert_eq!(counts.len(), b_ids.len() + 3, "{probe}");
    let states = texts(&probe["states"]);
    assert!(
        states.windows(2).any(|w| w == ["offline", "connecting"]),
        "it lost the network and reconnected: {states:?}"
    );
    assert_eq!(probe["outbox"], json!(0));

    let mut expected = all[..all.len() - 1].to_vec();
    expected.extend(["away 1", "away 2", "away 3", "written offline", "barrier"].map(String::from));
    assert_eq!(texts(&facts["bAfterCatchUp"]["texts"]), expected);
    assert_eq!(texts(&facts["aAfterCatchUp"]["texts"]), expected);

    // An edit replaced the text on the other side.
    assert_eq!(texts(&facts["editedOnB"]), ["away 3, edited"]);
    assert_eq!(facts["signedOut"], json!("Signed out"));
    assert_eq!(
        facts["kick"],
        json!({"reason": "replaced", "first": "closed", "second": "online"})
    );

    // The room: the join brought its recent message, and after the
    // reconnect the client was in the room again.
    assert_eq!(
        texts(&facts["roomOnB"]),
        [
            "first in the room",
            "hello room",
            "hi room",
            "room after the reconnect"
        ]
    );

    // What the pages did is what the server holds.
    let contacts: Value = http
        .get(format!("{base}/demo/chat/users/alice/contacts/users"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("contacts")
        .json()
        .await
        .expect("json");
    assert_eq!(contacts["data"], json!(["bob"]), "{contacts}");

    // Nothing left the loopback: every request and socket went to the server.
    assert_eq!(
        report["blocked"],
        json!([]),
        "requests aborted off the loopback"
    );
    let origin = format!("{base}/");
    let ws_url = format!("ws://{}/ws", server.addr);
    let requests = texts(&report["requests"]);
    assert!(requests.len() > 8, "{requests:?}");
    for r in &requests {
        let url = r.split_once(' ').map_or("", |(_, u)| u);
        assert!(url.starts_with(&origin), "a request elsewhere: {r}");
    }
    let sockets = texts(&report["websockets"]);
    assert!(
        sockets.len() >= 3,
        "two logins and a reconnect at least: {sockets:?}"
    );
    assert!(sockets.iter().all(|u| *u == ws_url), "{sockets:?}");
    assert_eq!(report["pageErrors"], json!([]), "no script errors");

    for shot in texts(&report["screenshots"]) {
        assert!(
            Path::new(shot).metadata().is_ok_and(|m| m.len() > 5000),
            "a screenshot at {shot}"
        );
    }
    assert!(texts(&report["screenshots"]).len() >= 6);
    println!("screenshots: {}", artifacts.display());
}
