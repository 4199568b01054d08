//! `send`: a 1:1, group or chatroom message from this device.

use super::{later, Dispatch};
use crate::device::{Device, SendRequest};
use crate::ws::codec::OkBody;
use crate::ws::frames::SendArgs;

pub(super) async fn start(device: &Device, a: SendArgs) -> Dispatch {
    let req = SendRequest {
        chat: a.chat,
        to: a.to,
        body: a.body,
        ext: a.ext,
        client_msg_id: a.client_msg_id,
        priority: a.priority,
        need_group_ack: a.need_group_ack,
    };
    later(device.send(req).await, |ack| OkBody::Ack {
        msg_id: ack.msg_id.to_string(),
        seq: ack.seq,
        ts: ack.ts,
    })
}
