//! The `Entity` trait a domain implements, and [`StepCtx`], what an entity
//! sees while it handles one command: reads of its shard's keyspace, a batch
//! of staged writes, events for the shard log, the answer to its caller,
//! commands to other entities, and actions to run once the writes are
//! durable.
//!
//! Commands, replies and notices are plain data (serde): nothing
//! in-process rides inside them, so the router can encode them (the
//! encode-everything mode, and a cluster's network). The caller's answer
//! channel stays with the router as a [`ReplyTo`].
//!
//! A step is all-or-nothing: its writes are applied in one atomic batch after
//! `handle` returns, and dropped (with every action it queued, answers
//! included) if it panics.

use crate::codec;
use crate::commit::AfterCommit;
use crate::error::{ShardError, StoreError};
use crate::key::EntityKey;
use crate::placement::ShardId;
use crate::reply::ReplyTo;
use crate::router::Router;
use crate::store::{prefix_end, Batch, Entry, Keyspace};
use serde::{de::DeserializeOwned, Serialize};
use std::sync::Arc;

/// Key prefix of the shard log family: `L` + shard sequence (u64 BE) → event.
pub const LOG_FAMILY: u8 = b'L';
/// Key prefix of entity snapshots: `E` + entity key bytes → snapshot.
pub const SNAPSHOT_FAMILY: u8 = b'E';

/// A domain entity hosted by a shard actor.
pub trait Entity: Sized + Unpin + Send + 'static {
    /// What the entity is asked to do: plain data.
    type Command: Serialize + DeserializeOwned + Send + 'static;
    /// Handles every entity of the domain shares (config, id generator).
    type Env: Clone + Send + Sync + Unpin + 'static;
    /// A fan-out notice: something many entities of a shard are told at
    /// once, and only if they are active (see [`Entity::notify`]).
    type Notice: Serialize + DeserializeOwned + Send + Sync + 'static;
    /// What a caller gets when its command fails, including the runtime's
    /// own failures (a full mailbox, a step that panicked).
    type Error: Serialize + DeserializeOwned + From<ShardError> + Send + 'static;

    /// Builds the entity from its persisted state (or an empty one).
    fn activate(key: &EntityKey, store: &ShardStore, env: &Self::Env) -> Result<Self, StoreError>;

    /// Handles one command. Must not block: storage writes go through `ctx`,
    /// and so does the answer.
    fn handle(&mut self, cmd: Self::Command, ctx: &mut StepCtx<'_, Self>);

    /// A short name of `cmd` for logs and spans.
    fn command_name(cmd: &Self::Command) -> &'static str {
        let _ = cmd;
        "command"
    }

    /// Handles a command addressed to a whole shard rather than one entity
    /// (scans over the shard's keyspace), answering `reply`. Refuses by
    /// default.
    fn query(cmd: Self::Command, store: &ShardStore, env: &Self::Env, reply: Option<ReplyTo>) {
        let _ = (cmd, store, env);
        if let Some(r) = reply {
            r.fail(ShardError::Unavailable);
        }
    }

    /// The app whose active entities the shard drops (each told
    /// [`Entity::evicted`]) before it answers `cmd`, a shard command:
    /// deleting an app's data must not leave its state in memory to be
    /// written back. `None` (the default) for every other command.
    fn evicts_app(cmd: &Self::Command) -> Option<&str> {
        let _ = cmd;
        None
    }

    /// Told a fan-out notice. Only entities already active on the shard are
    /// told: a notice never activates an entity (an offline member of a
    /// group learns what it missed by sync, not by being woken). Must not
    /// block and has no step: it writes nothing, it only forwards to
    /// attached devices.
    fn notify(&mut self, notice: &Self::Notice) {
        let _ = notice;
    }

    /// What a notice becomes for one of its targets that is not present
    /// on the shard (not active, or active with nothing present): a
    /// command sent to that entity, which activates it (for the domain: a
    /// group message's offline push to a member with no device online).
    /// `None`, the default, leaves such a target alone.
    fn absent_command(
        key: &EntityKey,
        notice: &Self::Notice,
        env: &Self::Env,
    ) -> Option<Self::Command> {
        let _ = (key, notice, env);
        None
    }

    /// Called when the entity is evicted after a failed step, before its
    /// state is dropped: a chance to tell attached devices to reconnect
    /// (they resync from persisted state). Must not assume the state is
    /// consistent.
    fn evicted(self) {}

    /// Whether the entity holds nothing (it does not exist, e.g. a lookup of
    /// an unknown name); such an entity is dropped right after its step, so
    /// requests for random names cannot fill memory.
    fn is_vacant(&self) -> bool {
        false
    }

    /// Whether the entity may be dropped from memory when idle (an entity
    /// with attached sessions or requests in flight must stay).
    fn can_passivate(&self) -> bool {
        true
    }

    /// Whether the entity is present (for the domain: a user with a
    /// device online): what [`Router::count_present`] counts. Only active
    /// entities are asked; one that is not active is not present.
    fn is_present(&self) -> bool {
        false
    }
}

