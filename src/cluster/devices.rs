//! Pushes for devices connected to other nodes: encoded and queued on the
//! cluster's transport, which batches them per node.

use imcloud_actors::session::{Push, RemoteDevices, RemotePush, SessionAddr};
use imcloud_shards::cluster::Cluster;
use std::sync::Arc;

pub struct RemoteSessions {
    cluster: Arc<Cluster>,
}

impl RemoteSessions {
    pub fn new(cluster: Arc<Cluster>) -> RemoteSessions {
        RemoteSessions { cluster }
    }
}

impl std::fmt::Debug for RemoteSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RemoteSessions(node {})", self.cluster.settings.node_id)
    }
}

impl RemoteDevices for RemoteSessions {
    fn push(&self, addr: &SessionAddr, push: Push, sheddable: bool) -> bool {
        let remote = RemotePush {
            id: addr.id,
            device: addr.device.clone(),
            push,
            sheddable,
        };
        match imcloud_shards::wire::encode(&remote) {
            Ok(body) => self.cluster.transport.send_pushes(addr.node, body),
            Err(e) => {
                tracing::error!(error = %e, "a push for another node does not encode");
                false
            }
        }
    }

    fn is_gone(&self, node: u16) -> bool {
        self.cluster.transport.is_departed(node)
    }
}
