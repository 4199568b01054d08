//! A shard's replicated log on JetStream, with the handoff of
//! `docs/cluster.md` (checked as `model/handoff.pml`): a node catches up on
//! the shard's records, then appends a claim naming the last sequence it
//! read; every append names the last sequence its writer knows
//! (`Nats-Expected-Last-Subject-Sequence`), so once another node's claim is
//! in, a deposed writer's appends are refused however long it was paused.
//!
//! Shards share streams: one stream per range of `shards_per_stream`
//! shards, one subject per shard (`{name}.log.{range}.{shard}`). The fence
//! is per subject, so shards in one stream never fence each other, and the
//! stream count stays small (never a stream or consumer per user).
//!
//! A record is one byte of kind, then the writing node's id (two bytes,
//! big-endian), then, for a round, the bytes of one commit round as the
//! shard wrote it locally. Naming the writer in every record lets anyone
//! reading a log check that each round was written by the node whose claim
//! came last before it.

use crate::placement::ShardId;
use crate::ring::NodeId;
use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{self, LastRawMessageErrorKind};
use async_nats::jetstream::Context;
use bytes::Bytes;
use futures_util::StreamExt;
use std::time::Duration;

const CLAIM: u8 = 0;
const ROUND: u8 = 1;

/// How many times [`ShardLogs::take`] reads on and claims again while
/// another node keeps appending, before it gives up.
const CLAIM_ATTEMPTS: u32 = 50;

/// One record of a shard's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEntry {
    /// `node` serves the shard from here on.
    Claim { node: NodeId },
    /// One commit round of the shard, written by `node`.
    Round { node: NodeId, body: Bytes },
}

/// A record and its stream sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub seq: u64,
    pub entry: LogEntry,
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Another node claimed the shard after this writer's last append (or,
    /// for a claim, appended after the sequence the claimer read to).
    #[error("shard {shard}: another node wrote to its log first (fenced)")]
    Fenced { shard: ShardId },
    #[error("shard {shard}: other nodes kept appending; gave up claiming after {CLAIM_ATTEMPTS} attempts")]
    Contended { shard: ShardId },
    #[error("shard {shard}: record {seq} of its log is unreadable")]
    Corrupt { shard: ShardId, seq: u64 },
    #[error("shard log on NATS: {0}")]
    Nats(String),
}

fn nats(e: impl std::fmt::Display) -> LogError {
    LogError::Nats(e.to_string())
}

/// The shard logs of one cluster.
#[derive(Clone)]
pub struct ShardLogs {
    js: Context,
    name: String,
    shards_per_stream: u32,
    /// Each range's stream, as `open` made it: looked up once, not per
    /// read (the holders check their shards' last records every second).
    streams: std::sync::Arc<Vec<stream::Stream>>,
}

/// How the logs' streams are made.
#[derive(Debug, Clone)]
pub struct LogConfig {
    /// The cluster's name, the prefix of every stream and subject.
    pub name: String,
    pub shard_count: u32,
    pub shards_per_stream: u32,
    /// NATS servers holding each record (1 on a single NATS server).
    pub replicas: usize,
    /// How far back a log reaches; older records are covered by snapshots.
    pub max_age: Duration,
}

impl ShardLogs {
    /// Connects to NATS at `urls` and opens the logs (see [`Self::open`]).
    pub async fn connect(urls: &[String], config: LogConfig) -> Result<ShardLogs, LogError> {
        let client = async_nats::connect(urls.join(",")).await.map_err(nats)?;
        Self::open(async_nats::jetstream::new(client), config).await
    }

