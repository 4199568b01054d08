//! The router: hands a command to the shard actor that owns its entity,
//! keeping the command's [`ReplyTo`] beside it. On a single node every
//! shard is local; in a cluster a shard another node serves gets the
//! command as bytes over the node transport (`cluster::transport`), and
//! the answer comes back the same way to the same [`ReplyTo`]. In the
//! encode-everything mode (`encode`), every command, notice and reply that
//! passes through here is encoded to bytes and decoded again, as a network
//! would, so the whole suite proves that nothing in-process rides inside
//! them.

use crate::cluster::ownership::{Ownership, Route};
use crate::cluster::transport::{Transport, WireMail};
use crate::entity::Entity;
use crate::error::ShardError;
use crate::host::{Mail, ShardHost};
use crate::key::EntityKey;
use crate::metrics::RuntimeMetrics;
use crate::placement::{shard_of, ShardId};
use crate::reply::{self, Payload, ReplyTo};
use crate::wire;
use actix::prelude::*;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

/// Typed handle to every shard. Cheap to clone.
pub struct Router<E: Entity> {
    inner: Arc<RouterInner<E>>,
}

struct RouterInner<E: Entity> {
    shard_count: u32,
    shards: OnceLock<Vec<Addr<ShardHost<E>>>>,
    metrics: Arc<RuntimeMetrics>,
    encode: bool,
    cluster: OnceLock<ClusterRoute>,
}

/// Where a cluster node's router looks up owners and sends to them.
struct ClusterRoute {
    ownership: Arc<Ownership>,
    transport: Arc<Transport>,
}

impl<E: Entity> Clone for Router<E> {
    fn clone(&self) -> Self {
        Router {
            inner: self.inner.clone(),
        }
    }
}

/// How a mail is handed to a mailbox.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Admission {
    /// Refused (answered busy) when the mailbox is full.
    Bounded,
    /// Always queued: the answer to an ask already admitted, which must
    /// reach the entity that waits for it.
    Answer,
}

impl<E: Entity> Router<E> {
    pub(crate) fn new(shard_count: u32, metrics: Arc<RuntimeMetrics>, encode: bool) -> Self {
        Router {
            inner: Arc::new(RouterInner {
                shard_count,
                shards: OnceLock::new(),
                metrics,
                encode,
                cluster: OnceLock::new(),
            }),
        }
    }

    /// Routes by `ownership` from now on, sending what other nodes serve
    /// over `transport` (cluster mode; set once, at start).
    pub fn attach_cluster(&self, ownership: Arc<Ownership>, transport: Arc<Transport>) {
        let _ = self.inner.cluster.set(ClusterRoute {
            ownership,
            transport,
        });
    }

    /// Whether shards may live on other nodes (cluster mode).
    pub fn is_clustered(&self) -> bool {
        self.inner.cluster.get().is_some()
    }

    /// Whether this node serves `shard` (always, on a single node).
    pub fn serves(&self, shard: ShardId) -> bool {
        self.inner
            .cluster
            .get()
            .is_none_or(|c| c.ownership.is_serving(shard))
    }

    /// A command another node sent for `shard`: handed to the shard if this
    /// node serves it, else answered [`ShardError::Unavailable`] (the shard
    /// moved; the sender retries), never forwarded again.
    pub fn accept_wire(&self, shard: ShardId, mail: WireMail, reply: Option<ReplyTo>) {
        let mail = match self.decode_mail(mail, reply) {
            Ok(mail) => mail,
            Err((e, reply)) => {
                tracing::warn!(shard, error = %e, "a command from another node does not decode");
                if let Some(r) = reply {
                    r.fail(ShardError::Codec);
                }
                return;
            }
        };
        if !self.serves(shard) {
            mail.fail(ShardError::Unavailable);
            return;
        }
        let _ = self.deliver_local(shard, mail, Admission::Bounded);
    }

