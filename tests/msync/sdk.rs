//! The Easemob Web SDK under Node.js, driven from a test: `tests/websdk/
//! driver.js` runs the unmodified SDK (npm `easemob-websdk`, pinned in
//! `tests/websdk/package.json` and its lock) and speaks JSON lines: a
//! command per line in, events and replies out. The npm packages are
//! installed with `npm ci` the first time a test needs them.

use crate::common::{BinaryServer, WAIT};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The folder of the Node side.
pub fn websdk_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/websdk")
}

/// Installs the pinned npm packages once per test run (`npm ci`: exactly
/// what `package-lock.json` says) unless they are there.
pub fn ensure_npm_packages() {
    static ONCE: Mutex<bool> = Mutex::new(false);
    let mut done = ONCE.lock().unwrap_or_else(|p| p.into_inner());
    if *done {
        return;
    }
    let dir = websdk_dir();
    let installed = ["easemob-websdk", "ws", "xhr2", "playwright-core"]
        .iter()
        .all(|p| {
            dir.join("node_modules")
                .join(p)
                .join("package.json")
                .exists()
        });
    if !installed {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .status()
            .expect("npm runs (Node.js 20 and npm are needed for the SDK tests)");
        assert!(status.success(), "npm ci in {} failed", dir.display());
    }
    *done = true;
}

/// One Node.js process holding any number of SDK connections.
pub struct Sdk {
    child: Child,
    stdin: Mutex<ChildStdin>,
    lines: tokio::sync::Mutex<(mpsc::Receiver<Value>, Vec<Value>)>,
    next: AtomicU64,
    app_key: String,
    api: String,
    url: String,
}

impl Sdk {
    /// Starts the driver against `server` (app `demo#chat`).
    pub async fn start(server: &BinaryServer) -> Sdk {
        Sdk::start_at(&server.base(), &format!("ws://{}/websocket", server.addr)).await
    }

