//! `sync`: what the device missed, per stream.

use super::{later, Dispatch};
use crate::device::{Device, SyncRequest};
use crate::ws::codec::{Messages, OkBody};
use crate::ws::frames::SyncArgs;

pub(super) fn start(device: &Device, a: SyncArgs) -> Dispatch {
    let req = SyncRequest {
        cursors: a.cursors,
        limit: a.limit,
    };
    later(device.sync(req), |s| OkBody::Synced {
        messages: Messages(s.messages),
        cursors: s.cursors,
        more: s.more,
    })
}
