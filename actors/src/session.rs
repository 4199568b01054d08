//! How an entity reaches one connected device. A socket opens a session in
//! the node's [`DeviceDirectory`](crate::devices::DeviceDirectory) and
//! names it by its [`SessionAddr`] (plain data, so commands that mention a
//! device can be encoded); the entity that needs to push resolves the
//! address to a [`SessionRef`]: a bounded queue into the socket task. When
//! the queue is full the device is too slow, so the socket is told to
//! close (it resyncs on reconnect) instead of the queue growing without
//! bound.

use crate::message::StoredMessage;
use crate::roster::{EventKind, Scope};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, Notify};

/// Something the server pushes to a device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Push {
    Message(Arc<SharedMessage>),
    /// Something happened in a group or chatroom of the user.
    Event(Arc<EventPush>),
    /// A delivery or read receipt.
    Receipt(Arc<crate::conversation::ReceiptPush>),
    /// A message was recalled.
    Recall(Arc<crate::conversation::RecallPush>),
    /// A message was edited: the message as it is now.
    Edit(Arc<StoredMessage>),
    /// A friend request, acceptance, refusal or removal.
    Contact(Arc<crate::contact::ContactPush>),
    /// A user this device's user subscribed to changed its presence.
    Presence(Arc<crate::presence::PresenceStatus>),
    /// The device was logged out; the socket closes after sending this.
    Kick {
        reason: KickReason,
    },
}

/// A message on its way to one or many devices, with room for its encoded
/// push frame, one per wire encoding (slot 0, 1, ... as the gateway numbers
/// them): the first socket to write it encodes it, the others reuse the
/// bytes, so a room message reaching 5,000 devices is encoded once per
/// encoding, not 5,000 times. Only the message is plain data; the frames
/// are a cache and are not encoded.
#[derive(Debug)]
pub struct SharedMessage {
    pub message: Arc<StoredMessage>,
    frames: [OnceLock<bytes::Bytes>; FRAME_SLOTS],
}

/// Encodings a [`SharedMessage`] keeps a frame for.
pub const FRAME_SLOTS: usize = 2;

impl SharedMessage {
    pub fn new(message: Arc<StoredMessage>) -> SharedMessage {
        SharedMessage {
            message,
            frames: Default::default(),
        }
    }

    /// The frame of encoding `slot`, made by `encode` the first time
    /// (`None` if `encode` fails or `slot` is out of range).
    pub fn frame(
        &self,
        slot: usize,
        encode: impl FnOnce(&StoredMessage) -> Option<bytes::Bytes>,
    ) -> Option<bytes::Bytes> {
        let cell = self.frames.get(slot)?;
        if let Some(b) = cell.get() {
            return Some(b.clone());
        }
        let b = encode(&self.message)?;
        // Two sockets may encode at once; either copy is the same.
        Some(cell.get_or_init(|| b).clone())
    }
}

impl Serialize for SharedMessage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.message.serialize(s)
    }
}

impl<'de> Deserialize<'de> for SharedMessage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        StoredMessage::deserialize(d).map(|m| SharedMessage::new(Arc::new(m)))
    }
}

/// Something that happened in a group or chatroom: `kind` (see
/// docs/protocol.md), the group's or room's `id`, and whom it is about
/// (`user`, empty for the whole group or room).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPush {
    pub kind: EventKind,
    pub scope: Scope,
    pub id: String,
    pub user: String,
}

/// A fan-out notice: one push for the devices of every user a shard is
/// told about, except the sending device.
#[derive(Debug, Serialize, Deserialize)]
pub struct Notice {
    pub push: Push,
    pub skip_session: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KickReason {
    /// The same device id logged in elsewhere, or too many devices.
    Replaced,
    PasswordChanged,
    UserDeleted,
    Deactivated,
    /// The app server logged the device out (REST U11, U12).
    ForcedLogout,
    /// The user's entity restarted after a failure; reconnect and sync.
    Restarted,
}

impl KickReason {
    pub fn as_str(self) -> &'static str {
        match self {
            KickReason::Replaced => "replaced",
            KickReason::PasswordChanged => "password_changed",
            KickReason::UserDeleted => "user_deleted",
            KickReason::Deactivated => "deactivated",
            KickReason::ForcedLogout => "forced_logout",
            KickReason::Restarted => "restarted",
        }
    }
}

/// Where a device's socket is: the node that holds it, the session's id
/// (unique on that node) and the device id the client named. Plain data:
/// this is what commands carry instead of a queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionAddr {
    pub node: u16,
    pub id: u64,
    pub device: String,
}

/// Where pushes for the devices of other nodes go (a cluster's node
/// transport).
pub trait RemoteDevices: Send + Sync + std::fmt::Debug {
    /// Queues `push` for the session at `addr` on its node; `sheddable`
    /// says the receiving node may drop it when the device's queue is full
    /// (chatroom pushes) instead of closing the socket. `false` when it
    /// could not be queued.
    fn push(&self, addr: &SessionAddr, push: Push, sheddable: bool) -> bool;
    /// Whether `node` left the cluster (its sockets are gone).
    fn is_gone(&self, node: u16) -> bool;
}

