//! The node bus: facts every node's gateway must hear, published by the
//! entity that owns them once they are committed (an app's settings or
//! word list changed, so cached copies must go). Every subscriber is in
//! this process; in a cluster the same message, encoded, is also published
//! to every other node ([`NodeBus::set_remote`]), which hands it to its own
//! subscribers ([`NodeBus::receive_remote`]). In the encode-everything mode
//! each message is encoded and decoded on its way, as it would be between
//! nodes.
//!
//! Delivery is best effort but never silent: a subscriber that falls
//! behind learns that it lagged (`RecvError::Lagged`) and must drop every
//! cached fact it holds.

use crate::wire;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::OnceLock;
use tokio::sync::broadcast;

/// Where a cluster node sends its bus messages for the other nodes.
pub type RemoteBus = Box<dyn Fn(Vec<u8>) + Send + Sync>;

/// Messages a slow subscriber may fall behind before it is told it lagged.
const CAPACITY: usize = 1024;

/// A broadcast of `M` to every node's subscribers.
pub struct NodeBus<M> {
    tx: broadcast::Sender<M>,
    encode: bool,
    remote: OnceLock<RemoteBus>,
}

impl<M> NodeBus<M>
where
    M: Serialize + DeserializeOwned + Clone + Send + 'static,
{
    /// A bus; `encode` puts every message through the wire codec.
    pub fn new(encode: bool) -> Self {
        NodeBus {
            tx: broadcast::Sender::new(CAPACITY),
            encode,
            remote: OnceLock::new(),
        }
    }

    /// Also sends every message to the other nodes through `remote`
    /// (cluster mode; set once, at start).
    pub fn set_remote(&self, remote: RemoteBus) {
        let _ = self.remote.set(remote);
    }

    /// A message another node published: to this node's subscribers.
    pub fn receive_remote(&self, bytes: &[u8]) {
        match wire::decode::<M>(bytes) {
            Ok(msg) => {
                let _ = self.tx.send(msg);
            }
            Err(e) => tracing::warn!(error = %e, "an unreadable bus message from another node"),
        }
    }

    /// Publishes `msg` to every subscriber (none listening is fine).
    pub fn publish(&self, msg: &M) {
        if let Some(remote) = self.remote.get() {
            match wire::encode(msg) {
                Ok(bytes) => remote(bytes),
                Err(e) => tracing::error!(error = %e, "a bus message does not encode"),
            }
        }
        let msg = if self.encode {
            match wire::round_trip(msg) {
                Ok(m) => m,
                Err(e) => {
                    tracing::error!(error = %e, "a bus message does not survive its encoding");
                    return;
                }
            }
        } else {
            msg.clone()
        };
        // No subscriber yet (a node still starting, a test): nothing to
        // invalidate.
        let _ = self.tx.send(msg);
    }

    /// A subscription to every message published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<M> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_hear_what_is_published_after_they_subscribed() {
        let bus: NodeBus<(String, u64)> = NodeBus::new(true);
        bus.publish(&("before".into(), 0));
        let mut rx = bus.subscribe();
        bus.publish(&("demo#chat".into(), 3));
        assert_eq!(rx.recv().await.unwrap(), ("demo#chat".to_string(), 3));
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_is_told_it_lagged() {
        let bus: NodeBus<u64> = NodeBus::new(false);
        let mut rx = bus.subscribe();
        for i in 0..(CAPACITY as u64 + 5) {
            bus.publish(&i);
        }
        assert!(matches!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(_))
        ));
    }
}
