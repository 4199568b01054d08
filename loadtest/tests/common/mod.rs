//! The real server in this test process on port 0 with a temp data dir
//! (the pattern of the main crate's `tests/common`), for the harness tests.

use imcloud::config::{CliOverrides, Config};
use imcloud_loadtest::rest::Credentials;
use imcloud_loadtest::target::Target;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

/// The server running on its own actix system thread.
pub struct TestServer {
    pub addr: SocketAddr,
    pub credentials: Credentials,
    /// The running node, for the fault-injection switches (not every test
    /// binary uses it).
    #[allow(dead_code)]
    pub node: imcloud::node::Node,
    _dir: tempfile::TempDir,
    system: actix_web::rt::System,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// Starts with a small, benchmark-style config: 8 shards, cheap
    /// password hashing, no send rate limit.
    pub fn start() -> TestServer {
        Self::start_with(|_| {})
    }

    /// Starts with the config changed by `tune` after the defaults above.
    pub fn start_with(tune: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let overrides = CliOverrides {
            listen: Some("127.0.0.1:0".into()),
            data_dir: Some(dir.path().to_path_buf()),
        };
        let mut config = Config::load(None, &overrides).expect("default config loads");
        config.storage.shard_count = 8;
        config.shards.threads = 2;
        config.server.http_workers = 2;
        config.auth.argon2_memory_kib = 1024;
        config.auth.argon2_iterations = 1;
        config.app_defaults.user_send_rate = 0;
        tune(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let running = imcloud::server::start(listener, config)
                    .await
                    .expect("server starts");
                let handle = running.server.handle();
                tx.send((
                    actix_web::rt::System::current(),
                    handle,
                    running.node.clone(),
                ))
                .expect("test waits for the start");
                // Returns when the system stops.
                let _ = running.run_to_end().await;
            });
        });
        let (system, handle, node) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server started in time");
        let credentials =
            Credentials::from_data_dir(dir.path()).expect("demo-app.json written on first start");
        TestServer {
            addr,
            credentials,
            node,
            _dir: dir,
            system,
            handle,
            thread: Some(thread),
        }
    }

    pub fn target(&self) -> Target {
        Target::new(&format!("http://{}", self.addr), "demo#chat").expect("loopback target")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Stopping the System alone does not end the HTTP server's future;
        // the handle's command does (the returned future only reports it).
        drop(self.handle.stop(false));
        self.system.stop();
        if let Some(t) = self.thread.take() {
            // A panicked server thread already failed the test.
            let _ = t.join();
        }
    }
}
