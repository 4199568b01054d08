//! The one `Config` struct: defaults from `config/default.toml` (compiled in),
//! then an optional `--config` file, then `IMCLOUD_<SECTION>__<KEY>`
//! environment variables, then CLI flags. Unknown keys are refused.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use imcloud_actors::app::AppSettings;
use imcloud_actors::Limits;
use imcloud_shards::commit::Durability;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub shards: ShardsConfig,
    pub ws: WsConfig,
    pub rest: RestConfig,
    pub auth: AuthConfig,
    pub admin: AdminConfig,
    pub limits: Limits,
    pub retention: RetentionConfig,
    pub app_defaults: AppSettings,
    pub hooks: crate::hooks::config::HooksConfig,
    pub push: crate::push::config::PushConfig,
    pub cluster: ClusterConfig,
}

/// Cluster mode (`docs/cluster.md`); `nats` empty = a single node, no NATS.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    /// NATS server URLs (a comma-separated string is accepted, for the
    /// environment).
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub nats: Vec<String>,
    /// Prefix of every subject, stream and bucket.
    pub name: String,
    /// How clients and other nodes reach this node; empty: `server.listen`.
    pub advertise: String,
    /// How long a silent node stays a member, ms.
    pub membership_ttl_ms: u64,
    /// Shards per log stream.
    pub shards_per_stream: u32,
    /// NATS servers holding each log record (3 in production).
    pub replicas: usize,
    /// Virtual nodes per node on the ring.
    pub vnodes: u16,
    /// A shard is snapshotted once this many batches reached its log since
    /// its last snapshot (0: never; a take then reads the whole log).
    pub snapshot_every_batches: u64,
}

impl ClusterConfig {
    pub fn enabled(&self) -> bool {
        !self.nats.is_empty()
    }
}

fn list_or_comma_separated<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        One(String),
    }
    Ok(match ListOrString::deserialize(d)? {
        ListOrString::List(l) => l,
        ListOrString::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(String::from)
            .collect(),
    })
}

/// The retention sweep (`src/retention.rs`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Seconds between sweeps (the first runs at start); 0 = no sweeps.
    pub sweep_interval_secs: u64,
    /// Most messages one step deletes on a shard.
    pub step_budget: usize,
    /// Pause between two steps, ms.
    pub pause_ms: u64,
    /// A blob written or named again this recently is kept even if no
    /// record names it (an upload of the same bytes may be recording it),
    /// seconds.
    pub blob_grace_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the HTTP/WebSocket listener binds.
    pub listen: String,
    /// Directory of the embedded store.
    pub data_dir: PathBuf,
    /// This node's id (0–1023), part of every msg id.
    pub node_id: u16,
    /// HTTP worker threads (0 = one per core).
    pub http_workers: usize,
    /// Seconds a request waits for its entity.
    pub request_timeout_secs: u64,
    /// Create `demo#chat` on first start.
    pub create_demo_app: bool,
    /// On SIGTERM/Ctrl-C, how long `/readyz` is unready (new work refused)
    /// before sockets close, ms.
    pub shutdown_drain_ms: u64,
    /// The longest a graceful stop takes, drain included, seconds.
    pub shutdown_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// Storage engine behind the seam.
    pub engine: EngineKind,
    /// Shards of a new data directory.
    pub shard_count: u32,
    /// sled page cache, MiB.
    pub cache_mb: u64,
    /// Whether acks wait for fsync.
    pub durability: Durability,
    /// Group-commit wait for more writes, µs.
    pub commit_window_us: u64,
    /// Flush early at this many waiting requests.
    pub commit_max_batch: usize,
    /// Capacity of the group-commit queue.
    pub commit_queue: usize,
}

/// The storage engines the node can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    Sled,
    Fjall,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardsConfig {
    /// Threads for shard actors (0 = one per core).
    pub threads: usize,
    /// Bounded mailbox per shard actor.
    pub mailbox: usize,
    /// Idle entities are dropped after this many seconds.
    pub idle_timeout_secs: u64,
    /// Encode every command, reply and notice between entities to bytes
    /// and back, as a cluster's network would (tests the cluster seam;
    /// costs CPU).
    pub encode_commands: bool,
}

