//! Membership in a JetStream KV bucket: nodes that join see each other and
//! agree on the ring; a node that stops heartbeating drops out of every
//! view within the TTL; a node with another shard count or a taken id is
//! refused with a readable reason.

use imcloud_shards::cluster::{ClusterView, JoinError, Membership, MembershipConfig};
use imcloud_testkit::{eventually, NatsServer};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

const SHARDS: u32 = 64;
const TTL: Duration = Duration::from_millis(1500);

fn config(nats: &NatsServer, node_id: u16) -> MembershipConfig {
    MembershipConfig {
        nats: vec![nats.url().to_string()],
        name: "imc".to_string(),
        node_id,
        advertise: format!("127.0.0.1:{}", 9000 + node_id),
        shard_count: SHARDS,
        ttl: TTL,
        vnodes: 64,
    }
}

async fn join(nats: &NatsServer, node_id: u16) -> Membership {
    match Membership::join(config(nats, node_id)).await {
        Ok(m) => m,
        Err(e) => panic!("node {node_id} could not join: {e}"),
    }
}

fn live(view: &ClusterView) -> BTreeSet<u16> {
    view.nodes.keys().copied().collect()
}

/// Waits until `member`'s view holds exactly `nodes`.
async fn sees(member: &Membership, nodes: &[u16], deadline: Duration) -> Arc<ClusterView> {
    let want: BTreeSet<u16> = nodes.iter().copied().collect();
    let view = member.view();
    eventually(deadline, &format!("a view of {want:?}"), || {
        let current = view.borrow().clone();
        let found = (live(&current) == want).then_some(current);
        async move { found }
    })
    .await
}

fn owners(view: &ClusterView) -> Vec<Option<u16>> {
    (0..SHARDS).map(|s| view.owner(s)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_agree_on_the_ring_and_a_silent_node_drops_out_within_the_ttl() {
    let nats = NatsServer::start();
    let one = join(&nats, 1).await;
    let two = join(&nats, 2).await;
    let three = join(&nats, 3).await;

    // A beat is a third of the TTL: everyone sees everyone within a few.
    let deadline = TTL * 4;
    let v1 = sees(&one, &[1, 2, 3], deadline).await;
    let v2 = sees(&two, &[1, 2, 3], deadline).await;
    let v3 = sees(&three, &[1, 2, 3], deadline).await;
    let ring = owners(&v1);
    assert_eq!(ring, owners(&v2), "nodes 1 and 2 disagree on the ring");
    assert_eq!(ring, owners(&v3), "nodes 1 and 3 disagree on the ring");
    for n in [1, 2, 3] {
        assert!(
            ring.contains(&Some(n)),
            "node {n} owns no shard of {SHARDS}"
        );
    }

    // Node 3 stops heartbeating without a word, as a killed node does. Its
    // entry lives for the TTL after its last beat and a view is re-read
    // once a beat, so it drops out after at most the TTL plus two beats;
    // the deadline leaves room for a loaded machine.
    drop(three);
    let after1 = sees(&one, &[1, 2], TTL * 4).await;
    let after2 = sees(&two, &[1, 2], TTL * 4).await;
    assert_eq!(owners(&after1), owners(&after2));
    // Only node 3's shards moved.
    for (shard, (before, now)) in ring.iter().zip(owners(&after1)).enumerate() {
        if *before != Some(3) {
            assert_eq!(*before, now, "shard {shard} moved though its owner stayed");
        } else {
            assert!(matches!(now, Some(1 | 2)), "shard {shard} went to {now:?}");
        }
    }

    // A node that leaves is removed at once, not after the TTL.
    two.leave().await.expect("node 2 leaves");
    sees(&one, &[1], TTL).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_with_another_shard_count_or_a_taken_id_is_refused() {
    let nats = NatsServer::start();
    let _one = join(&nats, 1).await;

    let mut other_count = config(&nats, 2);
    other_count.shard_count = SHARDS * 2;
    match Membership::join(other_count).await {
        Err(e @ JoinError::ShardCount { .. }) => {
            let line = e.to_string();
            assert!(line.contains("128") && line.contains("64"), "{line}");
        }
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("a node with 128 shards joined a 64-shard cluster"),
    }

    let mut same_id = config(&nats, 1);
    same_id.advertise = "127.0.0.1:9999".to_string();
    match Membership::join(same_id).await {
        Err(JoinError::NodeIdTaken { node: 1, advertise }) => {
            assert_eq!(advertise, "127.0.0.1:9001")
        }
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("two live nodes share id 1"),
    }

    // The same id at the same address is the node's own restart.
    let again = join(&nats, 1).await;
    sees(&again, &[1], TTL).await;
}

#[tokio::test]
async fn an_unreachable_nats_is_a_readable_error() {
    // A loopback port with nothing listening on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let config = MembershipConfig {
        nats: vec![format!("nats://127.0.0.1:{port}")],
        name: "imc".to_string(),
        node_id: 1,
        advertise: "127.0.0.1:9001".to_string(),
        shard_count: SHARDS,
        ttl: TTL,
        vnodes: 64,
    };
    match Membership::join(config).await {
        Err(e @ JoinError::Unreachable { .. }) => {
            assert!(e.to_string().contains(&port.to_string()), "{e}")
        }
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(_) => panic!("joined a cluster with no NATS"),
    }
}
