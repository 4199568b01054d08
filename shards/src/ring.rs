//! Shard → node: a consistent-hash ring over the live nodes with virtual
//! nodes, so a node joining or leaving moves only its share of shards.
//! A single node owns every shard today; the cluster issue feeds the ring
//! from NATS membership.

use crate::placement::ShardId;
use hashring::HashRing;

/// Identifier of a node in a cluster.
pub type NodeId = u16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct VirtualNode {
    node: NodeId,
    replica: u16,
}

/// A shard's point on the ring.
#[derive(Hash)]
struct ShardPoint(ShardId);

/// The ring of live nodes.
#[derive(Clone)]
pub struct NodeRing {
    ring: HashRing<VirtualNode>,
    vnodes: u16,
    nodes: Vec<NodeId>,
}

impl NodeRing {
    /// A ring over `nodes`, each placed `vnodes` times.
    pub fn new(nodes: &[NodeId], vnodes: u16) -> Self {
        let mut ring = NodeRing {
            ring: HashRing::new(),
            vnodes: vnodes.max(1),
            nodes: Vec::new(),
        };
        for &n in nodes {
            ring.add(n);
        }
        ring
    }

    pub fn add(&mut self, node: NodeId) {
        if self.nodes.contains(&node) {
            return;
        }
        self.nodes.push(node);
        for replica in 0..self.vnodes {
            self.ring.add(VirtualNode { node, replica });
        }
    }

    pub fn remove(&mut self, node: NodeId) {
        self.nodes.retain(|n| *n != node);
        for replica in 0..self.vnodes {
            self.ring.remove(&VirtualNode { node, replica });
        }
    }

    /// The node that owns `shard`, or `None` when the ring is empty.
    pub fn owner(&self, shard: ShardId) -> Option<NodeId> {
        self.ring.get(&ShardPoint(shard)).map(|v| v.node)
    }

    /// Every shard of `0..shard_count` that `node` owns.
    pub fn shards_of(&self, node: NodeId, shard_count: u32) -> Vec<ShardId> {
        (0..shard_count)
            .filter(|s| self.owner(*s) == Some(node))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_node_owns_everything() {
        let ring = NodeRing::new(&[7], 64);
        assert_eq!(ring.shards_of(7, 64).len(), 64);
    }

    #[test]
    fn load_is_spread_and_a_leaving_node_moves_only_its_share() {
        let shards = 1024;
        let ring = NodeRing::new(&[1, 2, 3, 4], 128);
        let before: Vec<_> = (0..shards).map(|s| ring.owner(s)).collect();
        for n in 1..=4 {
            let owned = ring.shards_of(n, shards).len();
            assert!(
                (150..=360).contains(&owned),
                "node {n} owns {owned} of {shards}"
            );
        }
        let mut smaller = ring.clone();
        smaller.remove(3);
        for s in 0..shards {
            let was = before[s as usize];
            let now = smaller.owner(s);
            if was != Some(3) {
                assert_eq!(was, now, "shard {s} moved although its owner stayed");
            } else {
                assert_ne!(now, Some(3));
            }
        }
    }

    #[test]
    fn a_joining_node_takes_shards_only_for_itself() {
        let shards = 512;
        let ring = NodeRing::new(&[1, 2], 64);
        let mut bigger = ring.clone();
        bigger.add(3);
        let mut moved = 0;
        for s in 0..shards {
            if ring.owner(s) != bigger.owner(s) {
                assert_eq!(bigger.owner(s), Some(3));
                moved += 1;
            }
        }
        assert!(moved > 0 && moved < shards / 2, "moved {moved}");
    }
}
