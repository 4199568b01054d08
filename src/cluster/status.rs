//! `GET /cluster` (operator secret): the live nodes as this node sees
//! them, which shards each owns, which this node serves, and the counters
//! of its transport, shard log appends and takes. A single node answers
//! as a cluster of one that owns every shard.

use crate::node::Node;
use crate::rest::operator::Operator;
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use serde_json::json;
use std::sync::atomic::Ordering;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/cluster", cluster);
}

async fn cluster(op: Operator) -> HttpResponse {
    HttpResponse::Ok().json(describe(&op.node))
}

/// What `GET /cluster` answers.
pub fn describe(node: &Node) -> serde_json::Value {
    let me = node.config.server.node_id;
    let count = node.shard_count();
    let Some(cluster) = &node.cluster else {
        return json!({
            "mode": "single",
            "node_id": me,
            "ready": !node.shutdown.is_draining(),
            "nodes": [{
                "node_id": me,
                "advertise": node.config.server.listen,
                "shards": (0..count).collect::<Vec<_>>(),
            }],
            "serving": (0..count).collect::<Vec<_>>(),
        });
    };
    let ownership = &cluster.ownership;
    let view = ownership.view();
    let nodes: Vec<_> = view
        .nodes
        .values()
        .map(|n| {
            json!({
                "node_id": n.node_id,
                "advertise": n.advertise,
                "shards": view.ring.shards_of(n.node_id, count),
            })
        })
        .collect();
    let replicator = &cluster.replicator;
    json!({
        "mode": "cluster",
        "name": cluster.settings.name,
        "node_id": me,
        "ready": ownership.is_ready() && !node.shutdown.is_draining(),
        "nodes": nodes,
        "serving": ownership.served(),
        "takes": cluster.takes(),
        "stepped_down": cluster.stepped_down.load(Ordering::Relaxed),
        "lease_lapses": ownership.lease().lapse_count.load(Ordering::Relaxed),
        "snapshots": {
            "written": cluster.snapshots_written.load(Ordering::Relaxed),
            "dropped": cluster.snapshots_dropped.load(Ordering::Relaxed),
        },
        "log": {
            "rounds": replicator.rounds.load(Ordering::Relaxed),
            "records": replicator.records.load(Ordering::Relaxed),
            "failed_rounds": replicator.failures.load(Ordering::Relaxed),
        },
        "transport": {
            "sent": cluster.transport.sent.load(Ordering::Relaxed),
            "received": cluster.transport.received.load(Ordering::Relaxed),
        },
    })
}
