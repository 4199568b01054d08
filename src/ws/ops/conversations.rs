//! `history`, `conversations`, `read`, `delivered`, `recall` and `edit`.

use super::{later, Dispatch};
use crate::device::Device;
use crate::ws::codec::{Messages, OkBody, WireConversation};
use crate::ws::frames::{
    ConversationsArgs, DeliveredArgs, EditArgs, GroupMsgRef, HistoryArgs, ReadArgs, RecallArgs,
};

pub(super) fn history(device: &Device, a: HistoryArgs) -> Dispatch {
    let page = device.history(a.chat, &a.with, a.before.as_deref(), a.limit);
    later(page, |p| OkBody::History {
        messages: Messages(p.messages),
        more: p.more,
    })
}

pub(super) fn list(device: &Device, a: ConversationsArgs) -> Dispatch {
    let page = device.conversations(a.limit, a.cursor.as_deref());
    later(page, |p| OkBody::Conversations {
        conversations: p.conversations.into_iter().map(WireConversation).collect(),
        cursor: p.cursor,
    })
}

pub(super) fn read(device: &Device, a: ReadArgs) -> Dispatch {
    later(device.read(a.chat, &a.to, a.msg_id.as_deref()), |()| {
        OkBody::Empty {}
    })
}

pub(super) fn delivered(device: &Device, a: DeliveredArgs) -> Dispatch {
    later(device.delivered(a.chat, &a.to, &a.msg_id), |()| {
        OkBody::Empty {}
    })
}

pub(super) fn recall(device: &Device, a: RecallArgs) -> Dispatch {
    later(device.recall(a.chat, &a.to, &a.msg_id), |()| {
        OkBody::Empty {}
    })
}

pub(super) fn edit(device: &Device, a: EditArgs) -> Dispatch {
    let edit = imcloud_actors::conversation::Edit {
        body: a.body,
        ext: a.ext,
        merge_ext: false,
    };
    later(device.edit(a.chat, &a.to, &a.msg_id, edit), |()| {
        OkBody::Empty {}
    })
}

pub(super) fn group_read_count(device: &Device, a: GroupMsgRef) -> Dispatch {
    later(device.group_read_count(&a.group, &a.msg_id), |count| {
        OkBody::Count { count }
    })
}
