//! The CLI contract: `app create` prints one JSON line, bad configs or a
//! locked data dir exit non-zero with one readable line, and a first start
//! says little: where it listens and the demo app's credentials.

use crate::common::write_test_config;
use std::process::Command;

fn imcloud(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_imcloud"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run imcloud")
}

#[test]
fn app_create_prints_one_json_line_and_refuses_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let out = imcloud(&["app", "create", "acme#shop", "--data-dir", data]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["appkey"], "acme#shop");
    assert!(v["client_id"].as_str().is_some_and(|s| !s.is_empty()));
    assert!(v["client_secret"].as_str().is_some_and(|s| !s.is_empty()));

    let again = imcloud(&["app", "create", "acme#shop", "--data-dir", data]);
    assert!(!again.status.success());
    let err = String::from_utf8(again.stderr).unwrap();
    assert!(
        err.contains("already exists") && err.trim().lines().count() == 1,
        "{err}"
    );

    let bad = imcloud(&["app", "create", "Bad Name", "--data-dir", data]);
    assert!(!bad.status.success());
}

#[test]
fn a_bad_config_exits_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[storage]\nshard_count = \"many\"\n").unwrap();
    let out = imcloud(&[
        "serve",
        "--config",
        cfg.to_str().unwrap(),
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("shard_count"), "{err}");
}

#[test]
fn a_locked_data_dir_exits_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write_test_config(dir.path());
    let _server = crate::common::start_binary(&data, &config);
    let out = imcloud(&[
        "app",
        "create",
        "late#comer",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("locked"), "{err}");
}

#[test]
fn a_data_dir_opens_only_with_the_engine_that_created_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sled_cfg = dir.path().join("sled.toml");
    std::fs::write(&sled_cfg, "[storage]\nengine = \"sled\"\n").unwrap();
    let data_arg = data.to_str().unwrap();
    let created = imcloud(&[
        "app",
        "create",
        "a#b",
        "--data-dir",
        data_arg,
        "--config",
        sled_cfg.to_str().unwrap(),
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    // The default engine is fjall: it must refuse, not start empty.
    let out = imcloud(&["app", "create", "c#d", "--data-dir", data_arg]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("storage.engine = \"sled\""), "{err}");
}

/// What a first `imcloud serve` prints, stdout and stderr, from the start
/// until a SIGTERM has stopped it.
fn first_start_output() -> (String, String) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let config = write_test_config(dir.path());
    let stderr_file = dir.path().join("stderr.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_imcloud"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config)
        .env_remove("RUST_LOG")
        .env_remove("IMCLOUD_LOG_FORMAT")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_file).unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("imcloud listening on") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the server listens in time");
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(30);
    // A child's exit has no event to wait on without blocking forever.
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server stops on SIGTERM");
        std::thread::sleep(Duration::from_millis(10));
    }
    let stdout = reader.join().unwrap();
    (stdout, std::fs::read_to_string(&stderr_file).unwrap())
}

#[test]
fn a_first_start_prints_a_handful_of_plain_lines_with_the_credentials() {
    let (stdout, stderr) = first_start_output();
    assert!(stdout.contains("created demo app:"), "{stdout}");
    assert!(stdout.contains("client_secret"), "{stdout}");
    let total = stdout.lines().count() + stderr.lines().count();
    // Start, listen addresses, the demo app, and the stop: no storage
    // engine internals.
    assert!(total <= 12, "{total} lines:\n{stdout}\n{stderr}");
    for out in [&stdout, &stderr] {
        assert!(!out.contains('\u{1b}'), "ANSI escape codes in:\n{out}");
    }
    assert!(!stderr.to_lowercase().contains("ingestion"), "{stderr}");
}
