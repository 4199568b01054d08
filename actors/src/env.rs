//! `DomainEnv`: what every entity of a node shares. Read-only after start,
//! except the id generator (atomic), the chatroom delivery queue, the
//! directory of connected devices, the cache of the apps' callback rules
//! with its outbox signals, and the test-only fault switches.

use crate::app::AppChanged;
use crate::chatroom::fanout::{RoomFanout, ShedThresholds};
use crate::devices::DeviceDirectory;
use crate::hooks::HookRegistry;
use crate::ids::MsgIdGen;
use imcloud_shards::bus::NodeBus;
use imcloud_shards::Clock;
use std::sync::Arc;

/// Size and count limits the domain enforces.
#[derive(Debug, Clone, Copy, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Default and max messages per `sync` page.
    pub sync_page_default: usize,
    pub sync_page_max: usize,
    /// Pushes queued per device before the socket is closed as too slow.
    pub session_queue: usize,
    /// Messages a chatroom keeps for devices that join.
    pub chatroom_recent: usize,
    /// Chatroom deliveries (messages × devices) queued on a node above
    /// which low-priority messages are refused, then normal ones, then all.
    pub chatroom_shed_low: u64,
    pub chatroom_shed_normal: u64,
    pub chatroom_shed_all: u64,
    /// Live presence subscriptions one user may hold (the spec's 3000).
    pub presence_subscriptions: usize,
    /// Live presence subscribers one user may have (the spec's 3000).
    pub presence_subscribers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sync_page_default: 100,
            sync_page_max: 500,
            session_queue: 1024,
            chatroom_recent: 10,
            chatroom_shed_low: 200_000,
            chatroom_shed_normal: 500_000,
            chatroom_shed_all: 1_000_000,
            presence_subscriptions: 3000,
            presence_subscribers: 3000,
        }
    }
}

#[derive(Clone)]
pub struct DomainEnv {
    /// Wall-clock time: message times, mute expiry, the send rate.
    pub clock: Clock,
    pub msg_ids: Arc<MsgIdGen>,
    pub limits: Limits,
    /// The node's chatroom delivery queue.
    pub rooms: Arc<RoomFanout>,
    /// The devices connected to this node, by session.
    pub devices: Arc<DeviceDirectory>,
    /// Committed changes to apps, for every gateway's cache.
    pub app_changes: Arc<NodeBus<AppChanged>>,
    /// The apps' post-send rules and the outbox signals (`hooks`).
    pub hooks: Arc<HookRegistry>,
    #[cfg(feature = "fault-injection")]
    pub faults: Arc<crate::entity::Faults>,
}

impl DomainEnv {
    /// `encode`: bus messages go through the wire codec (the
    /// encode-everything mode).
    pub fn new(node: u16, limits: Limits, clock: Clock, encode: bool) -> Self {
        DomainEnv {
            msg_ids: Arc::new(MsgIdGen::new(node, clock.clone())),
            clock,
            limits,
            rooms: RoomFanout::start(ShedThresholds {
                low: limits.chatroom_shed_low,
                normal: limits.chatroom_shed_normal,
                all: limits.chatroom_shed_all,
            }),
            devices: Arc::new(DeviceDirectory::new(node)),
            app_changes: Arc::new(NodeBus::new(encode)),
            hooks: Arc::default(),
            #[cfg(feature = "fault-injection")]
            faults: Arc::default(),
        }
    }
}
