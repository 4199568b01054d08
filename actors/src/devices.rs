//! `DeviceDirectory`: the sessions of the devices connected to this node,
//! by session id. A socket opens its session here; commands name it by its
//! [`SessionAddr`]; the entity that pushes to it resolves the address here
//! (once, when the device attaches or joins). The directory keeps only
//! weak handles: the user's entity owns a device's queue, and a socket
//! still learns when it was let go.
//!
//! In a cluster an address of another node resolves to a remote handle
//! (pushes cross to that node), and a device whose user lives on another
//! node is pinned here: its queue stays open until the socket closes or the
//! user's shard moves ([`DeviceDirectory::kick_shards`]), when the device
//! is told to reconnect.

use crate::session::{
    KickReason, Push, RemoteDevices, RemotePush, SessionAddr, SessionInbox, SessionRef,
    WeakSessionRef,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio::sync::{mpsc, Notify};

struct Entry {
    tx: mpsc::WeakSender<Push>,
    overflow: Arc<Notify>,
    device: String,
    /// The shards of the device's user (once attached) and of the
    /// chatrooms it joined: when one moves, the device reconnects.
    shards: Vec<u32>,
    /// The queue kept open for a user entity on another node.
    pinned: Option<mpsc::Sender<Push>>,
}

/// The node's open sessions.
pub struct DeviceDirectory {
    node: u16,
    next_id: AtomicU64,
    sessions: Mutex<HashMap<u64, Entry>>,
    remote: OnceLock<Arc<dyn RemoteDevices>>,
}

impl DeviceDirectory {
    pub fn new(node: u16) -> DeviceDirectory {
        DeviceDirectory {
            node,
            // Session ids are unique across a cluster (a notice names the
            // device it skips by id alone): the node id is their top bits.
            next_id: AtomicU64::new((u64::from(node) << 48) | 1),
            sessions: Mutex::new(HashMap::new()),
            remote: OnceLock::new(),
        }
    }

    /// Resolves addresses of other nodes through `remote` from now on
    /// (cluster mode; set once, at start).
    pub fn set_remote(&self, remote: Arc<dyn RemoteDevices>) {
        let _ = self.remote.set(remote);
    }

    /// Records that `session` attached to a user of shard `shard`; in a
    /// cluster the queue is kept open here (the user's entity may hold only
    /// a remote handle to it).
    pub fn bind(&self, session: &SessionRef, shard: u32) {
        let cluster = self.remote.get().is_some();
        if let Some(e) = self.sessions().get_mut(&session.addr.id) {
            e.shards.push(shard);
            if cluster {
                e.pinned = session.local_parts().map(|(tx, _)| tx.clone());
            }
        }
    }

    /// Records that session `id` joined a chatroom of shard `shard` (its
    /// members are online-only state there: when the shard moves, the
    /// device reconnects and joins again).
    pub fn bind_room(&self, id: u64, shard: u32) {
        if let Some(e) = self.sessions().get_mut(&id) {
            if !e.shards.contains(&shard) {
                e.shards.push(shard);
            }
        }
    }

    /// Tells every device whose user, or a chatroom it joined, lives on one
    /// of `shards` to reconnect and resync (the shard moved to another
    /// node, or its node is gone), and lets go of their queues.
    pub fn kick_shards(&self, shards: &[u32]) -> usize {
        let mut kicked = 0;
        for e in self.sessions().values_mut() {
            if !e.shards.iter().any(|s| shards.contains(s)) {
                continue;
            }
            if let Some(tx) = e.tx.upgrade() {
                let _ = tx.try_send(Push::Kick {
                    reason: KickReason::Restarted,
                });
                kicked += 1;
            }
            e.pinned = None;
        }
        kicked
    }

    /// Hands a push that came from another node to its device here.
    pub fn deliver_remote(&self, push: RemotePush) {
        let addr = SessionAddr {
            node: self.node,
            id: push.id,
            device: push.device,
        };
        if push.sheddable {
            if let Some(weak) = self.resolve_weak(&addr) {
                weak.offer(push.push, |_| 0);
            }
        } else if let Some(session) = self.resolve(&addr) {
            session.push(push.push);
        }
    }

    fn sessions(&self) -> MutexGuard<'_, HashMap<u64, Entry>> {
        // A panic while holding the lock leaves the map consistent (every
        // operation is one insert, remove or read).
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a session for `device` with a queue of `capacity` pushes. The
    /// caller holds the only strong handle until an entity resolves one.
    pub fn open(&self, device: String, capacity: usize) -> (SessionRef, SessionInbox) {
        let addr = SessionAddr {
            node: self.node,
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            device,
        };
        let (session, inbox) = SessionRef::new(addr.clone(), capacity);
        if let Some((tx, overflow)) = session.local_parts() {
            self.sessions().insert(
                addr.id,
                Entry {
                    tx: tx.downgrade(),
                    overflow: overflow.clone(),
                    device: addr.device,
                    shards: Vec::new(),
                    pinned: None,
                },
            );
        }
        (session, inbox)
    }

    /// Forgets a closed session.
    pub fn close(&self, id: u64) {
        self.sessions().remove(&id);
    }

    /// A handle to the session at `addr`, while its socket is open.
    pub fn resolve(&self, addr: &SessionAddr) -> Option<SessionRef> {
        if addr.node != self.node {
            let remote = self.remote.get()?;
            return Some(SessionRef::remote(addr.clone(), remote.clone()));
        }
        let sessions = self.sessions();
        let e = sessions.get(&addr.id).filter(|e| e.device == addr.device)?;
        let tx = e.tx.upgrade()?;
        Some(SessionRef::from_parts(addr.clone(), tx, e.overflow.clone()))
    }

    /// A handle to the session at `addr` that does not keep it open.
    pub fn resolve_weak(&self, addr: &SessionAddr) -> Option<WeakSessionRef> {
        if addr.node != self.node {
            let remote = self.remote.get()?;
            return Some(SessionRef::remote(addr.clone(), remote.clone()).downgrade());
        }
        let sessions = self.sessions();
        let e = sessions.get(&addr.id).filter(|e| e.device == addr.device)?;
        Some(WeakSessionRef::new(addr.id, e.tx.clone()))
    }

    /// Pushes queued in every open session and not yet taken by its
    /// socket.
    pub fn queued(&self) -> usize {
        self.sessions()
            .values()
            .filter_map(|e| e.tx.upgrade())
            .map(|tx| tx.max_capacity() - tx.capacity())
            .sum()
    }

    /// Sessions open on this node.
    pub fn len(&self) -> usize {
        self.sessions().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_resolves_while_its_socket_is_open() {
        let dir = DeviceDirectory::new(1);
        let (session, inbox) = dir.open("phone".into(), 4);
        let addr = session.addr.clone();
        let resolved = dir.resolve(&addr).expect("open session resolves");
        assert_eq!(resolved.id(), addr.id);
        assert!(dir.resolve_weak(&addr).is_some());
        let other_node = SessionAddr {
            node: 2,
            ..addr.clone()
        };
        assert!(dir.resolve(&other_node).is_none());
        let other_device = SessionAddr {
            device: "web".into(),
            ..addr.clone()
        };
        assert!(dir.resolve(&other_device).is_none());
        drop((session, resolved, inbox));
        assert!(
            dir.resolve(&addr).is_none(),
            "a closed socket does not resolve"
        );
        dir.close(addr.id);
        assert!(dir.is_empty());
    }
}