    #[allow(clippy::result_large_err)]
    fn decode_mail(
        &self,
        mail: WireMail,
        reply: Option<ReplyTo>,
    ) -> Result<Mail<E>, (crate::StoreError, Option<ReplyTo>)> {
        Ok(match mail {
            WireMail::Entity { key, cmd } => match wire::decode(&cmd) {
                Ok(cmd) => Mail::Entity {
                    key,
                    cmd,
                    reply,
                    sent: std::time::Instant::now(),
                },
                Err(e) => return Err((e, reply)),
            },
            WireMail::Shard { cmd } => match wire::decode(&cmd) {
                Ok(cmd) => Mail::Shard { cmd, reply },
                Err(e) => return Err((e, reply)),
            },
            WireMail::Notify { keys, notice } => match wire::decode(&notice) {
                Ok(notice) => Mail::Notify {
                    keys: Arc::from(keys),
                    notice: Arc::new(notice),
                },
                Err(e) => return Err((e, reply)),
            },
            WireMail::CountPresent { keys } => match reply {
                Some(reply) => Mail::CountPresent {
                    keys: Arc::from(keys),
                    reply,
                },
                None => {
                    return Err((
                        crate::StoreError::Codec("a count without a reply".into()),
                        None,
                    ))
                }
            },
        })
    }

    /// Drops every entity of `shard` from memory (each told
    /// [`Entity::evicted`]) and reopens its keyspace; resolves once every
    /// mail queued before it ran (cluster handoff: quiesce a shard before
    /// its local copy is replaced, reload it after).
    pub async fn reset_shard(&self, shard: ShardId) {
        let Some(addr) = self.inner.shards.get().and_then(|s| s.get(shard as usize)) else {
            return;
        };
        let (done, finished) = tokio::sync::oneshot::channel();
        self.inner
            .metrics
            .mailbox_depth
            .fetch_add(1, Ordering::Relaxed);
        addr.do_send(Mail::Reset { done });
        let _ = finished.await;
    }

    pub(crate) fn set_shards(&self, shards: Vec<Addr<ShardHost<E>>>) {
        // Called once by the supervisor right after it started the shards;
        // a second call would be a bug in start-up and is ignored.
        let _ = self.inner.shards.set(shards);
    }

    pub fn shard_count(&self) -> u32 {
        self.inner.shard_count
    }

    pub fn shard_of(&self, key: &EntityKey) -> ShardId {
        shard_of(key, self.inner.shard_count)
    }

    pub fn metrics(&self) -> &Arc<RuntimeMetrics> {
        &self.inner.metrics
    }

    /// Whether commands and replies are encoded on their way.
    pub fn encodes(&self) -> bool {
        self.inner.encode
    }

