//! The acks of a room's last [`MAX_RESENDS`] sends that carried a
//! `client_msg_id`, by (sender, id), so a resend gets the first ack and is
//! not fanned out again; the oldest is forgotten first. In memory only,
//! like everything about a room's messages.

use crate::message::SendAck;
use std::collections::{HashMap, VecDeque};

/// Keyed sends a room remembers for idempotent resends.
pub const MAX_RESENDS: usize = 4096;

#[derive(Default)]
pub(super) struct Resends {
    acks: HashMap<(String, String), SendAck>,
    order: VecDeque<(String, String)>,
}

impl Resends {
    pub(super) fn get(&self, key: &(String, String)) -> Option<&SendAck> {
        self.acks.get(key)
    }

    pub(super) fn remember(&mut self, key: (String, String), ack: SendAck) {
        if self.order.len() >= MAX_RESENDS {
            if let Some(old) = self.order.pop_front() {
                self.acks.remove(&old);
            }
        }
        self.order.push_back(key.clone());
        self.acks.insert(key, ack);
    }
}
