//! The servers tests run against: [`TestServer`], the real server in this
//! process on port 0 with a temp data dir, and [`BinaryServer`], the real
//! `imcloud` binary in a child process (for `kill -9`). Both use the one
//! test config: 8 shards, cheap password hashing, no send rate limit unless
//! a test sets one. Setting `IMCLOUD_SHARDS__ENCODE_COMMANDS=true` in the
//! environment runs every server in the encode-everything router mode.

use crate::client::WsClient;
use crate::rest::{app_token, create_users};
use imcloud::config::{CliOverrides, Config};
use imcloud::node::Node;
use imcloud_shards::Clock;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Config for tests: small shard count, cheap password hashing, no send
/// rate limit and a REST rate limit far above what tests make (10,000
/// calls/s of the default class) unless a test sets one.
pub fn test_config(data_dir: &Path) -> Config {
    let mut c = Config::load(
        None,
        &CliOverrides {
            listen: Some("127.0.0.1:0".into()),
            data_dir: Some(data_dir.to_path_buf()),
        },
    )
    .expect("default config loads");
    c.storage.shard_count = 8;
    c.shards.threads = 2;
    c.server.http_workers = 2;
    c.auth.argon2_memory_kib = 1024;
    c.auth.argon2_iterations = 1;
    c.app_defaults.user_send_rate = 0;
    c.app_defaults.rest_rate_per_s = TEST_REST_RATE;
    c
}

/// The test apps' `rest_rate_per_s`.
pub const TEST_REST_RATE: u32 = 10_000;

/// Which listener a test's sockets use: `/ws` on the HTTP port (actix-ws)
/// or the lean WebSocket listener (`ws.listen`, tokio-tungstenite).
#[derive(Debug, Clone, Copy)]
pub enum Ws {
    Http,
    Lean,
}

/// The server running in this process, on its own actix system thread.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The lean WebSocket listener, if the test turned it on.
    pub ws_addr: Option<SocketAddr>,
    pub node: Node,
    /// The server's clock: the system's, or a manual one the test moves.
    pub clock: Clock,
    pub dir: tempfile::TempDir,
    pub client_id: String,
    pub client_secret: String,
    system: actix_web::rt::System,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    http: reqwest::Client,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// Starts with sockets on `ws` (the lean listener on port 0 for
    /// `Ws::Lean`).
    pub async fn start_on(ws: Ws) -> TestServer {
        Self::start_on_with(ws, |_| {}).await
    }

    pub async fn start_on_with(ws: Ws, tune: impl FnOnce(&mut Config)) -> TestServer {
        Self::start_with(|c| {
            if let Ws::Lean = ws {
                c.ws.listen = "127.0.0.1:0".into();
            }
            tune(c);
        })
        .await
    }

    /// Starts with the test config changed by `tune`.
    pub async fn start_with(tune: impl FnOnce(&mut Config)) -> TestServer {
        Self::start_with_clock(Clock::system(), tune).await
    }

    /// Starts on a manual clock (move it with `clock.advance`).
    pub async fn start_manual(tune: impl FnOnce(&mut Config)) -> TestServer {
        Self::start_with_clock(Clock::manual(), tune).await
    }

    async fn start_with_clock(clock: Clock, tune: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(dir.path());
        tune(&mut config);
        // `127.0.0.1:0` unless the test listens elsewhere (`[::1]:0`).
        let listener = TcpListener::bind(&config.server.listen).expect("bind the test listener");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = std::sync::mpsc::channel();
        let server_clock = clock.clone();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let running = imcloud::server::start_with_clock(listener, config, server_clock)
                    .await
                    .expect("server starts");
                let demo = running.demo_app.clone().expect("demo app created");
                let handle = running.server.handle();
                tx.send((
                    running.ws_addr,
                    running.node.clone(),
                    demo,
                    actix_web::rt::System::current(),
                    handle,
                ))
                .expect("test waits");
                // Returns when the system stops.
                let _ = running.run_to_end().await;
            });
        });
        let (ws_addr, node, demo, system, handle) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server started in time");
        TestServer {
            addr,
            ws_addr,
            node,
            clock,
            dir,
            client_id: demo["client_id"].as_str().unwrap_or_default().to_string(),
            client_secret: demo["client_secret"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            system,
            handle,
            thread: Some(thread),
            http: reqwest::Client::new(),
        }
    }

    /// `/ws` on the lean listener if it is on, else on the HTTP port.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.ws_addr.unwrap_or(self.addr))
    }

    /// `/ws` on the HTTP port.
    pub fn http_ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// `http://ADDR`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// An app token for demo#chat.
    pub async fn app_token(&self) -> String {
        app_token(
            &self.http,
            &self.url("/demo/chat/token"),
            &self.client_id,
            &self.client_secret,
        )
        .await
    }

    /// Registers `users` (each password is `pw-<name>`).
    pub async fn create_users(&self, users: &[&str]) {
        let token = self.app_token().await;
        create_users(&self.http, &self.url("/demo/chat/users"), &token, users).await;
    }

    /// A WebSocket logged in as `user` (password `pw-<user>`).
    pub async fn login(&self, user: &str, device: Option<&str>) -> WsClient {
        let c = WsClient::connect(&self.ws_url(), false)
            .await
            .expect("ws connects");
        let r = c
            .login(crate::APPKEY, user, &format!("pw-{user}"), device)
            .await
            .expect("auth reply");
        assert_eq!(r["ok"], Value::Bool(true), "auth of {user} failed: {r}");
        c
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Stopping the HTTP server ends `run_to_end` (which flushes and stops
        // the shards) and with it the server thread.
        let handle = self.handle.clone();
        self.system
            .arbiter()
            .spawn(async move { handle.stop(false).await });
        if let Some(t) = self.thread.take() {
            // A panicked server thread already failed the test.
            let _ = t.join();
        }
    }
}

