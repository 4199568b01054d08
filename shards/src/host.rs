//! The shard actor. It hosts the entities of one shard: activates an entity
//! on its first command (state loaded from the shard's keyspace), runs each
//! command as one step under `catch_unwind`, applies the step's writes as one
//! atomic batch, queues the step's actions (answers included) behind the
//! next flush, and drops entities that stay idle.
//!
//! It is the panic boundary: a panicking step is thrown away with its writes
//! and actions (its caller gets an error), the entity is evicted so its next
//! command reloads it from persisted state, and no other entity is touched.

use crate::commit::CommitQueue;
use crate::entity::{Entity, ShardStore, StepCtx};
use crate::error::ShardError;
use crate::key::EntityKey;
use crate::metrics::RuntimeMetrics;
use crate::placement::ShardId;
use crate::reply::ReplyTo;
use crate::router::Router;
use crate::store::{Batch, Engine};
use actix::prelude::*;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a shard actor's mailbox holds: a command for one of its entities or
/// for the shard itself (each with the reply the router keeps for it), one
/// fan-out notice for those of `keys` that are active here, or a count of
/// those of `keys` that are active and present.
pub(crate) enum Mail<E: Entity> {
    Entity {
        key: EntityKey,
        cmd: E::Command,
        reply: Option<ReplyTo>,
        /// When it was sent (for the time it waits in the mailbox).
        sent: Instant,
    },
    Shard {
        cmd: E::Command,
        reply: Option<ReplyTo>,
    },
    Notify {
        keys: Arc<[EntityKey]>,
        notice: Arc<E::Notice>,
    },
    /// How many of `keys` are active here and present (answers a `u64`).
    CountPresent {
        keys: Arc<[EntityKey]>,
        reply: ReplyTo,
    },
    /// Drop every active entity and reopen the keyspace (cluster handoff);
    /// `done` is told once it ran.
    Reset {
        done: tokio::sync::oneshot::Sender<()>,
    },
}

impl<E: Entity> Mail<E> {
    /// Answers the mail's caller with `err` (a notice has none: it is best
    /// effort, whoever misses it syncs).
    pub(crate) fn fail(self, err: ShardError) {
        match self {
            Mail::Entity { reply, .. } | Mail::Shard { reply, .. } => {
                if let Some(r) = reply {
                    r.fail(err);
                }
            }
            Mail::CountPresent { reply, .. } => reply.fail(err),
            Mail::Notify { .. } | Mail::Reset { .. } => {}
        }
    }
}

impl<E: Entity> Message for Mail<E> {
    type Result = ();
}

/// Settings every shard actor shares.
#[derive(Debug, Clone, Copy)]
pub struct HostSettings {
    /// Bounded mailbox of each shard actor.
    pub mailbox: usize,
    /// Entities idle this long (and passivatable) are dropped from memory.
    pub idle_timeout: Duration,
}

struct Slot<E> {
    entity: E,
    last_used: Instant,
}

pub struct ShardHost<E: Entity> {
    shard: ShardId,
    engine: Arc<dyn Engine>,
    store: ShardStore,
    commit: CommitQueue,
    router: Router<E>,
    env: E::Env,
    settings: HostSettings,
    metrics: Arc<RuntimeMetrics>,
    entities: HashMap<EntityKey, Slot<E>>,
    next_log_seq: u64,
    /// Started before (a restart is no new start).
    started_once: bool,
}

/// Name of the keyspace that holds shard `shard`.
pub fn keyspace_name(shard: ShardId) -> String {
    format!("s{shard}")
}

