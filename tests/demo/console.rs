//! The admin console in a real browser: Debian's headless Chromium,
//! driven by playwright-core (`tests/browser/console.js`), against the
//! real binary started with an operator secret. The operator signs in,
//! creates an app, two users and a group; turns on the friend check and
//! word replacement and adds sensitive words (one typed, 3,000 imported
//! from a file, found by a search, one removed); adds a callback rule and
//! sends its test event to a receiver the script runs on 127.0.0.1; saves
//! a push credential whose secret is never shown back; edits the
//! allow-list; reads the live figures. Then two contexts sign in to
//! `/demo` as the two users and exchange a group message (the word
//! replaced). Screenshots of the main pages at desktop and phone width
//! are kept in `target/console/`; every page state passes the
//! accessibility check; nothing may leave 127.0.0.1. The server's state
//! is then read over REST: it is what the console did.

use super::chat::{chromium, fresh_artifacts, run_scenario, texts};
use serde_json::{json, Value};

const SECRET: &str = "console-test-operator-secret";

#[tokio::test]
async fn an_operator_sets_up_an_app_in_the_console_and_its_users_chat() {
    let _slot = crate::common::heavy_test_slot().await;
    let chromium = chromium();
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    let config = crate::common::write_test_config(tmp.path());
    let server = imcloud_testkit::BinaryServer::start_with_env(
        env!("CARGO_BIN_EXE_imcloud"),
        &data,
        &config,
        &[("IMCLOUD_ADMIN__SECRET", SECRET)],
    );
    let base = server.base();
    let artifacts = fresh_artifacts("console");
    let cfg = json!({"chromium": chromium, "base": base, "secret": SECRET, "artifacts": artifacts});
    let report = run_scenario("console.js", cfg).await;
    assert_eq!(
        report["ok"], true,
        "the scenario failed at step {:?}: {}\nfacts: {}\nlog: {}",
        report["step"], report["error"], report["facts"], report["logs"]
    );
    let facts = &report["facts"];
    assert_eq!(facts["a11y"], json!([]), "accessibility problems");
    assert_eq!(report["pageErrors"], json!([]), "errors in the pages");

    // Failures are said plainly.
    let alert = facts["wrongSecretAlert"].as_str().unwrap_or_default();
    assert!(alert.contains("the secret is wrong"), "{alert}");
    let alert = facts["badNameAlert"].as_str().unwrap_or_default();
    assert!(
        alert.contains("lowercase letters, digits or hyphens"),
        "{alert}"
    );
    let alert = facts["badAllowAlert"].as_str().unwrap_or_default();
    assert!(
        alert.contains("400") && alert.contains("not-an-address"),
        "{alert}"
    );

    // The details page names the app's addresses.
    let details = &facts["details"];
    assert_eq!(details["App key"], json!("acme#shop"));
    assert_eq!(details["REST base URL"], json!(format!("{base}/acme/shop")));
    assert_eq!(
        details["WebSocket (imcloud protocol)"],
        json!(format!("ws://{}/ws", server.addr))
    );
    assert_eq!(
        details["WebSocket (Easemob Web SDK, msync)"],
        json!(format!("ws://{}/websocket", server.addr))
    );
    assert_eq!(facts["annDevices"], json!("No device online."));
    assert_eq!(texts(&facts["groupMembers"]), ["ann (owner)", "ben"]);
    assert!(
        facts["settingsShown"].as_u64().unwrap_or(0) >= 17,
        "{}",
        facts["settingsShown"]
    );
    let imported = facts["imported"].as_str().unwrap_or_default();
    assert!(imported.contains("3000 words read, 3000 new"), "{imported}");
    assert_eq!(
        texts(&facts["searchFound"]),
        [
            "imported-299",
            "imported-2990",
            "imported-2991",
            "imported-2992",
            "imported-2993",
            "imported-2994",
            "imported-2995",
            "imported-2996",
            "imported-2997",
            "imported-2998",
            "imported-2999"
        ]
    );

    // The test event reached the receiver, signed, and its answer came back.
    let result = facts["testResult"].as_str().unwrap_or_default();
    assert!(result.starts_with("The receiver answered 200"), "{result}");
    assert!(result.contains("{\"received\":true}"), "{result}");
    let received = facts["received"].as_array().expect("received");
    let test = received
        .iter()
        .find(|e| e["eventType"] == json!("test"))
        .unwrap_or_else(|| panic!("no test event among {received:?}"));
    assert!(
        test["callId"]
            .as_str()
            .unwrap_or_default()
            .starts_with("acme#shop_test-"),
        "{test}"
    );
    assert_eq!(test["security"].as_str().map(str::len), Some(32), "{test}");

    // The push credential's secret never came back.
    let row = facts["pushRow"].as_str().unwrap_or_default();
    assert!(
        row.contains("webhook") && row.contains("127.0.0.1:9/push"),
        "{row}"
    );
    assert!(!row.contains("very-secret-value"), "{row}");
    assert_eq!(texts(&facts["allowList"]), ["127.0.0.0/8"]);

    // The console-made app works: ann's word is replaced on ben's screen.
    assert_eq!(texts(&facts["benSaw"]), ["hello *** team"]);
    // (The sender's page keeps what it typed: the demo shows its own
    // copy, not the stored one.)
    assert_eq!(texts(&facts["annSaw"]).last(), Some(&"hi ann"));
    let online = facts["annOnline"].as_str().unwrap_or_default();
    assert!(online.starts_with("Online devices: "), "{online}");
    let connections: f64 = facts["connections"]
        .as_str()
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    assert!(
        connections >= 2.0,
        "ann and ben are connected: {}",
        facts["connections"]
    );
    assert_eq!(facts["chartLabels"].as_array().map(Vec::len), Some(4));
    assert!(
        facts["phoneOverflow"].as_i64().unwrap_or(1) <= 0,
        "the page is wider than a phone: {}",
        facts["phoneOverflow"]
    );

    // What the console did is what the server holds.
    let http = reqwest::Client::new();
    let op = |path: &str| http.get(format!("{base}{path}")).bearer_auth(SECRET).send();
    let app: Value = op("/_admin/apps/acme/shop")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(app["data"]["users"], json!(2), "{app}");
    let token = imcloud_testkit::app_token(
        &http,
        &format!("{base}/acme/shop/token"),
        app["data"]["client_id"].as_str().unwrap(),
        app["data"]["client_secret"].as_str().unwrap(),
    )
    .await;
    let get = |path: &str| {
        http.get(format!("{base}/acme/shop{path}"))
            .bearer_auth(&token)
            .send()
    };
    let settings: Value = get("/settings").await.unwrap().json().await.unwrap();
    assert_eq!(settings["data"]["friend_check"], json!(true), "{settings}");
    assert_eq!(settings["data"]["sensitive_words"], json!("replace"));
    assert_eq!(settings["data"]["rest_allow_list"], json!(["127.0.0.0/8"]));
    let rules: Value = get("/callbacks").await.unwrap().json().await.unwrap();
    assert_eq!(rules["data"][0]["name"], json!("probe"), "{rules}");
    assert_eq!(rules["data"][0]["events"], json!(["chat", "keyword_alert"]));
    let words: Value = get("/sensitive_words?limit=1000")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        texts(&words["data"]["words"]).contains(&"badword"),
        "{words}"
    );

    // Screenshots of the main pages, at both widths.
    let shots = texts(&report["screenshots"]);
    for page in [
        "apps",
        "details",
        "users",
        "groups",
        "settings",
        "callbacks",
        "metrics",
    ] {
        for width in ["desktop", "phone"] {
            let name = format!("console-{width}-{page}.png");
            assert!(
                shots.iter().any(|s| s.ends_with(&name)),
                "no {name} among {shots:?}"
            );
        }
    }
    for s in &shots {
        let len = std::fs::metadata(s).map(|m| m.len()).unwrap_or(0);
        assert!(len > 1000, "{s} is {len} bytes");
    }

    // Nothing left the loopback: every request and socket went to the server
    // (or the test's own receiver, which only the server calls).
    assert_eq!(
        report["blocked"],
        json!([]),
        "requests aborted off the loopback"
    );
    let origin = format!("{base}/");
    let requests = texts(&report["requests"]);
    assert!(requests.len() > 30, "{requests:?}");
    for r in &requests {
        let url = r.split_once(' ').map_or("", |(_, u)| u);
        assert!(url.starts_with(&origin), "a request elsewhere: {r}");
    }
    for ws in texts(&report["websockets"]) {
        assert!(
            ws.starts_with(&format!("ws://{}/", server.addr)),
            "a socket elsewhere: {ws}"
        );
    }
}