/// The real `imcloud` binary in a child process.
pub struct BinaryServer {
    pub child: Child,
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
}

impl BinaryServer {
    /// Starts the binary at `bin` (`env!("CARGO_BIN_EXE_imcloud")` in the
    /// test) as `imcloud serve` on port 0 with `config_file`, and waits for
    /// its "listening" line.
    pub fn start(bin: &str, data_dir: &Path, config_file: &Path) -> BinaryServer {
        Self::start_with_env(bin, data_dir, config_file, &[])
    }

    /// [`BinaryServer::start`] with extra environment variables.
    pub fn start_with_env(
        bin: &str,
        data_dir: &Path,
        config_file: &Path,
        env: &[(&str, &str)],
    ) -> BinaryServer {
        Self::start_logged(bin, data_dir, config_file, env, None)
    }

    /// [`BinaryServer::start_with_env`], its log lines (stderr) appended to
    /// `log` if set.
    pub fn start_logged(
        bin: &str,
        data_dir: &Path,
        config_file: &Path,
        env: &[(&str, &str)],
        log: Option<&Path>,
    ) -> BinaryServer {
        let stderr = match log {
            Some(path) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .expect("open the node's log file"),
            ),
            None => Stdio::null(),
        };
        let mut child = Command::new(bin)
            .envs(env.iter().copied())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .arg("--config")
            .arg(config_file)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn imcloud");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("imcloud listening on http://") {
                    // The test may have given up waiting.
                    let _ = tx.send(addr.trim().to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("binary listens in time")
            .parse()
            .expect("socket addr");
        BinaryServer {
            child,
            addr,
            data_dir: data_dir.to_path_buf(),
        }
    }

    /// `http://ADDR`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// An app token for demo#chat, with the credentials the server wrote
    /// to `data_dir` on its first start.
    pub async fn demo_token(&self, http: &reqwest::Client, data_dir: &Path) -> String {
        let (id, secret) = crate::rest::demo_credentials(data_dir);
        let url = format!("{}/demo/chat/token", self.base());
        app_token(http, &url, &id, &secret).await
    }

    /// Sends SIGTERM: the server stops gracefully.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to exit, up to `deadline`; its status.
    pub async fn exited(&mut self, deadline: Duration) -> Option<std::process::ExitStatus> {
        let until = std::time::Instant::now() + deadline;
        // A child's exit has no event to await here: polled every 10 ms.
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        loop {
            tick.tick().await;
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() >= until {
                return None;
            }
        }
    }

    /// Sends `signal` (`STOP`, `CONT`) to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    pub fn kill9(&mut self) {
        // SIGKILL: no shutdown hook runs.
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }
}

impl Drop for BinaryServer {
    fn drop(&mut self) {
        // Already dead after kill9; otherwise stop it now.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A config file for binary tests: 8 shards, cheap hashing, no send rate
/// limit, the test REST rate, the default storage engine.
pub fn write_test_config(dir: &Path) -> PathBuf {
    write_test_config_with(dir, "fjall")
}

/// [`write_test_config`] on storage engine `engine`.
pub fn write_test_config_with(dir: &Path, engine: &str) -> PathBuf {
    write_config(
        dir,
        "test.toml",
        &format!("storage.engine = \"{engine}\"\n"),
    )
}

/// A config file `name` for binary tests: [`write_test_config`]'s
/// settings, then `extra`, as dotted keys (`retention.pause_ms = 2`) so
/// they add to the same tables.
pub fn write_config(dir: &Path, name: &str, extra: &str) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(
        &f,
        format!("storage.shard_count = 8\nauth.argon2_memory_kib = 1024\nauth.argon2_iterations = 1\napp_defaults.user_send_rate = 0\napp_defaults.rest_rate_per_s = {TEST_REST_RATE}\n{extra}"),
    )
    .expect("write config");
    f
}