    /// Creates (or updates) the streams for every shard range.
    pub async fn open(js: Context, config: LogConfig) -> Result<ShardLogs, LogError> {
        let per = config.shards_per_stream.max(1);
        let ranges = config.shard_count.div_ceil(per);
        let mut streams = Vec::with_capacity(ranges as usize);
        for range in 0..ranges {
            let name = format!("{}_log_{range}", config.name);
            js.create_or_update_stream(stream::Config {
                name: name.clone(),
                subjects: vec![format!("{}.log.{range}.*", config.name)],
                num_replicas: config.replicas.max(1),
                max_age: config.max_age,
                // Rebuilds read by sequence; direct gets serve the last
                // record of a subject from any replica.
                allow_direct: true,
                ..Default::default()
            })
            .await
            .map_err(nats)?;
            streams.push(js.get_stream(name).await.map_err(nats)?);
        }
        Ok(ShardLogs {
            js,
            name: config.name,
            shards_per_stream: per,
            streams: std::sync::Arc::new(streams),
        })
    }

    /// The JetStream context the logs live in.
    pub fn context(&self) -> &Context {
        &self.js
    }

    fn subject(&self, shard: ShardId) -> String {
        format!(
            "{}.log.{}.{shard}",
            self.name,
            shard / self.shards_per_stream
        )
    }

    fn stream(&self, shard: ShardId) -> Result<&stream::Stream, LogError> {
        self.streams
            .get((shard / self.shards_per_stream) as usize)
            .ok_or_else(|| LogError::Nats(format!("shard {shard} has no log stream")))
    }

    /// The sequence of the shard's last record, 0 when it has none.
    pub async fn last_seq(&self, shard: ShardId) -> Result<u64, LogError> {
        Ok(self.last_record(shard).await?.map_or(0, |(seq, _)| seq))
    }

    /// The sequence and writer of the shard's last record (`None` when it
    /// has none): a node holding the shard learns from it that another
    /// node claimed it since.
    pub async fn last_writer(&self, shard: ShardId) -> Result<Option<(u64, NodeId)>, LogError> {
        let Some((seq, body)) = self.last_record(shard).await? else {
            return Ok(None);
        };
        match decode(&body) {
            Some(LogEntry::Claim { node } | LogEntry::Round { node, .. }) => Ok(Some((seq, node))),
            None => Err(LogError::Corrupt { shard, seq }),
        }
    }

    /// The shard's last record, as its sequence and bytes.
    async fn last_record(&self, shard: ShardId) -> Result<Option<(u64, Bytes)>, LogError> {
        match self
            .stream(shard)?
            .get_last_raw_message_by_subject(&self.subject(shard))
            .await
        {
            Ok(message) => Ok(Some((message.sequence, message.payload))),
            Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(None),
            Err(e) => Err(nats(e)),
        }
    }

    /// Hands `apply` every record of the shard after sequence `after`, in
    /// order, up to the last one there was when the read began; returns
    /// the sequence read to (`after` when there was nothing new).
    pub async fn read(
        &self,
        shard: ShardId,
        after: u64,
        mut apply: impl FnMut(LogRecord),
    ) -> Result<u64, LogError> {
        let last = self.last_seq(shard).await?;
        if last <= after {
            return Ok(after);
        }
        let consumer = self
            .stream(shard)?
            .create_consumer(pull::OrderedConfig {
                filter_subject: self.subject(shard),
                deliver_policy: DeliverPolicy::ByStartSequence {
                    start_sequence: after + 1,
                },
                ..Default::default()
            })
            .await
            .map_err(nats)?;
        let mut messages = consumer.messages().await.map_err(nats)?;
        let mut read_to = after;
        while read_to < last {
            let message = match messages.next().await {
                Some(Ok(message)) => message,
                Some(Err(e)) => return Err(nats(e)),
                None => return Err(LogError::Nats("the log's consumer ended early".into())),
            };
            let seq = message.info().map_err(nats)?.stream_sequence;
            let entry = decode(&message.payload).ok_or(LogError::Corrupt { shard, seq })?;
            apply(LogRecord { seq, entry });
            read_to = seq;
        }
        Ok(read_to)
    }

    /// Appends a claim by `node`, valid only if the shard's last record is
    /// still `expected` (the sequence `node` read to).
    pub async fn claim(
        &self,
        shard: ShardId,
        node: NodeId,
        expected: u64,
    ) -> Result<ShardWriter, LogError> {
        let mut body = Vec::with_capacity(3);
        body.push(CLAIM);
        body.extend_from_slice(&node.to_be_bytes());
        let seq = publish(&self.js, self.subject(shard), shard, expected, body.into()).await?;
        Ok(ShardWriter {
            js: self.js.clone(),
            subject: self.subject(shard),
            shard,
            node,
            last: seq,
        })
    }

