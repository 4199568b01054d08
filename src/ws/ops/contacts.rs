//! `contact_add`, `contact_accept`, `contact_decline`, `contact_remove`,
//! `contacts`, `block`, `unblock` and `blocks`: thin calls into the
//! device layer's contacts.

use super::{later, Dispatch};
use crate::device::contacts::ContactOp;
use crate::device::Device;
use crate::error::ApiError;
use crate::ws::codec::{ContactRequestInfo, OkBody};
use crate::ws::frames::Op;

pub(super) fn change(device: &Device, op: Op) -> Dispatch {
    let (op, user) = match op {
        Op::ContactAdd(a) => (
            ContactOp::Add {
                reason: a.reason.unwrap_or_default(),
            },
            a.user,
        ),
        Op::ContactAccept(a) => (ContactOp::Accept, a.user),
        Op::ContactDecline(a) => (ContactOp::Decline, a.user),
        Op::ContactRemove(a) => (ContactOp::Remove, a.user),
        Op::Block(a) => (ContactOp::Block, a.user),
        Op::Unblock(a) => (ContactOp::Unblock, a.user),
        other => return Dispatch::Done(Err(ApiError::UnknownOp(format!("{other:?}")))),
    };
    later(device.contact(op, &user), |()| OkBody::Empty {})
}

pub(super) fn list(device: &Device) -> Dispatch {
    later(device.contacts(), |list| OkBody::Contacts {
        users: list.friends.into_iter().map(|(name, _)| name).collect(),
        requests: list
            .requests
            .into_iter()
            .map(|(user, r)| ContactRequestInfo {
                user,
                reason: r.reason,
                ts: r.at,
            })
            .collect(),
    })
}

pub(super) fn blocks(device: &Device) -> Dispatch {
    later(device.blocks(), |users| OkBody::Users { users })
}
