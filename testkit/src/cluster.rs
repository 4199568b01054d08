//! [`TestCluster`]: a real `nats-server` and several real `imcloud`
//! binaries in cluster mode on loopback, each node with its own data dir
//! and its log in `node-{id}.log` of the cluster's temp dir (printed when a
//! wait fails). Nodes are started, killed (`kill -9`), paused (SIGSTOP)
//! and added by the test.

use crate::{BinaryServer, NatsServer};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The operator secret of every test cluster's nodes.
pub const CLUSTER_SECRET: &str = "cluster-test-operator-secret";

pub struct TestCluster {
    pub nats: NatsServer,
    dir: tempfile::TempDir,
    bin: String,
    config: PathBuf,
    /// Node `i` is `nodes[i - 1]` (`None` once killed).
    pub nodes: Vec<Option<BinaryServer>>,
    pub http: reqwest::Client,
    /// Last, so dropped last: the other heavy tests wait until the nodes
    /// are gone.
    _slot: tokio::sync::MutexGuard<'static, ()>,
}

impl TestCluster {
    /// NATS and nodes `1..=count` of the binary at `bin`, with
    /// `membership_ttl_ms` and the extra config lines `extra` (dotted keys).
    pub async fn start(bin: &str, count: u16, membership_ttl_ms: u64, extra: &str) -> TestCluster {
        let slot = crate::heavy_test_slot().await;
        let nats = NatsServer::start();
        let dir = tempfile::tempdir().expect("temp dir");
        let config = crate::write_config(
            dir.path(),
            "cluster.toml",
            &format!(
                "server.create_demo_app = false\nserver.request_timeout_secs = 5\ncluster.membership_ttl_ms = {membership_ttl_ms}\n{extra}"
            ),
        );
        let mut cluster = TestCluster {
            nats,
            dir,
            bin: bin.to_string(),
            config,
            nodes: Vec::new(),
            http: reqwest::Client::new(),
            _slot: slot,
        };
        for id in 1..=count {
            cluster.start_node(id);
        }
        cluster
    }

    fn log_path(&self, id: u16) -> PathBuf {
        self.dir.path().join(format!("node-{id}.log"))
    }

    /// Starts (or restarts, on its data dir) node `id`.
    pub fn start_node(&mut self, id: u16) -> &BinaryServer {
        let data = self.dir.path().join(format!("data-{id}"));
        let id_text = id.to_string();
        let log = self.log_path(id);
        let server = BinaryServer::start_logged(
            &self.bin,
            &data,
            &self.config,
            &[
                ("IMCLOUD_CLUSTER__NATS", self.nats.url()),
                ("IMCLOUD_SERVER__NODE_ID", &id_text),
                ("IMCLOUD_ADMIN__SECRET", CLUSTER_SECRET),
                ("RUST_LOG", "info"),
            ],
            Some(&log),
        );
        let slot = id as usize - 1;
        if self.nodes.len() <= slot {
            self.nodes.resize_with(slot + 1, || None);
        }
        self.nodes[slot] = Some(server);
        self.node(id)
    }

    /// Node `id`, which must be running.
    pub fn node(&self, id: u16) -> &BinaryServer {
        self.nodes
            .get(id as usize - 1)
            .and_then(|n| n.as_ref())
            .unwrap_or_else(|| panic!("node {id} is not running"))
    }

    pub fn base(&self, id: u16) -> String {
        self.node(id).base()
    }

    pub fn ws_url(&self, id: u16) -> String {
        format!("ws://{}/ws", self.node(id).addr)
    }

    /// Kills node `id` with SIGKILL.
    pub fn kill9(&mut self, id: u16) {
        if let Some(mut n) = self.nodes.get_mut(id as usize - 1).and_then(|n| n.take()) {
            n.kill9();
        }
    }

    /// The ids of the running nodes.
    pub fn running(&self) -> Vec<u16> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.is_some())
            .map(|(i, _)| i as u16 + 1)
            .collect()
    }

    /// `GET /cluster` of node `id` (`None` if it does not answer).
    pub async fn status(&self, id: u16) -> Option<Value> {
        let r = self
            .http
            .get(format!("{}/cluster", self.base(id)))
            .bearer_auth(CLUSTER_SECRET)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .ok()?;
        r.json().await.ok()
    }

    /// Waits until every node in `ids` is ready, sees exactly `ids` as the
    /// live nodes, and all of them agree on every shard's owner; returns
    /// the owner of each shard.
    pub async fn wait_settled(&self, ids: &[u16], deadline: Duration) -> Vec<u16> {
        let until = Instant::now() + deadline;
        let mut last = Vec::new();
        loop {
            last.clear();
            for &id in ids {
                last.push(self.status(id).await);
            }
            if let Some(owners) = settled(&last, ids) {
                return owners;
            }
            if Instant::now() >= until {
                self.print_logs();
                panic!("the cluster did not settle on nodes {ids:?}; last statuses: {last:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Prints the tail of every node's log (a failed wait's evidence).
    pub fn print_logs(&self) {
        for id in 1..=self.nodes.len() as u16 {
            if let Ok(text) = std::fs::read_to_string(self.log_path(id)) {
                let lines: Vec<&str> = text.lines().collect();
                let from = lines.len().saturating_sub(60);
                eprintln!(
                    "---- node {id} log (last {} lines) ----",
                    lines.len() - from
                );
                for l in &lines[from..] {
                    eprintln!("{l}");
                }
            }
        }
    }

    /// Creates app `appkey` through node `id`'s operator API; its
    /// `(client_id, client_secret)`.
    pub async fn create_app(&self, id: u16, appkey: &str) -> (String, String) {
        let r: Value = self
            .http
            .post(format!("{}/_admin/apps", self.base(id)))
            .bearer_auth(CLUSTER_SECRET)
            .json(&json!({ "appkey": appkey }))
            .send()
            .await
            .expect("create app")
            .json()
            .await
            .expect("create app answer");
        let data = &r["data"];
        (
            data["client_id"].as_str().expect("client_id").to_string(),
            data["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        )
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Every shard's owner if `statuses` (of `ids`, in order) agree and are
/// ready.
fn settled(statuses: &[Option<Value>], ids: &[u16]) -> Option<Vec<u16>> {
    let mut owners: Option<Vec<u16>> = None;
    let mut wanted: Vec<u16> = ids.to_vec();
    wanted.sort_unstable();
    for s in statuses {
        let s = s.as_ref()?;
        if s["ready"] != json!(true) {
            return None;
        }
        let nodes = s["nodes"].as_array()?;
        let mut live: Vec<u16> = nodes
            .iter()
            .filter_map(|n| n["node_id"].as_u64().map(|v| v as u16))
            .collect();
        live.sort_unstable();
        if live != wanted {
            return None;
        }
        let mut mine = Vec::new();
        for n in nodes {
            let id = n["node_id"].as_u64()? as u16;
            for shard in n["shards"].as_array()? {
                let shard = shard.as_u64()? as usize;
                if mine.len() <= shard {
                    mine.resize(shard + 1, 0);
                }
                mine[shard] = id;
            }
        }
        match &owners {
            None => owners = Some(mine),
            Some(o) if *o == mine => {}
            Some(_) => return None,
        }
    }
    owners
}