    /// Takes the shard for `node`: reads on from `synced` (the sequence its
    /// local store holds), then claims; while another node's appends land
    /// between the read and the claim, reads on and claims again. `apply`
    /// sees every record the taker did not hold.
    pub async fn take(
        &self,
        shard: ShardId,
        node: NodeId,
        synced: u64,
        mut apply: impl FnMut(LogRecord),
    ) -> Result<ShardWriter, LogError> {
        let mut synced = synced;
        for _ in 0..CLAIM_ATTEMPTS {
            synced = self.read(shard, synced, &mut apply).await?;
            match self.claim(shard, node, synced).await {
                Ok(writer) => return Ok(writer),
                Err(LogError::Fenced { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(LogError::Contended { shard })
    }
}

/// The right to append to one shard's log, held by the node whose claim
/// was the last one in. It loses that right, silently, when another node
/// claims; its next append then fails with [`LogError::Fenced`], and the
/// node must stop serving the shard and discard its local copy of it.
pub struct ShardWriter {
    js: Context,
    subject: String,
    shard: ShardId,
    node: NodeId,
    last: u64,
}

impl ShardWriter {
    /// Appends one commit round; answers its sequence once the stream has
    /// stored it (on a quorum of its replicas).
    pub async fn append(&mut self, round: &[u8]) -> Result<u64, LogError> {
        let mut body = Vec::with_capacity(round.len() + 3);
        body.push(ROUND);
        body.extend_from_slice(&self.node.to_be_bytes());
        body.extend_from_slice(round);
        let seq = publish(
            &self.js,
            self.subject.clone(),
            self.shard,
            self.last,
            body.into(),
        )
        .await?;
        self.last = seq;
        Ok(seq)
    }

    /// The sequence of this writer's last record.
    pub fn last_seq(&self) -> u64 {
        self.last
    }
}

async fn publish(
    js: &Context,
    subject: String,
    shard: ShardId,
    expected: u64,
    body: Bytes,
) -> Result<u64, LogError> {
    let message = PublishMessage::build()
        .payload(body)
        .expected_last_subject_sequence(expected);
    let ack = js
        .send_publish(subject, message)
        .await
        .map_err(|e| publish_error(shard, e))?;
    let ack = ack.await.map_err(|e| publish_error(shard, e))?;
    Ok(ack.sequence)
}

fn publish_error(shard: ShardId, e: async_nats::jetstream::context::PublishError) -> LogError {
    if e.kind() == PublishErrorKind::WrongLastSequence {
        LogError::Fenced { shard }
    } else {
        nats(e)
    }
}

fn decode(body: &[u8]) -> Option<LogEntry> {
    match body.split_first()? {
        (&CLAIM, rest) => {
            let node: [u8; 2] = rest.try_into().ok()?;
            Some(LogEntry::Claim {
                node: NodeId::from_be_bytes(node),
            })
        }
        (&ROUND, rest) => {
            let (node, body) = rest.split_first_chunk::<2>()?;
            Some(LogEntry::Round {
                node: NodeId::from_be_bytes(*node),
                body: Bytes::copy_from_slice(body),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_decode_and_anything_else_is_refused() {
        assert_eq!(decode(&[CLAIM, 1, 2]), Some(LogEntry::Claim { node: 258 }));
        assert_eq!(
            decode(&[ROUND, 0, 3, 7, 8]),
            Some(LogEntry::Round {
                node: 3,
                body: Bytes::from_static(&[7, 8])
            })
        );
        assert_eq!(
            decode(&[ROUND, 0, 3]),
            Some(LogEntry::Round {
                node: 3,
                body: Bytes::new()
            })
        );
        assert_eq!(decode(&[ROUND, 1]), None);
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[CLAIM, 1]), None);
        assert_eq!(decode(&[9, 1, 2]), None);
    }
}
