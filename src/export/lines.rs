//! An hour's export file, made while it is sent: each shard's archived
//! messages of the hour are read a page at a time and merged by time, each
//! becomes one JSON line (Easemob's record: `msg_id`, `timestamp`,
//! `direction`, `from`, `to`, `chat_type`, `payload`), and the lines go
//! through gzip in chunks. Memory is a page per shard and one chunk,
//! whatever the hour holds.

use crate::node::Node;
use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use futures_util::future::join_all;
use futures_util::Stream;
use imcloud_actors::message::{ChatType, StoredMessage};
use imcloud_actors::queries::ArchivePage;
use imcloud_actors::DomainError;
use serde_json::json;
use std::collections::VecDeque;
use std::io::Write;
use std::sync::Arc;

/// Messages asked of one shard at a time.
const PAGE: usize = 64;
/// Compressed bytes gathered before a chunk is sent.
const CHUNK: usize = 64 * 1024;

/// One shard's part of the merge.
struct ShardCursor {
    shard: u32,
    buffered: VecDeque<StoredMessage>,
    after: Option<(i64, u64)>,
    /// Its last page was short: nothing more after `buffered`.
    done: bool,
}

/// The state of one export as it is sent.
pub struct Export {
    node: Arc<Node>,
    app: String,
    from_ts: i64,
    until_ts: i64,
    shards: Vec<ShardCursor>,
    gzip: Option<GzEncoder<Vec<u8>>>,
}

impl Export {
    pub fn new(node: Arc<Node>, app: String, from_ts: i64, until_ts: i64) -> Export {
        let shards = (0..node.shard_count())
            .map(|shard| ShardCursor {
                shard,
                buffered: VecDeque::new(),
                after: None,
                done: false,
            })
            .collect();
        Export {
            node,
            app,
            from_ts,
            until_ts,
            shards,
            gzip: Some(GzEncoder::new(
                Vec::with_capacity(CHUNK * 2),
                Compression::fast(),
            )),
        }
    }

    /// Refills every shard whose buffer ran dry and that has more.
    async fn refill(&mut self) -> Result<(), DomainError> {
        if !self.shards.iter().any(|c| c.buffered.is_empty() && !c.done) {
            return Ok(());
        }
        let (node, app, from_ts, until_ts) = (&self.node, &self.app, self.from_ts, self.until_ts);
        let asks = self
            .shards
            .iter_mut()
            .filter(|c| c.buffered.is_empty() && !c.done)
            .map(|c| async move {
                let page: Vec<StoredMessage> = node
                    .ask_shard(
                        c.shard,
                        ArchivePage {
                            app: app.clone(),
                            from_ts,
                            until_ts,
                            after: c.after,
                            limit: PAGE,
                        },
                    )
                    .await?;
                c.done = page.len() < PAGE;
                if let Some(last) = page.last() {
                    c.after = Some((last.ts, last.msg_id));
                }
                c.buffered.extend(page);
                Ok::<_, DomainError>(())
            });
        for r in join_all(asks).await {
            r?;
        }
        Ok(())
    }

    /// The next message in time order, if any.
    async fn next_message(&mut self) -> Result<Option<StoredMessage>, DomainError> {
        self.refill().await?;
        let oldest = self
            .shards
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.buffered.front().map(|m| ((m.ts, m.msg_id), i)))
            .min()
            .map(|(_, i)| i);
        Ok(oldest.and_then(|i| self.shards[i].buffered.pop_front()))
    }

    /// The next compressed chunk; `None` once the file is complete.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, std::io::Error> {
        let Some(gzip) = self.gzip.as_ref() else {
            return Ok(None);
        };
        let mut filled = gzip.get_ref().len();
        while filled < CHUNK {
            let message = self.next_message().await.map_err(|e| {
                tracing::error!(app = %self.app, error = %e, "an export failed while reading");
                std::io::Error::other(format!("export failed: {e}"))
            })?;
            let Some(gzip) = self.gzip.as_mut() else {
                return Ok(None);
            };
            let Some(m) = message else {
                let rest = self.gzip.take().map(GzEncoder::finish).transpose()?;
                return Ok(rest.map(Bytes::from));
            };
            let mut line = serde_json::to_vec(&record(&m)).map_err(std::io::Error::other)?;
            line.push(b'\n');
            gzip.write_all(&line)?;
            filled = gzip.get_ref().len();
        }
        let out = self.gzip.as_mut().map(|g| std::mem::take(g.get_mut()));
        Ok(out.map(Bytes::from))
    }

    /// The file as a stream of chunks, for a response body.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
        futures_util::stream::unfold(self, |mut export| async move {
            match export.next_chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), export)),
                Ok(None) => None,
                Err(e) => {
                    // The stream ends after the error: a truncated gzip.
                    export.gzip = None;
                    Some((Err(e), export))
                }
            }
        })
    }
}

/// Easemob's export record of `m`.
fn record(m: &StoredMessage) -> serde_json::Value {
    let chat_type = match m.chat {
        ChatType::Single => "chat",
        ChatType::Group => "groupchat",
        ChatType::Chatroom => "chatroom",
    };
    json!({
        "msg_id": m.msg_id.to_string(),
        "timestamp": m.ts,
        "direction": "outgoing",
        "from": m.from,
        "to": m.to,
        "chat_type": chat_type,
        "payload": {
            "from": m.from,
            "to": m.to,
            "bodies": [m.body.as_ref()],
            "ext": m.ext.as_deref().cloned().unwrap_or_else(|| json!({})),
        },
    })
}