/// The operator's credential (`/_admin/…`, `src/rest/operator.rs`).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// The operator secret, sent as `Authorization: Bearer <secret>`;
    /// empty (the default) turns the operator endpoints off (404).
    pub secret: String,
}

impl std::fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Config is logged at start: the secret is not.
        f.debug_struct("AdminConfig")
            .field("secret", &if self.secret.is_empty() { "" } else { "<set>" })
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WsConfig {
    /// Address of the lean WebSocket listener (`/ws` only, small buffers);
    /// empty = off (`/ws` on the HTTP port always works).
    pub listen: String,
    /// Largest frame accepted.
    pub max_frame_bytes: usize,
    /// Seconds allowed before the `auth` frame.
    pub auth_timeout_secs: u64,
    /// Seconds of silence before a socket is closed.
    pub idle_timeout_secs: u64,
    /// Requests one socket may have in flight.
    pub max_inflight: usize,
    /// Device requests all sockets of this node may have in flight
    /// together; more are answered busy (302) at once.
    pub max_node_inflight: usize,
    /// Milliseconds a device's `read`/`delivered` waits for the next ones
    /// of its conversation, to go to the entities as one (0: at once).
    pub receipt_linger_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestConfig {
    /// Largest REST request body, bytes.
    pub max_body_bytes: usize,
    /// Largest uploaded file (`POST /chatfiles`), bytes.
    pub max_file_bytes: usize,
    /// How far back an hourly export (§5.8) may reach, hours.
    pub export_max_age_hours: u32,
    /// How long an export's download link works, seconds.
    pub export_link_secs: u64,
    /// REST requests this node serves at once; more are refused at once
    /// with 429 `server_busy`.
    pub max_inflight: usize,
    /// Addresses or CIDR blocks of proxies whose `X-Forwarded-For` names
    /// the client (for the apps' allow-lists); empty: none.
    pub trusted_proxies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// argon2id memory, KiB.
    pub argon2_memory_kib: u32,
    /// argon2id passes.
    pub argon2_iterations: u32,
}

/// Command-line values that override every other layer.
#[derive(Debug, Default, Clone, Serialize)]
pub struct CliOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Loads the layers. The error is one readable line.
    pub fn load(file: Option<&Path>, cli: &CliOverrides) -> Result<Config, String> {
        let mut fig = Figment::from(Toml::string(DEFAULTS));
        if let Some(path) = file {
            if !path.exists() {
                return Err(format!("config file {} does not exist", path.display()));
            }
            fig = fig.merge(Toml::file(path));
        }
        fig = fig.merge(Env::prefixed("IMCLOUD_").split("__"));
        fig = fig.merge(Serialized::default("server", cli));
        let config: Config = fig
            .extract()
            .map_err(|e| format!("bad config: {}", e.to_string().replace('\n', "; ")))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        if self.storage.shard_count == 0 || self.storage.shard_count > 65536 {
            return Err("bad config: storage.shard_count must be 1..=65536".into());
        }
        if self.server.node_id > 1023 {
            return Err("bad config: server.node_id must be 0..=1023".into());
        }
        if self.ws.max_frame_bytes < 1024 {
            return Err("bad config: ws.max_frame_bytes must be at least 1024".into());
        }
        if self.limits.sync_page_max == 0
            || self.limits.session_queue == 0
            || self.limits.presence_subscriptions == 0
            || self.limits.presence_subscribers == 0
        {
            return Err("bad config: limits must be positive".into());
        }
        let l = &self.limits;
        if !(l.chatroom_shed_low <= l.chatroom_shed_normal
            && l.chatroom_shed_normal <= l.chatroom_shed_all)
        {
            return Err(
                "bad config: limits.chatroom_shed_low <= chatroom_shed_normal <= chatroom_shed_all"
                    .into(),
            );
        }
        if let Err(bad) = self.app_defaults.check() {
            return Err(format!("bad config: app_defaults.{}: {}", bad.key, bad.why));
        }
        if self.ws.receipt_linger_ms > 1000 {
            return Err("bad config: ws.receipt_linger_ms must be at most 1000".into());
        }
        if self.rest.max_inflight == 0 || self.ws.max_node_inflight == 0 {
            return Err(
                "bad config: rest.max_inflight and ws.max_node_inflight must be positive".into(),
            );
        }
        if let Some(bad) = self
            .rest
            .trusted_proxies
            .iter()
            .find(|p| crate::guard::allow::parse_net(p).is_none())
        {
            return Err(format!(
                "bad config: rest.trusted_proxies: {bad:?} is not an IP address or CIDR block"
            ));
        }
        self.hooks.validate()?;
        self.push.validate()?;
        let c = &self.cluster;
        if c.enabled() {
            if c.name.is_empty()
                || !c
                    .name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
            {
                return Err(format!(
                    "bad config: cluster.name {:?}: letters, digits, '-' and '_' only",
                    c.name
                ));
            }
            if c.membership_ttl_ms < 300 || c.shards_per_stream == 0 || c.vnodes == 0 {
                return Err("bad config: cluster.membership_ttl_ms must be at least 300, shards_per_stream and vnodes positive".into());
            }
            if !(1..=5).contains(&c.replicas) {
                return Err("bad config: cluster.replicas must be 1..=5".into());
            }
        }
        if self.shards.mailbox == 0 || self.storage.commit_queue == 0 {
            return Err(
                "bad config: shards.mailbox and storage.commit_queue must be positive".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_layers_override() {
        let c = Config::load(None, &CliOverrides::default()).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.storage.shard_count, 64);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[storage]\nshard_count = 8\n").unwrap();
        let c = Config::load(
            Some(&f),
            &CliOverrides {
                listen: Some("127.0.0.1:0".into()),
                data_dir: None,
            },
        )
        .unwrap();
        assert_eq!(c.storage.shard_count, 8);
        assert_eq!(c.server.listen, "127.0.0.1:0");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_one_line_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[storage]\nshard_cuont = 8\n").unwrap();
        let e = Config::load(Some(&f), &CliOverrides::default()).unwrap_err();
        assert!(e.contains("shard_cuont") && !e.contains('\n'), "{e}");
        std::fs::write(&f, "[storage]\nshard_count = 0\n").unwrap();
        assert!(Config::load(Some(&f), &CliOverrides::default()).is_err());
        std::fs::write(
            &f,
            "[rest]\ntrusted_proxies = [\"10.0.0.0/8\", \"proxy\"]\n",
        )
        .unwrap();
        let e = Config::load(Some(&f), &CliOverrides::default()).unwrap_err();
        assert!(e.contains("trusted_proxies") && e.contains("proxy"), "{e}");
        std::fs::write(&f, "[storage\n").unwrap();
        assert!(Config::load(Some(&f), &CliOverrides::default()).is_err());
        assert!(Config::load(
            Some(&dir.path().join("missing.toml")),
            &CliOverrides::default()
        )
        .is_err());
    }

    #[test]
    fn cluster_urls_come_as_a_list_or_comma_separated() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[cluster]\nnats = \"nats://a:4222, nats://b:4222\"\n").unwrap();
        let c = Config::load(Some(&f), &CliOverrides::default()).unwrap();
        assert_eq!(c.cluster.nats, vec!["nats://a:4222", "nats://b:4222"]);
        assert!(c.cluster.enabled());
        std::fs::write(
            &f,
            "[cluster]\nnats = [\"nats://a:4222\"]\nname = \"a.b\"\n",
        )
        .unwrap();
        let e = Config::load(Some(&f), &CliOverrides::default()).unwrap_err();
        assert!(e.contains("cluster.name"), "{e}");
        assert!(!Config::load(None, &CliOverrides::default())
            .unwrap()
            .cluster
            .enabled());
    }
}
