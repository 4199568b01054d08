//! `DeviceDirectory`: the sessions of the devices connected to this node,
//! by session id. A socket opens its session here; commands name it by its
//! [`SessionAddr`]; the entity that pushes to it resolves the address here
//! (once, when the device attaches or joins). The directory keeps only
//! weak handles: the user's entity owns a device's queue, and a socket
//! still learns when it was let go. In a cluster an address of another node
//! resolves to a remote handle; today every address is this node's.

use crate::session::{Push, SessionAddr, SessionInbox, SessionRef, WeakSessionRef};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{mpsc, Notify};

struct Entry {
    tx: mpsc::WeakSender<Push>,
    overflow: Arc<Notify>,
    device: String,
}

/// The node's open sessions.
pub struct DeviceDirectory {
    node: u16,
    next_id: AtomicU64,
    sessions: Mutex<HashMap<u64, Entry>>,
}

impl DeviceDirectory {
    pub fn new(node: u16) -> DeviceDirectory {
        DeviceDirectory {
            node,
            next_id: AtomicU64::new(1),
            sessions: Mutex::new(HashMap::new()),
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
        let (tx, overflow) = session.weak_parts();
        self.sessions().insert(
            addr.id,
            Entry {
                tx,
                overflow,
                device: addr.device,
            },
        );
        (session, inbox)
    }

    /// Forgets a closed session.
    pub fn close(&self, id: u64) {
        self.sessions().remove(&id);
    }

    /// A handle to the session at `addr`, while its socket is open.
    pub fn resolve(&self, addr: &SessionAddr) -> Option<SessionRef> {
        if addr.node != self.node {
            return None;
        }
        let sessions = self.sessions();
        let e = sessions.get(&addr.id).filter(|e| e.device == addr.device)?;
        let tx = e.tx.upgrade()?;
        Some(SessionRef::from_parts(addr.clone(), tx, e.overflow.clone()))
    }

    /// A handle to the session at `addr` that does not keep it open.
    pub fn resolve_weak(&self, addr: &SessionAddr) -> Option<WeakSessionRef> {
        if addr.node != self.node {
            return None;
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
