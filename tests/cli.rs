//! The CLI contract: `app create` prints one JSON line, and bad configs or a
//! locked data dir exit non-zero with one readable line.

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
