//! One receiver of the `offline` scenario: logs in, asks `sync` for pages
//! (at most `limit` messages each) until `more` is false, and keeps the msg
//! ids of this run stamped for its pair. Bounded by a deadline and a page
//! count, so a server that never says "no more" cannot hold the run.

use crate::conn::{self, Ws};
use crate::direct::DEVICE;
use crate::progress::Live;
use crate::target::Target;
use crate::wire::{self, Encoding};
use crate::Error;
use futures_util::{SinkExt, StreamExt};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Cursor that the server clamps to the end of a stream.
pub const END: u64 = i64::MAX as u64;
/// Most sync requests one receiver makes.
pub const MAX_PAGES: u64 = 100_000;

/// What one receiver synced.
#[derive(Debug, Default)]
pub struct SyncResult {
    pub pair: u32,
    /// Distinct msg ids of this run for this pair.
    pub ids: HashSet<u64>,
    pub duplicates: u64,
    /// Messages of another run or pair, or without a stamp.
    pub foreign: u64,
    pub pages: u64,
    /// Done (login included) at this many ns after the drain started.
    pub done_ns: u64,
    /// Why it stopped early, if it did.
    pub error: Option<String>,
}

/// One `sync` round trip; the reply's cursors, `more`, and the messages
/// handed to `each` as (msg id, stamp) pairs.
async fn sync_once(
    ws: &mut Ws,
    id: &str,
    cursors: &BTreeMap<String, u64>,
    limit: u32,
    enc: Encoding,
    each: &mut (dyn FnMut(Option<u64>, Option<wire::Stamp>) + Send),
) -> Result<(BTreeMap<String, u64>, bool), Error> {
    ws.send(wire::sync_frame(id, cursors, limit, enc).map_err(Error::Ws)?)
        .await?;
    while let Some(msg) = ws.next().await {
        let msg: Message = msg?;
        let Some(reply) = wire::decode_sync(&msg) else {
            continue;
        };
        if reply.id.as_deref() != Some(id) {
            continue;
        }
        if reply.ok != Some(true) {
            return Err(Error::Server(format!(
                "sync answered code {}",
                reply.error.map_or(0, |e| e.code)
            )));
        }
        for m in &reply.messages {
            each(
                wire::parse_msg_id(&m.msg_id),
                m.ext.as_ref().and_then(|e| e.lt),
            );
        }
        return Ok((reply.cursors, reply.more));
    }
    Err(Error::Ws("socket closed before the sync reply".into()))
}

/// Logs `user` in and returns the end of each of its streams, without
/// reading the history (cursors past the end are clamped to it).
pub async fn end_cursors(
    target: &Target,
    user: &str,
    enc: Encoding,
) -> Result<BTreeMap<String, u64>, Error> {
    let mut ws = conn::login(target, user, DEVICE, enc, None).await?;
    let mut cursors = BTreeMap::from([("user".to_string(), END)]);
    // The first reply names every stream (groups too); ask again with all
    // of them at the end.
    for round in 0..3 {
        let (next, more) = sync_once(
            &mut ws,
            &format!("end{round}"),
            &cursors,
            1,
            enc,
            &mut |_: Option<u64>, _: Option<wire::Stamp>| {},
        )
        .await?;
        let all_known = next.keys().all(|k| cursors.contains_key(k));
        if round > 0 && all_known && !more {
            let _ = ws.send(Message::Close(None)).await;
            return Ok(next);
        }
        cursors = next.keys().map(|k| (k.clone(), END)).collect();
        cursors.entry("user".into()).or_insert(END);
    }
    Err(Error::Server(format!(
        "the end of {user}'s streams could not be found"
    )))
}

/// What one receiver is to do.
pub struct SyncPlan {
    pub pair: u32,
    pub user: String,
    pub run_id: u64,
    pub cursors: BTreeMap<String, u64>,
    pub limit: u32,
    pub enc: Encoding,
    pub started: Instant,
    pub deadline: Instant,
    /// Synced messages are counted here too, for the progress bar.
    pub live: Arc<Live>,
}

/// Logs in and syncs until `more` is false, the deadline, or an error.
pub async fn run(target: Target, plan: SyncPlan) -> SyncResult {
    let mut res = SyncResult {
        pair: plan.pair,
        ..SyncResult::default()
    };
    let deadline = tokio::time::Instant::from_std(plan.deadline);
    let go = async {
        let mut ws = conn::login(&target, &plan.user, DEVICE, plan.enc, None).await?;
        let mut cursors = plan.cursors.clone();
        loop {
            res.pages += 1;
            let id = format!("s{}", res.pages);
            let (next, more) = sync_once(
                &mut ws,
                &id,
                &cursors,
                plan.limit,
                plan.enc,
                &mut |id: Option<u64>, stamp: Option<wire::Stamp>| match (id, stamp) {
                    (Some(id), Some(s)) if s.r == plan.run_id && s.p == plan.pair => {
                        if res.ids.insert(id) {
                            Live::add(&plan.live.delivered, 1);
                        } else {
                            res.duplicates += 1;
                        }
                    }
                    _ => res.foreign += 1,
                },
            )
            .await?;
            if !more {
                break;
            }
            if res.pages >= MAX_PAGES {
                return Err(Error::Server(
                    "sync still had more after the page cap".into(),
                ));
            }
            cursors.extend(next);
        }
        let _ = ws.send(Message::Close(None)).await;
        Ok::<(), Error>(())
    };
    let outcome = tokio::time::timeout_at(deadline, go).await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => res.error = Some(e.to_string()),
        Err(_) => res.error = Some("drain deadline passed".into()),
    }
    res.done_ns = u64::try_from(plan.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    res
}
