//! Chatrooms from a device: `join` (answered with the room's recent
//! messages), `leave`, `chatroom_create` (super admins only),
//! `chatroom_info`, `chatroom_destroy`, and the managers'
//! `chatroom_remove`, `chatroom_mute`, `chatroom_unmute`,
//! `chatroom_mute_all`, `chatroom_block`, `chatroom_unblock`,
//! `chatroom_admin`, `chatroom_announce`. The room checks roles itself.

use super::group::results;
use super::{later, Dispatch};
use crate::device::{user_id, user_ids, Device};
use crate::error::ApiError;
use crate::ws::codec::{Messages, OkBody, RoomInfo};
use crate::ws::frames::{Op, RoomCreate, RoomRef};
use imcloud_actors::chatroom::RoomReply;
use imcloud_actors::roster::{ManageOp, ManageReply};

pub(super) fn join(device: &mut Device, a: RoomRef) -> Dispatch {
    later(device.join(&a.chatroom), |(chatroom, joined)| {
        OkBody::Joined {
            chatroom,
            messages: Messages(joined.recent),
        }
    })
}

pub(super) fn leave(device: &mut Device, a: RoomRef) -> Dispatch {
    later(device.leave(&a.chatroom), |()| OkBody::Empty {})
}

pub(super) fn create(device: &Device, a: RoomCreate) -> Dispatch {
    let started = device.create_room(
        a.name.unwrap_or_default(),
        a.description.unwrap_or_default(),
        a.maxusers,
    );
    later(started, |chatroom| OkBody::Created { chatroom })
}

pub(super) fn start(device: &Device, op: Op) -> Dispatch {
    match room_op(device, op) {
        Ok((room, op)) => later(device.room(&room, op), body),
        Err(e) => Dispatch::Done(Err(e)),
    }
}

fn room_op(device: &Device, op: Op) -> Result<(String, ManageOp), ApiError> {
    Ok(match op {
        Op::ChatroomInfo(a) => (a.chatroom, ManageOp::Get),
        Op::ChatroomDestroy(a) => (a.chatroom, ManageOp::Delete),
        Op::ChatroomRemove(a) => (a.chatroom, ManageOp::Remove(user_ids(&a.users)?)),
        Op::ChatroomUnmute(a) => (a.chatroom, ManageOp::Unmute(user_ids(&a.users)?)),
        Op::ChatroomBlock(a) => (a.chatroom, ManageOp::Block(user_ids(&a.users)?)),
        Op::ChatroomUnblock(a) => (a.chatroom, ManageOp::Unblock(user_ids(&a.users)?)),
        Op::ChatroomMuteAll(a) => (a.chatroom, ManageOp::MuteAll(a.on.unwrap_or(true))),
        Op::ChatroomMute(a) => {
            let users = user_ids(&a.users)?;
            let until = device.node().mute_until(a.duration)?;
            (a.chatroom, ManageOp::Mute { users, until })
        }
        Op::ChatroomAdmin(a) => {
            let user = user_id(&a.user)?;
            let admin = a.admin.unwrap_or(true);
            (a.chatroom, ManageOp::SetAdmin { user, admin })
        }
        Op::ChatroomAnnounce(a) => (
            a.chatroom,
            ManageOp::SetAnnouncement(a.text.unwrap_or_default()),
        ),
        other => return Err(ApiError::UnknownOp(format!("{other:?}"))),
    })
}

fn body(reply: RoomReply) -> OkBody {
    match reply {
        ManageReply::Done | ManageReply::Pending => OkBody::Empty {},
        ManageReply::Users(outcomes) => results(outcomes),
        ManageReply::View(v) => {
            let r = v.record;
            OkBody::Room {
                chatroom: RoomInfo {
                    id: r.id,
                    name: r.name,
                    description: r.description,
                    owner: r.roster.owner,
                    maxusers: r.maxusers,
                    announcement: r.announcement,
                    mute_all: r.roster.mute_all,
                    admins: r.roster.admins.into_iter().collect(),
                    members: v.members,
                },
            }
        }
    }
}