/// Read access to one shard's keyspace.
#[derive(Clone)]
pub struct ShardStore {
    pub shard: ShardId,
    keyspace: Arc<dyn Keyspace>,
}

impl ShardStore {
    pub fn new(shard: ShardId, keyspace: Arc<dyn Keyspace>) -> Self {
        ShardStore { shard, keyspace }
    }

    pub fn keyspace(&self) -> &Arc<dyn Keyspace> {
        &self.keyspace
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        self.keyspace.get(key)
    }

    pub fn get_decoded<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        self.keyspace
            .get(key)?
            .map(|v| codec::decode(&v))
            .transpose()
    }

    /// The entity's latest snapshot, if it has one.
    pub fn load_snapshot<T: DeserializeOwned>(
        &self,
        key: &EntityKey,
    ) -> Result<Option<T>, StoreError> {
        self.get_decoded(&snapshot_key(key))
    }

    /// Up to `limit` entries with `prefix` and a key ≥ `prefix ++ from`.
    pub fn scan(&self, prefix: &[u8], from: &[u8], limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut start = prefix.to_vec();
        start.extend_from_slice(from);
        self.keyspace.range(&start, &prefix_end(prefix), limit)
    }

    /// Up to `limit` entries with `prefix` and a key < `prefix ++ before`,
    /// newest (greatest) first; an empty `before` means no upper bound.
    pub fn scan_rev(
        &self,
        prefix: &[u8],
        before: &[u8],
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        self.scan_rev_from(prefix, &[], before, limit)
    }

    /// Up to `limit` entries with `prefix`, a key ≥ `prefix ++ from` and
    /// < `prefix ++ before` (empty: no upper bound), greatest first.
    pub fn scan_rev_from(
        &self,
        prefix: &[u8],
        from: &[u8],
        before: &[u8],
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        let mut start = prefix.to_vec();
        start.extend_from_slice(from);
        let end = if before.is_empty() {
            prefix_end(prefix)
        } else {
            let mut end = prefix.to_vec();
            end.extend_from_slice(before);
            end
        };
        if start >= end {
            return Ok(Vec::new());
        }
        self.keyspace.range_rev(&start, &end, limit)
    }

    /// The last entry with `prefix`, if any.
    pub fn last(&self, prefix: &[u8]) -> Result<Option<Entry>, StoreError> {
        Ok(self
            .keyspace
            .range_rev(prefix, &prefix_end(prefix), 1)?
            .pop())
    }

    /// The next free shard-log sequence number.
    pub fn next_log_seq(&self) -> Result<u64, StoreError> {
        Ok(match self.last(&[LOG_FAMILY])? {
            Some((k, _)) => decode_seq(&k[1..]).map(|s| s + 1).unwrap_or(1),
            None => 1,
        })
    }
}

/// `E` + entity key bytes.
pub fn snapshot_key(key: &EntityKey) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + key.byte_len());
    k.push(SNAPSHOT_FAMILY);
    key.write_bytes(&mut k);
    k
}

/// Reads a big-endian u64 from the first 8 bytes of `bytes`.
pub fn decode_seq(bytes: &[u8]) -> Option<u64> {
    let arr: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    Some(u64::from_be_bytes(arr))
}

/// What an entity sees during one step.
pub struct StepCtx<'a, E: Entity> {
    pub(crate) key: &'a EntityKey,
    pub(crate) store: &'a ShardStore,
    pub(crate) router: &'a Router<E>,
    pub(crate) env: &'a E::Env,
    pub(crate) batch: Batch,
    pub(crate) actions: Vec<AfterCommit>,
    /// Run once the step's batch is applied (before it is durable).
    pub(crate) applied: Vec<AfterCommit>,
    pub(crate) next_log_seq: u64,
    pub(crate) failed: Option<StoreError>,
    /// Where this step's command is answered (none for a tell).
    pub(crate) reply: Option<ReplyTo>,
}

impl<'a, E: Entity> StepCtx<'a, E> {
    pub fn key(&self) -> &EntityKey {
        self.key
    }
    pub fn store(&self) -> &ShardStore {
        self.store
    }
    pub fn router(&self) -> &Router<E> {
        self.router
    }
    pub fn env(&self) -> &E::Env {
        self.env
    }