    /// Sends `cmd` to entity `key` now and returns the future of its
    /// answer. Never blocks: a full mailbox answers
    /// [`ShardError::Busy`] at once. The command leaves before the future
    /// is polled, so sends made one after another arrive in that order.
    pub fn ask<T>(
        &self,
        key: EntityKey,
        cmd: E::Command,
    ) -> impl Future<Output = Result<T, E::Error>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let (reply, rx) = ReplyTo::caller(self.encodes());
        // A refusal is answered through `reply`.
        let _ = self.send_mail(key, cmd, Some(reply));
        reply::wait(rx)
    }

    /// Sends `cmd` to entity `key` with no answer expected.
    pub fn tell(&self, key: EntityKey, cmd: E::Command) -> Result<(), ShardError> {
        self.send_mail(key, cmd, None)
    }

    /// Sends `cmd` to shard `shard` itself, not to an entity: a query over
    /// the shard's keyspace (see [`Entity::query`]).
    pub fn query_shard<T>(
        &self,
        shard: ShardId,
        cmd: E::Command,
    ) -> impl Future<Output = Result<T, E::Error>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
    {
        let (reply, rx) = ReplyTo::caller(self.encodes());
        let mail = self
            .encoded_cmd(cmd, Some(reply))
            .map(|(cmd, reply)| Mail::Shard { cmd, reply });
        if let Some(mail) = mail {
            // A refusal is answered through the mail's reply.
            let _ = self.deliver(shard, mail, Admission::Bounded);
        }
        reply::wait(rx)
    }

    /// Hands one fan-out notice to shard `shard`, for those of `keys` that
    /// are active there (see [`Entity::notify`]). One call is one batch,
    /// whatever the number of keys; counted in `fanout_batches`. A notice
    /// refused by a full mailbox is dropped (its entities' devices catch up
    /// by sync) and the error returned.
    pub fn notify_shard(
        &self,
        shard: ShardId,
        keys: Arc<[EntityKey]>,
        notice: Arc<E::Notice>,
    ) -> Result<(), ShardError> {
        self.inner
            .metrics
            .fanout_batches
            .fetch_add(1, Ordering::Relaxed);
        let (keys, notice) = if self.encodes() {
            self.inner.metrics.encoded.fetch_add(1, Ordering::Relaxed);
            let keys: Vec<EntityKey> = wire::round_trip(&keys.to_vec()).map_err(codec_error)?;
            let notice: E::Notice = wire::round_trip(notice.as_ref()).map_err(codec_error)?;
            (Arc::from(keys), Arc::new(notice))
        } else {
            (keys, notice)
        };
        self.deliver(shard, Mail::Notify { keys, notice }, Admission::Bounded)
    }

    /// How many of `keys` (all of shard `shard`) are active there and
    /// present (see [`Entity::is_present`]); never activates one, so it
    /// costs one mailbox hop whatever the number of keys.
    pub fn count_present(
        &self,
        shard: ShardId,
        keys: Arc<[EntityKey]>,
    ) -> impl Future<Output = Result<u64, E::Error>> + Send + 'static {
        let (reply, rx) = ReplyTo::caller(self.encodes());
        let keys = if self.encodes() {
            self.inner.metrics.encoded.fetch_add(1, Ordering::Relaxed);
            wire::round_trip(&keys.to_vec())
                .map(Arc::from)
                .map_err(codec_error)
        } else {
            Ok(keys)
        };
        match keys {
            // A refusal is answered through the mail's reply.
            Ok(keys) => {
                let _ = self.deliver(
                    shard,
                    Mail::CountPresent { keys, reply },
                    Admission::Bounded,
                );
            }
            Err(e) => reply.fail(e),
        }
        reply::wait(rx)
    }

    /// Sends `cmd` to `key` with `reply` (none for a tell).
    pub(crate) fn send_mail(
        &self,
        key: EntityKey,
        cmd: E::Command,
        reply: Option<ReplyTo>,
    ) -> Result<(), ShardError> {
        self.send_admitted(key, cmd, reply, Admission::Bounded)
    }

    /// A reply that runs `then` with the answer; the command it returns,
    /// if any, goes to `back_to` and is always queued (see
    /// [`Admission::Answer`]).
    pub(crate) fn reply_back<T>(
        &self,
        back_to: EntityKey,
        then: impl FnOnce(Result<T, E::Error>) -> Option<E::Command> + Send + 'static,
    ) -> ReplyTo
    where
        T: DeserializeOwned + Send + 'static,
    {
        let router = self.clone();
        ReplyTo::then(self.encodes(), move |payload: Payload| {
            let Some(cmd) = then(reply::open(payload)) else {
                return;
            };
            if let Err(e) = router.send_admitted(back_to.clone(), cmd, None, Admission::Answer) {
                tracing::error!(entity = %back_to, error = %e, "an answer could not return to the entity that asked");
            }
        })
    }

    fn send_admitted(
        &self,
        key: EntityKey,
        cmd: E::Command,
        reply: Option<ReplyTo>,
        admission: Admission,
    ) -> Result<(), ShardError> {
        let shard = self.shard_of(&key);
        match self.encoded_cmd(cmd, reply) {
            Some((cmd, reply)) => {
                let sent = std::time::Instant::now();
                let mail = Mail::Entity {
                    key,
                    cmd,
                    reply,
                    sent,
                };
                self.deliver(shard, mail, admission)
            }
            None => Err(ShardError::Codec),
        }
    }

    /// `cmd` as it arrives after its trip (encoded and decoded in the
    /// encode-everything mode); `None` after answering `reply` when it
    /// does not survive the trip.
    fn encoded_cmd(
        &self,
        cmd: E::Command,
        reply: Option<ReplyTo>,
    ) -> Option<(E::Command, Option<ReplyTo>)> {
        if !self.encodes() {
            return Some((cmd, reply));
        }
        self.inner.metrics.encoded.fetch_add(1, Ordering::Relaxed);
        match wire::round_trip(&cmd) {
            Ok(cmd) => Some((cmd, reply)),
            Err(e) => {
                tracing::error!(error = %e, "a command does not survive its encoding");
                if let Some(r) = reply {
                    r.fail(ShardError::Codec);
                }
                None
            }
        }
    }

    fn deliver(
        &self,
        shard: ShardId,
        mail: Mail<E>,
        admission: Admission,
    ) -> Result<(), ShardError> {
        if let Some(cluster) = self.inner.cluster.get() {
            match cluster.ownership.route(shard) {
                Route::Local => {}
                Route::Remote(node) => return send_remote(cluster, node, shard, mail),
                Route::Unavailable => {
                    mail.fail(ShardError::Unavailable);
                    return Err(ShardError::Unavailable);
                }
            }
        }
        self.deliver_local(shard, mail, admission)
    }

    fn deliver_local(
        &self,
        shard: ShardId,
        mail: Mail<E>,
        admission: Admission,
    ) -> Result<(), ShardError> {
        let Some(addr) = self.inner.shards.get().and_then(|s| s.get(shard as usize)) else {
            mail.fail(ShardError::Unavailable);
            return Err(ShardError::Unavailable);
        };
        // Counted before it is queued, so the shard's decrement never runs
        // first; taken back if it is not queued.
        let depth = &self.inner.metrics.mailbox_depth;
        depth.fetch_add(1, Ordering::Relaxed);
        if admission == Admission::Answer {
            addr.do_send(mail);
            return Ok(());
        }
        match addr.try_send(mail) {
            Ok(()) => Ok(()),
            Err(SendError::Full(mail)) => {
                depth.fetch_sub(1, Ordering::Relaxed);
                self.inner
                    .metrics
                    .mailbox_full
                    .fetch_add(1, Ordering::Relaxed);
                mail.fail(ShardError::Busy);
                Err(ShardError::Busy)
            }
            Err(SendError::Closed(mail)) => {
                depth.fetch_sub(1, Ordering::Relaxed);
                mail.fail(ShardError::Unavailable);
                Err(ShardError::Unavailable)
            }
        }
    }
}