#[derive(Debug, Clone)]
enum Link {
    Local {
        tx: mpsc::Sender<Push>,
        overflow: Arc<Notify>,
    },
    Remote(Arc<dyn RemoteDevices>),
}

/// A handle to one device's socket queue, on this node or another.
#[derive(Debug, Clone)]
pub struct SessionRef {
    pub addr: SessionAddr,
    link: Link,
}

#[derive(Debug, Clone)]
enum WeakLink {
    Local(mpsc::WeakSender<Push>),
    Remote(SessionAddr, Arc<dyn RemoteDevices>),
}

/// A device handle that does not keep its queue open (see
/// [`SessionRef::downgrade`]).
#[derive(Debug, Clone)]
pub struct WeakSessionRef {
    pub id: u64,
    link: WeakLink,
}

/// What [`WeakSessionRef::offer`] did with a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    Queued,
    /// The queue had no more than the reserved slots free (or none).
    Shed,
    /// The device is gone.
    Gone,
}

impl WeakSessionRef {
    pub(crate) fn new(id: u64, tx: mpsc::WeakSender<Push>) -> WeakSessionRef {
        WeakSessionRef {
            id,
            link: WeakLink::Local(tx),
        }
    }

    /// Queues `push` only while more than `reserve(queue size)` slots are
    /// free: a busy device sheds pushes that matter less (chatroom
    /// priorities) first. A full queue sheds too, and never closes the
    /// socket: chatroom messages are online-only, nothing would bring them
    /// back after a reconnect, so a slow device loses some rather than all.
    /// A device on another node sheds on that node, when its queue is full.
    pub fn offer(&self, push: Push, reserve: impl Fn(usize) -> usize) -> Offered {
        let tx = match &self.link {
            WeakLink::Local(tx) => tx,
            WeakLink::Remote(addr, link) => {
                if link.is_gone(addr.node) {
                    return Offered::Gone;
                }
                return if link.push(addr, push, true) {
                    Offered::Queued
                } else {
                    Offered::Shed
                };
            }
        };
        let Some(tx) = tx.upgrade() else {
            return Offered::Gone;
        };
        let keep = reserve(tx.max_capacity());
        if keep > 0 && tx.capacity() <= keep {
            return Offered::Shed;
        }
        match tx.try_send(push) {
            Ok(()) => Offered::Queued,
            Err(mpsc::error::TrySendError::Full(_)) => Offered::Shed,
            Err(mpsc::error::TrySendError::Closed(_)) => Offered::Gone,
        }
    }

    pub fn is_closed(&self) -> bool {
        match &self.link {
            WeakLink::Local(tx) => tx.upgrade().is_none_or(|t| t.is_closed()),
            WeakLink::Remote(addr, link) => link.is_gone(addr.node),
        }
    }
}

/// The socket side of a [`SessionRef`].
pub struct SessionInbox {
    pub rx: mpsc::Receiver<Push>,
    /// Notified when a push was dropped because the queue was full.
    pub overflow: Arc<Notify>,
}

impl SessionRef {
    /// A new session queue of `capacity` pushes at `addr`.
    pub(crate) fn new(addr: SessionAddr, capacity: usize) -> (SessionRef, SessionInbox) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let overflow = Arc::new(Notify::new());
        (
            SessionRef {
                addr,
                link: Link::Local {
                    tx,
                    overflow: overflow.clone(),
                },
            },
            SessionInbox { rx, overflow },
        )
    }

    pub(crate) fn from_parts(
        addr: SessionAddr,
        tx: mpsc::Sender<Push>,
        overflow: Arc<Notify>,
    ) -> SessionRef {
        SessionRef {
            addr,
            link: Link::Local { tx, overflow },
        }
    }

    /// A handle to a session on another node.
    pub(crate) fn remote(addr: SessionAddr, link: Arc<dyn RemoteDevices>) -> SessionRef {
        SessionRef {
            addr,
            link: Link::Remote(link),
        }
    }

    pub fn id(&self) -> u64 {
        self.addr.id
    }

    pub fn device(&self) -> &str {
        &self.addr.device
    }

    /// Queues `push`; on a full queue asks the socket to close instead.
    pub fn push(&self, push: Push) {
        match &self.link {
            Link::Local { tx, overflow } => {
                if tx.try_send(push).is_err() {
                    overflow.notify_one();
                }
            }
            Link::Remote(link) => {
                if !link.push(&self.addr, push, false) {
                    tracing::warn!(
                        node = self.addr.node,
                        "a push for a device on another node was dropped: the node outbox is full"
                    );
                }
            }
        }
    }

    /// A handle that does not keep the socket's queue open: the socket
    /// notices it was detached when its user's entity lets go, whoever else
    /// (a chatroom, the directory) still knows the device.
    pub fn downgrade(&self) -> WeakSessionRef {
        WeakSessionRef {
            id: self.addr.id,
            link: match &self.link {
                Link::Local { tx, .. } => WeakLink::Local(tx.downgrade()),
                Link::Remote(link) => WeakLink::Remote(self.addr.clone(), link.clone()),
            },
        }
    }

    /// The local queue's parts (`None` for a session on another node).
    pub(crate) fn local_parts(&self) -> Option<(&mpsc::Sender<Push>, &Arc<Notify>)> {
        match &self.link {
            Link::Local { tx, overflow } => Some((tx, overflow)),
            Link::Remote(_) => None,
        }
    }

    pub fn is_closed(&self) -> bool {
        match &self.link {
            Link::Local { tx, .. } => tx.is_closed(),
            Link::Remote(link) => link.is_gone(self.addr.node),
        }
    }
}