    /// Stages a write of `value` (encoded) under `key`.
    pub fn put<T: Serialize>(&mut self, key: Vec<u8>, value: &T) {
        match codec::encode(value) {
            Ok(v) => self.batch.put(key, v),
            Err(e) => self.fail(e),
        }
    }

    /// Stages a raw write.
    pub fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.batch.put(key, value);
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.batch.delete(key);
    }

    /// Reads `key`, seeing this step's staged writes first.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        match self.batch.staged(key) {
            Some(v) => Ok(v.map(<[u8]>::to_vec)),
            None => self.store.get(key),
        }
    }

    /// Stages the entity's snapshot.
    pub fn save_snapshot<T: Serialize>(&mut self, value: &T) {
        let k = snapshot_key(self.key);
        self.put(k, value);
    }

    /// Appends `event` to the shard log in this step's batch; returns its
    /// shard sequence number.
    pub fn append_event<T: Serialize>(&mut self, event: &T) -> u64 {
        let seq = self.next_log_seq;
        self.next_log_seq += 1;
        let mut k = vec![LOG_FAMILY];
        k.extend_from_slice(&seq.to_be_bytes());
        self.put(k, event);
        seq
    }

    /// Runs `action` once this step's writes (and every earlier one) are on
    /// disk. Actions run in submission order on the commit thread; they must
    /// only send on channels, never block.
    pub fn after_commit(&mut self, action: impl FnOnce() + Send + 'static) {
        self.actions.push(Box::new(action));
    }

    /// Runs `action` once this step's writes are applied to the store, not
    /// yet durable: for handing work on to an entity of the same node,
    /// whose own later commit then covers these writes too. Dropped with
    /// the step if it fails.
    pub fn after_apply(&mut self, action: impl FnOnce() + Send + 'static) {
        self.applied.push(Box::new(action));
    }

    /// Answers this step's caller once the step's writes (and every earlier
    /// one) are on disk: nobody is told what a crash could take back.
    pub fn reply<T: Serialize + Send + 'static>(&mut self, result: Result<T, E::Error>) {
        if let Some(to) = self.reply.take() {
            self.after_commit(move || to.send(result));
        }
    }

    /// Answers this step's caller at once: for answers that promise nothing
    /// about this step's writes (a refusal before any write, a read of
    /// state already committed).
    pub fn reply_now<T: Serialize + Send + 'static>(&mut self, result: Result<T, E::Error>) {
        if let Some(to) = self.reply.take() {
            to.send(result);
        }
    }

    /// Takes this step's reply, to answer it in a later step (with
    /// [`StepCtx::reply_later`]).
    pub fn take_reply(&mut self) -> Option<ReplyTo> {
        self.reply.take()
    }

    /// Answers `to`, a reply kept from an earlier step, once this step's
    /// writes are on disk.
    pub fn reply_later<T: Serialize + Send + 'static>(
        &mut self,
        to: ReplyTo,
        result: Result<T, E::Error>,
    ) {
        self.after_commit(move || to.send(result));
    }

    /// Hands `cmd` to entity `key` together with this step's caller: the
    /// other entity answers it.
    pub fn forward(&mut self, key: EntityKey, cmd: E::Command) {
        let reply = self.reply.take();
        // A refusal is answered through `reply`.
        let _ = self.router.send_mail(key, cmd, reply);
    }

    /// Sends `cmd` to entity `key` with no answer expected.
    pub fn tell(&self, key: EntityKey, cmd: E::Command) -> Result<(), ShardError> {
        self.router.tell(key, cmd)
    }

    /// Asks entity `key` once this step's writes are applied (so an answer
    /// given after the other entity's commit, on the same node, covers them
    /// too). `then` gets the answer, or the reason there is none, exactly
    /// once, on the answering thread; the command it returns, if any, comes
    /// back to this entity, and is always delivered, even to a full
    /// mailbox: it belongs to a request already admitted.
    pub fn ask_then<T>(
        &mut self,
        key: EntityKey,
        cmd: E::Command,
        then: impl FnOnce(Result<T, E::Error>) -> Option<E::Command> + Send + 'static,
    ) where
        T: DeserializeOwned + Send + 'static,
    {
        let reply = self.router.reply_back(self.key.clone(), then);
        let router = self.router.clone();
        self.after_apply(move || {
            // A refusal is answered through `reply`, which runs `then`.
            let _ = router.send_mail(key, cmd, Some(reply));
        });
    }

    /// Marks the step failed: its writes and actions are dropped.
    pub fn fail(&mut self, err: StoreError) {
        if self.failed.is_none() {
            self.failed = Some(err);
        }
    }
}