/// `mail` as bytes to `node`, which serves `shard`.
fn send_remote<E: Entity>(
    cluster: &ClusterRoute,
    node: crate::ring::NodeId,
    shard: ShardId,
    mail: Mail<E>,
) -> Result<(), ShardError> {
    let (wire_mail, reply) = match mail {
        Mail::Entity {
            key, cmd, reply, ..
        } => match wire::encode(&cmd) {
            Ok(cmd) => (WireMail::Entity { key, cmd }, reply),
            Err(e) => return Err(fail_encoding(e, reply)),
        },
        Mail::Shard { cmd, reply } => match wire::encode(&cmd) {
            Ok(cmd) => (WireMail::Shard { cmd }, reply),
            Err(e) => return Err(fail_encoding(e, reply)),
        },
        Mail::Notify { keys, notice } => match wire::encode(notice.as_ref()) {
            Ok(notice) => (
                WireMail::Notify {
                    keys: keys.to_vec(),
                    notice,
                },
                None,
            ),
            Err(e) => return Err(fail_encoding(e, None)),
        },
        Mail::CountPresent { keys, reply } => (
            WireMail::CountPresent {
                keys: keys.to_vec(),
            },
            Some(reply),
        ),
        Mail::Reset { .. } => return Ok(()),
    };
    cluster.transport.send_mail(node, shard, wire_mail, reply)
}

fn fail_encoding(e: crate::StoreError, reply: Option<ReplyTo>) -> ShardError {
    tracing::error!(error = %e, "a command for another node does not encode");
    if let Some(r) = reply {
        r.fail(ShardError::Codec);
    }
    ShardError::Codec
}

fn codec_error(e: crate::StoreError) -> ShardError {
    tracing::error!(error = %e, "keys or a notice do not survive their encoding");
    ShardError::Codec
}
