//! `DomainEnv`: what every entity of a node shares. Read-only after start,
//! except the id generator (atomic) and the test-only fault switches.

use crate::ids::MsgIdGen;
use std::sync::Arc;

/// Size and count limits the domain enforces.
#[derive(Debug, Clone, Copy, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Max bytes of a message's body + ext, encoded as JSON.
    pub max_message_bytes: usize,
    /// Default and max messages per `sync` page.
    pub sync_page_default: usize,
    pub sync_page_max: usize,
    /// Devices online at once per user; the next login kicks the oldest.
    pub max_devices: usize,
    /// Pushes queued per device before the socket is closed as too slow.
    pub session_queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 5 * 1024,
            sync_page_default: 100,
            sync_page_max: 500,
            max_devices: 4,
            session_queue: 1024,
        }
    }
}

#[derive(Clone)]
pub struct DomainEnv {
    pub msg_ids: Arc<MsgIdGen>,
    pub limits: Limits,
    #[cfg(feature = "fault-injection")]
    pub faults: Arc<crate::entity::Faults>,
}

impl DomainEnv {
    pub fn new(node: u16, limits: Limits) -> Self {
        DomainEnv {
            msg_ids: Arc::new(MsgIdGen::new(node)),
            limits,
            #[cfg(feature = "fault-injection")]
            faults: Arc::default(),
        }
    }
}
