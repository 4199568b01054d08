//! Cluster mode, the gateway's side (`docs/cluster.md`): joining the
//! cluster at start when `[cluster] nats` is set, and wiring the node to
//! the cluster's transport: commands other nodes send for this node's
//! shards go to the router, pushes for this node's devices to the device
//! directory, bus messages to the caches. Without `[cluster]` none of this
//! runs and no NATS is needed.
//!
//! - [`devices`]: pushes for devices on other nodes.
//! - [`status`]: `GET /cluster`.

pub mod devices;
pub mod status;

use crate::config::Config;
use imcloud_actors::session::RemotePush;
use imcloud_actors::{ChatEntity, DomainEnv};
use imcloud_shards::cluster::{handoff, Cluster, ClusterSettings, Inbound, WireMail};
use imcloud_shards::placement::ShardId;
use imcloud_shards::store::Engine;
use imcloud_shards::{ReplyTo, Router};
use std::sync::Arc;
use std::time::Duration;

/// Joins the cluster `config` names (`None` on a single node). The error
/// is one readable line.
pub async fn connect(config: &Config) -> Result<Option<Arc<Cluster>>, String> {
    let c = &config.cluster;
    if !c.enabled() {
        return Ok(None);
    }
    let advertise = if c.advertise.is_empty() {
        config.server.listen.clone()
    } else {
        c.advertise.clone()
    };
    let settings = ClusterSettings {
        nats: c.nats.clone(),
        name: c.name.clone(),
        node_id: config.server.node_id,
        advertise,
        shard_count: config.storage.shard_count,
        membership_ttl: Duration::from_millis(c.membership_ttl_ms),
        vnodes: c.vnodes,
        shards_per_stream: c.shards_per_stream,
        replicas: c.replicas,
        answer_within: Duration::from_secs(config.server.request_timeout_secs.max(1)),
        snapshot_every: c.snapshot_every_batches,
        staging: config.server.data_dir.join("snapshots"),
    };
    Cluster::connect(settings).await.map(Some)
}

/// Wires the started node to `cluster` and starts taking its shards.
pub fn start(
    cluster: &Arc<Cluster>,
    router: &Router<ChatEntity>,
    env: &DomainEnv,
    raw: Arc<dyn Engine>,
) {
    env.devices
        .set_remote(Arc::new(devices::RemoteSessions::new(cluster.clone())));
    let transport = cluster.transport.clone();
    env.app_changes
        .set_remote(Box::new(move |bytes| transport.publish_bus(bytes)));
    cluster.transport.set_inbound(Arc::new(NodeInbound {
        router: router.clone(),
        env: env.clone(),
    }));
    let directory = env.devices.clone();
    handoff::start(
        cluster.clone(),
        router.clone(),
        raw,
        Arc::new(move |moved: &[ShardId]| {
            let kicked = directory.kick_shards(moved);
            if kicked > 0 {
                tracing::info!(
                    kicked,
                    "devices told to reconnect: their users' shards moved"
                );
            }
        }),
    );
}

/// What other nodes send this one.
struct NodeInbound {
    router: Router<ChatEntity>,
    env: DomainEnv,
}

impl Inbound for NodeInbound {
    fn mail(&self, shard: ShardId, mail: WireMail, reply: Option<ReplyTo>) {
        self.router.accept_wire(shard, mail, reply);
    }

    fn pushes(&self, body: &[u8]) {
        match imcloud_shards::wire::decode::<RemotePush>(body) {
            Ok(push) => self.env.devices.deliver_remote(push),
            Err(e) => tracing::warn!(error = %e, "an unreadable push from another node"),
        }
    }

    fn bus(&self, body: &[u8]) {
        self.env.app_changes.receive_remote(body);
    }
}
