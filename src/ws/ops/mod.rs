//! One file per group of client operations, dispatched from [`dispatch`]
//! on the typed [`Op`]. An op answers at once or returns a future that
//! completes with its reply (a send waits for its durable ack without
//! blocking the socket's other requests). Every op is a thin call into the
//! device layer; the codec encodes what it answers.

mod auth;
mod chatroom;
mod contacts;
mod conversations;
mod group;
mod presence;
mod send;
mod sync;

use super::codec::OkBody;
use super::frames::Op;
use crate::device::Device;
use crate::error::ApiError;
use futures_util::future::LocalBoxFuture;
use imcloud_actors::session::SessionInbox;

/// A reply's body still on its way.
pub type OpFuture = LocalBoxFuture<'static, Result<OkBody, ApiError>>;

pub enum Dispatch {
    Done(Result<OkBody, ApiError>),
    Later(OpFuture),
    /// `auth` succeeded: the socket reads its pushes from the inbox.
    LoggedIn(OkBody, SessionInbox),
}

fn later<T: 'static>(
    started: Result<impl std::future::Future<Output = Result<T, ApiError>> + 'static, ApiError>,
    reply: impl FnOnce(T) -> OkBody + 'static,
) -> Dispatch {
    match started {
        Ok(fut) => Dispatch::Later(Box::pin(async move { fut.await.map(reply) })),
        Err(e) => Dispatch::Done(Err(e)),
    }
}

pub async fn dispatch(device: &mut Device, op: Op) -> Dispatch {
    if !op.before_auth() && !device.is_logged_in() {
        return Dispatch::Done(Err(ApiError::NotLoggedIn));
    }
    match op {
        Op::Auth(a) => auth::handle(device, a).await,
        Op::Ping(_) => Dispatch::Done(Ok(OkBody::Time {
            server_time: device.node().clock.now_ms(),
        })),
        Op::Send(a) => send::start(device, a).await,
        Op::Sync(a) => sync::start(device, a),
        Op::Join(a) => chatroom::join(device, a),
        Op::Leave(a) => chatroom::leave(device, a),
        Op::ChatroomCreate(a) => chatroom::create(device, a),
        Op::GroupApply(_)
        | Op::GroupDecide(_)
        | Op::GroupInvite(_)
        | Op::GroupAnswer(_)
        | Op::GroupLeave(_)
        | Op::GroupAdd(_)
        | Op::GroupRemove(_)
        | Op::GroupMute(_)
        | Op::GroupUnmute(_)
        | Op::GroupBlock(_)
        | Op::GroupAdmin(_)
        | Op::GroupDismiss(_)
        | Op::GroupInfo(_) => group::start(device, op),
        Op::ChatroomInfo(_)
        | Op::ChatroomDestroy(_)
        | Op::ChatroomRemove(_)
        | Op::ChatroomMute(_)
        | Op::ChatroomUnmute(_)
        | Op::ChatroomMuteAll(_)
        | Op::ChatroomBlock(_)
        | Op::ChatroomUnblock(_)
        | Op::ChatroomAdmin(_)
        | Op::ChatroomAnnounce(_) => chatroom::start(device, op),
        Op::History(a) => conversations::history(device, a),
        Op::Conversations(a) => conversations::list(device, a),
        Op::Read(a) => conversations::read(device, a),
        Op::Delivered(a) => conversations::delivered(device, a),
        Op::Recall(a) => conversations::recall(device, a),
        Op::Edit(a) => conversations::edit(device, a),
        Op::GroupReadCount(a) => conversations::group_read_count(device, a),
        Op::ContactAdd(_)
        | Op::ContactAccept(_)
        | Op::ContactDecline(_)
        | Op::ContactRemove(_)
        | Op::Block(_)
        | Op::Unblock(_) => contacts::change(device, op),
        Op::Contacts(_) => contacts::list(device),
        Op::Blocks(_) => contacts::blocks(device),
        Op::PresenceSet(a) => presence::set(device, a),
        Op::PresenceSubscribe(a) => presence::subscribe(device, a),
        Op::PresenceUnsubscribe(a) => presence::unsubscribe(device, a),
        Op::PresenceGet(a) => presence::get(device, a),
        Op::PresenceSubscriptions(a) => presence::subscriptions(device, a),
        Op::AttributesSet(a) => presence::set_attributes(device, a),
        Op::AttributesGet(a) => presence::attributes(device, a),
        // The codec answers unknown ops itself.
        Op::Unknown => Dispatch::Done(Err(ApiError::UnknownOp(String::new()))),
    }
}