/// A push for a device on another node, as it crosses to that node.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemotePush {
    pub id: u64,
    pub device: String,
    pub push: Push,
    pub sheddable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kick() -> Push {
        Push::Kick {
            reason: KickReason::Replaced,
        }
    }

    fn addr() -> SessionAddr {
        SessionAddr {
            node: 1,
            id: 1,
            device: "d".into(),
        }
    }

    #[test]
    fn offers_keep_the_reserve_and_a_full_queue_sheds_without_closing() {
        let (session, mut inbox) = SessionRef::new(addr(), 4);
        let weak = session.downgrade();
        let half = |size: usize| size / 2;
        assert_eq!(weak.offer(kick(), half), Offered::Queued);
        assert_eq!(weak.offer(kick(), half), Offered::Queued);
        // Two of four free: a low-priority push is skipped...
        assert_eq!(weak.offer(kick(), half), Offered::Shed);
        // ...a high one goes in until the queue is full, then is skipped.
        assert_eq!(weak.offer(kick(), |_| 0), Offered::Queued);
        assert_eq!(weak.offer(kick(), |_| 0), Offered::Queued);
        assert_eq!(weak.offer(kick(), |_| 0), Offered::Shed);
        // A room push never asks the socket to close.
        let overflowed = inbox.overflow.notified();
        tokio::pin!(overflowed);
        assert!(futures_poll_once(overflowed.as_mut()).is_pending());
        assert!(inbox.rx.try_recv().is_ok());
        // The weak handle does not keep the socket's queue open.
        drop(session);
        assert!(weak.is_closed());
        assert_eq!(weak.offer(kick(), |_| 0), Offered::Gone);
    }

    fn message() -> StoredMessage {
        StoredMessage {
            msg_id: 1,
            chat: crate::message::ChatType::Chatroom,
            from: "a".into(),
            to: "r".into(),
            seq: 1,
            ts: 0,
            body: Arc::new(serde_json::json!({"type": "txt", "msg": "hi"})),
            ext: None,
            edits: 0,
        }
    }

    #[test]
    fn a_shared_message_is_encoded_once_per_slot() {
        let m = SharedMessage::new(Arc::new(message()));
        let calls = std::cell::Cell::new(0);
        let encode = |msg: &StoredMessage| {
            calls.set(calls.get() + 1);
            Some(bytes::Bytes::from(msg.from.clone()))
        };
        assert_eq!(m.frame(0, encode).as_deref(), Some(&b"a"[..]));
        assert_eq!(m.frame(0, encode).as_deref(), Some(&b"a"[..]));
        assert_eq!(calls.get(), 1);
        assert!(
            m.frame(1, |_| None).is_none(),
            "a failed encoding is not kept"
        );
        assert!(m.frame(1, encode).is_some());
        assert_eq!(calls.get(), 2);
        assert!(m.frame(FRAME_SLOTS, encode).is_none());
    }

    #[test]
    fn a_notice_survives_its_encoding_without_its_frames() {
        let m = Arc::new(SharedMessage::new(Arc::new(message())));
        m.frame(0, |_| Some(bytes::Bytes::from_static(b"x")));
        let notice = Notice {
            push: Push::Message(m),
            skip_session: Some(3),
        };
        let back: Notice = imcloud_shards::wire::round_trip(&notice).expect("round trip");
        match back.push {
            Push::Message(m) => {
                assert_eq!(*m.message, message());
                let mut encoded = false;
                m.frame(0, |_| {
                    encoded = true;
                    Some(bytes::Bytes::new())
                });
                assert!(encoded, "the frame cache does not travel");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(back.skip_session, Some(3));
    }

    fn futures_poll_once<F: std::future::Future>(
        f: std::pin::Pin<&mut F>,
    ) -> std::task::Poll<F::Output> {
        let waker = std::task::Waker::noop();
        f.poll(&mut std::task::Context::from_waker(waker))
    }
}