    pub async fn start_at(api: &str, url: &str) -> Sdk {
        ensure_npm_packages();
        let mut child = Command::new("node")
            .arg("driver.js")
            .current_dir(websdk_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().expect("piped stdout");
        let stdin = child.stdin.take().expect("piped stdin");
        let (tx, rx) = mpsc::channel(100_000);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let v = serde_json::from_str(&line)
                    .unwrap_or(json!({ "event": "noise", "line": line }));
                if tx.blocking_send(v).is_err() {
                    break;
                }
            }
        });
        let sdk = Sdk {
            child,
            stdin: Mutex::new(stdin),
            lines: tokio::sync::Mutex::new((rx, Vec::new())),
            next: AtomicU64::new(1),
            app_key: "demo#chat".into(),
            api: api.into(),
            url: url.into(),
        };
        let ready = sdk
            .wait_for("the driver to start", |v| v["event"] == "ready")
            .await;
        assert_eq!(ready["version"], "4.21.1");
        sdk
    }

    /// The first line (event or reply) matching `pred`, waiting up to
    /// `WAIT` (lines that do not match are kept for later). Fails at once
    /// if the SDK threw an uncaught exception.
    pub async fn wait_for(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.wait_within(WAIT, what, pred).await
    }

    pub async fn wait_within(
        &self,
        wait: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let until = Instant::now() + wait;
        let mut guard = self.lines.lock().await;
        let (rx, backlog) = &mut *guard;
        if let Some(i) = backlog.iter().position(&pred) {
            return backlog.remove(i);
        }
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let line = tokio::time::timeout(left, rx.recv()).await;
            let line = match line {
                Ok(Some(l)) => l,
                Ok(None) => panic!("the SDK driver exited while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; seen: {backlog:?}"),
            };
            assert!(line["event"] != "uncaught", "the SDK crashed: {line}");
            if pred(&line) {
                return line;
            }
            backlog.push(line);
        }
    }

    /// Everything seen and not yet taken that matches `pred`.
    pub async fn take_all(&self, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut guard = self.lines.lock().await;
        let (rx, backlog) = &mut *guard;
        while let Ok(l) = rx.try_recv() {
            assert!(l["event"] != "uncaught", "the SDK crashed: {l}");
            backlog.push(l);
        }
        let (hit, keep) = std::mem::take(backlog).into_iter().partition(|v| pred(v));
        *backlog = keep;
        hit
    }

    /// Runs a command and returns its reply (`ok`, `result` or `error`).
    pub async fn call(&self, mut cmd: Value) -> Value {
        let req = self.next.fetch_add(1, Ordering::Relaxed);
        cmd["req"] = json!(req);
        {
            let mut stdin = self.stdin.lock().unwrap_or_else(|p| p.into_inner());
            writeln!(stdin, "{cmd}").expect("write to the driver");
            stdin.flush().expect("flush to the driver");
        }
        let what = format!("the reply to {cmd}");
        self.wait_within(WAIT * 2, &what, |v| v["reply"] == json!(req))
            .await
    }

    fn open_cmd(&self, conn: &str, user: &str) -> Value {
        json!({"cmd": "open", "conn": conn, "appKey": self.app_key, "api": self.api, "url": self.url, "user": user})
    }

    /// `conn.open({user, pwd})`: a token from `POST /token`, then msync.
    pub async fn open_pwd(&self, conn: &str, user: &str, pwd: &str) -> Value {
        let mut c = self.open_cmd(conn, user);
        c["pwd"] = json!(pwd);
        self.call(c).await
    }

    /// `conn.open({user, accessToken})`: msync only.
    pub async fn open_token(&self, conn: &str, user: &str, token: &str) -> Value {
        let mut c = self.open_cmd(conn, user);
        c["token"] = json!(token);
        self.call(c).await
    }

    /// Opens `conn` by password and checks it worked.
    pub async fn login(&self, conn: &str, user: &str) {
        let r = self.open_pwd(conn, user, &format!("pw-{user}")).await;
        assert_eq!(r["ok"], true, "{user} logs in: {r}");
    }

    /// `conn.send(WebIM.message.create(msg))`.
    pub async fn send(&self, conn: &str, msg: Value) -> Value {
        self.call(json!({"cmd": "send", "conn": conn, "msg": msg}))
            .await
    }

    /// `conn[method](...args)`: any SDK call; its reply (`ok`, `result` or
    /// `error`).
    pub async fn api(&self, conn: &str, method: &str, args: Value) -> Value {
        self.call(json!({"cmd": "api", "conn": conn, "method": method, "args": args}))
            .await
    }

    /// `conn[method](...args)`, which must succeed: its result.
    pub async fn api_ok(&self, conn: &str, method: &str, args: Value) -> Value {
        let r = self.api(conn, method, args).await;
        assert_eq!(r["ok"], true, "{method} succeeds: {r}");
        r["result"].clone()
    }

    /// The next SDK callback `name` at `conn` matching `pred`: its data.
    pub async fn event(&self, conn: &str, name: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let what = format!("{name} at {conn}");
        let (conn, name) = (conn.to_string(), name.to_string());
        self.wait_for(&what, move |v| {
            v["event"] == "sdk"
                && v["conn"] == conn.as_str()
                && v["name"] == name.as_str()
                && pred(&v["data"])
        })
        .await["data"]
            .clone()
    }

    /// Sends a 1:1 text and checks the ack carried a server id.
    pub async fn text(&self, conn: &str, to: &str, text: &str) -> String {
        let r = self
            .send(
                conn,
                json!({"type": "txt", "chatType": "singleChat", "to": to, "msg": text}),
            )
            .await;
        assert_eq!(r["ok"], true, "{r}");
        let id = r["result"]["serverMsgId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(id.parse::<u64>().is_ok_and(|n| n > 0), "server id in {r}");
        id
    }

    /// The next message `conn` received that matches `pred`.
    pub async fn message(&self, conn: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let what = format!("a message at {conn}");
        let conn = conn.to_string();
        self.wait_for(&what, move |v| {
            v["event"] == "message" && v["conn"] == conn.as_str() && pred(&v["message"])
        })
        .await["message"]
            .clone()
    }
}

impl Drop for Sdk {
    fn drop(&mut self) {
        // The driver may be gone already.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