impl<E: Entity> ShardHost<E> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn open(
        shard: ShardId,
        engine: Arc<dyn Engine>,
        commit: CommitQueue,
        router: Router<E>,
        env: E::Env,
        settings: HostSettings,
        metrics: Arc<RuntimeMetrics>,
    ) -> Result<Self, crate::StoreError> {
        let store = ShardStore::new(shard, engine.keyspace(&keyspace_name(shard))?);
        let next_log_seq = store.next_log_seq()?;
        Ok(ShardHost {
            shard,
            engine,
            store,
            commit,
            router,
            env,
            settings,
            metrics,
            entities: HashMap::new(),
            next_log_seq,
            started_once: false,
        })
    }

    fn evict(&mut self, key: &EntityKey) {
        if let Some(slot) = self.entities.remove(key) {
            self.metrics.active_entities.fetch_sub(1, Ordering::Relaxed);
            if catch_unwind(AssertUnwindSafe(|| slot.entity.evicted())).is_err() {
                tracing::warn!(shard = self.shard, %key, "entity panicked while being evicted");
            }
        }
    }

    fn run_step(&mut self, key: EntityKey, cmd: E::Command, reply: Option<ReplyTo>) {
        let span = tracing::debug_span!("step", shard = self.shard, entity = %key, cmd = E::command_name(&cmd));
        let _entered = span.enter();
        if !self.entities.contains_key(&key) {
            match E::activate(&key, &self.store, &self.env) {
                Ok(entity) => {
                    self.metrics.active_entities.fetch_add(1, Ordering::Relaxed);
                    self.entities.insert(
                        key.clone(),
                        Slot {
                            entity,
                            last_used: Instant::now(),
                        },
                    );
                }
                Err(e) => {
                    tracing::error!(shard = self.shard, %key, error = %e, "entity activation failed");
                    if let Some(r) = reply {
                        r.fail(ShardError::Storage);
                    }
                    return;
                }
            }
        }
        let Some(slot) = self.entities.get_mut(&key) else {
            if let Some(r) = reply {
                r.fail(ShardError::Unavailable);
            }
            return;
        };
        slot.last_used = Instant::now();
        let mut step = StepCtx {
            key: &key,
            store: &self.store,
            router: &self.router,
            env: &self.env,
            batch: Batch::default(),
            actions: Vec::new(),
            applied: Vec::new(),
            next_log_seq: self.next_log_seq,
            failed: None,
            reply,
        };
        let entity = &mut slot.entity;
        let outcome = catch_unwind(AssertUnwindSafe(|| entity.handle(cmd, &mut step)));
        let vacant = outcome.is_ok() && entity.is_vacant();
        let StepCtx {
            batch,
            actions,
            applied,
            next_log_seq,
            failed,
            reply,
            ..
        } = step;
        if outcome.is_err() {
            // The step's writes and actions are dropped with it; their
            // replies answer their callers with an error.
            self.metrics.entity_restarts.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(shard = self.shard, %key, "entity panicked; restarting it from persisted state");
            if let Some(r) = reply {
                r.fail(ShardError::EntityFailed);
            }
            drop((actions, applied));
            self.evict(&key);
            return;
        }
        if let Some(e) = failed {
            tracing::error!(shard = self.shard, %key, error = %e, "step failed to encode its writes; dropped");
            if let Some(r) = reply {
                r.fail(ShardError::Storage);
            }
            drop((actions, applied));
            self.evict(&key);
            return;
        }
        if let Some(r) = reply {
            tracing::warn!(shard = self.shard, %key, "a step left its caller unanswered");
            r.fail(ShardError::NoReply);
        }
        if vacant && self.entities.remove(&key).is_some() {
            self.metrics.active_entities.fetch_sub(1, Ordering::Relaxed);
        }
        let dirty = !batch.is_empty();
        if dirty {
            if let Err(e) = self.store.keyspace().apply(batch) {
                tracing::error!(shard = self.shard, %key, error = %e, "applying a batch failed; entity reloads from disk");
                drop((actions, applied));
                self.evict(&key);
                return;
            }
            self.next_log_seq = next_log_seq;
        }
        let mut actions = actions;
        if self.router.is_clustered() {
            // Another shard's later commit covers this step's writes only
            // on one node with one store. In a cluster each shard has its
            // own log, and an append can fail for one shard alone, so what
            // is handed on waits until these writes are in this shard's log.
            actions.splice(0..0, applied);
        } else {
            for action in applied {
                action();
            }
        }
        if !dirty && actions.is_empty() {
            return;
        }
        if let Err(full) = self.commit.submit(self.shard, dirty, actions) {
            tracing::warn!(
                shard = self.shard,
                dropped = full.0.len(),
                "commit queue full; acks withheld"
            );
        }
    }
}

impl<E: Entity> Actor for ShardHost<E> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if !self.started_once {
            self.started_once = true;
            self.metrics.shards_started.fetch_add(1, Ordering::Release);
        }
        ctx.set_mailbox_capacity(self.settings.mailbox);
        let every = (self.settings.idle_timeout / 2).max(Duration::from_millis(100));
        ctx.run_interval(every, |host, _| {
            let idle = host.settings.idle_timeout;
            let before = host.entities.len();
            host.entities
                .retain(|_, slot| slot.last_used.elapsed() < idle || !slot.entity.can_passivate());
            let dropped = (before - host.entities.len()) as u64;
            if dropped > 0 {
                host.metrics
                    .active_entities
                    .fetch_sub(dropped, Ordering::Relaxed);
                host.metrics
                    .passivations
                    .fetch_add(dropped, Ordering::Relaxed);
            }
        });
    }
}

