//! Scenario `chatroom`: fan-out to the members present in one chatroom. It
//! runs the `group` scenario's members and senders against a room: every
//! member socket joins the room made by `setup --chatroom-members K`
//! before the send phase, senders send at the chosen priority, and each
//! acked message is owed to the K-1 other members. Around the run it reads
//! the server's chatroom shed counters from `/metrics`, so the report says
//! how many messages the server refused (by priority) or a busy device
//! skipped under overload.
//!
//! - [`setup`]: finding or creating the room over REST.
//! - [`shed`]: the server's shed counters.

pub mod setup;
pub mod shed;

use crate::conn::{self, Ws};
use crate::wire::{self, Encoding};
use crate::Error;
use futures_util::{stream, StreamExt, TryStreamExt};

/// Joins every socket to `room`, at most `concurrency` joins at once.
pub async fn join_all(
    sockets: Vec<Ws>,
    room: &str,
    enc: Encoding,
    concurrency: usize,
) -> Result<Vec<Ws>, Error> {
    let frame = wire::join_frame(room, enc).map_err(Error::Ws)?;
    stream::iter(sockets)
        .map(|mut ws| {
            let frame = frame.clone();
            async move {
                let what = format!("join of chatroom {room}");
                let join = conn::request(&mut ws, frame, wire::JOIN_ID, &what);
                tokio::time::timeout(conn::LOGIN_TIMEOUT, join)
                    .await
                    .map_err(|_| Error::Timeout(what))??;
                Ok(ws)
            }
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await
}