impl<E: Entity> Supervised for ShardHost<E> {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        self.metrics.shard_restarts.fetch_add(1, Ordering::Relaxed);
        self.metrics
            .active_entities
            .fetch_sub(self.entities.len() as u64, Ordering::Relaxed);
        self.entities.clear();
        match self.engine.keyspace(&keyspace_name(self.shard)) {
            Ok(ks) => {
                self.store = ShardStore::new(self.shard, ks);
                if let Ok(seq) = self.store.next_log_seq() {
                    self.next_log_seq = seq;
                }
            }
            Err(e) => {
                tracing::error!(shard = self.shard, error = %e, "reopening shard keyspace failed")
            }
        }
        tracing::warn!(shard = self.shard, "shard actor restarted");
    }
}

impl<E: Entity> Handler<Mail<E>> for ShardHost<E> {
    type Result = ();

    fn handle(&mut self, mail: Mail<E>, _ctx: &mut Self::Context) {
        self.metrics.mailbox_depth.fetch_sub(1, Ordering::Relaxed);
        if let Mail::Reset { done } = mail {
            self.reset();
            let _ = done.send(());
            return;
        }
        // A cluster node that stopped serving the shard (it moved, or the
        // node was fenced) answers what was queued before: retry elsewhere.
        if !self.router.serves(self.shard) {
            mail.fail(ShardError::Unavailable);
            return;
        }
        match mail {
            Mail::Entity {
                key,
                cmd,
                reply,
                sent,
            } => {
                let started = Instant::now();
                self.run_step(key, cmd, reply);
                self.metrics
                    .record_step(started.duration_since(sent), started.elapsed());
            }
            Mail::Shard { cmd, reply } => {
                if let Some(app) = E::evicts_app(&cmd) {
                    let theirs: Vec<EntityKey> = self
                        .entities
                        .keys()
                        .filter(|k| k.app == app)
                        .cloned()
                        .collect();
                    for key in theirs {
                        self.evict(&key);
                    }
                }
                let (store, env) = (&self.store, &self.env);
                if catch_unwind(AssertUnwindSafe(|| E::query(cmd, store, env, reply))).is_err() {
                    tracing::warn!(shard = self.shard, "shard query panicked");
                }
            }
            Mail::Notify { keys, notice } => self.notify(keys, &notice),
            Mail::Reset { .. } => {}
            Mail::CountPresent { keys, reply } => {
                let present = keys
                    .iter()
                    .filter(|k| self.entities.get(*k).is_some_and(|s| s.entity.is_present()))
                    .count() as u64;
                reply.send(Ok::<u64, E::Error>(present));
            }
        }
    }
}

impl<E: Entity> ShardHost<E> {
    /// Drops every active entity (each told [`Entity::evicted`], so its
    /// devices reconnect) and reopens the keyspace, whose contents may have
    /// been replaced.
    fn reset(&mut self) {
        let keys: Vec<EntityKey> = self.entities.keys().cloned().collect();
        for key in keys {
            self.evict(&key);
        }
        match self.engine.keyspace(&keyspace_name(self.shard)) {
            Ok(ks) => {
                self.store = ShardStore::new(self.shard, ks);
                match self.store.next_log_seq() {
                    Ok(seq) => self.next_log_seq = seq,
                    Err(e) => {
                        tracing::error!(shard = self.shard, error = %e, "reading the shard's log position failed")
                    }
                }
            }
            Err(e) => {
                tracing::error!(shard = self.shard, error = %e, "reopening shard keyspace failed")
            }
        }
    }

    /// Tells each of `keys` that is active here; never activates one.
    /// One that is not present gets the notice's
    /// [`Entity::absent_command`], if any, as a mail of its own, unless
    /// half a mailbox of mail is already queued (then, and when the
    /// mailbox is full, it is dropped, like a notice would be).
    fn notify(&mut self, keys: Arc<[EntityKey]>, notice: &E::Notice) {
        let mut told = 0u64;
        let mut failed = Vec::new();
        for key in keys.iter() {
            let present = self
                .entities
                .get(key)
                .is_some_and(|s| s.entity.is_present());
            // Wake-ups yield to the shards' other mail: past half a
            // mailbox queued they are skipped (best effort, like notices).
            let room = self.metrics.mailbox_depth.load(Ordering::Relaxed)
                < self.settings.mailbox as u64 / 2;
            if !present && room {
                if let Some(cmd) = E::absent_command(key, notice, &self.env) {
                    let _ = self.router.send_mail(key.clone(), cmd, None);
                }
            }
            let Some(slot) = self.entities.get_mut(key) else {
                continue;
            };
            let entity = &mut slot.entity;
            if catch_unwind(AssertUnwindSafe(|| entity.notify(notice))).is_err() {
                failed.push(key.clone());
            } else {
                told += 1;
            }
        }
        self.metrics
            .fanout_notices
            .fetch_add(told, Ordering::Relaxed);
        for key in failed {
            self.metrics.entity_restarts.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(shard = self.shard, %key, "entity panicked on a notice; restarting it from persisted state");
            self.evict(&key);
        }
    }
}
