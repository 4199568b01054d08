//! A device's view of the user's conversations: `history` pages, the
//! `conversations` list (the user's entity has the records; each group the
//! user is in adds its last message and count, for the unread figure),
//! `read` marks and `delivered` receipts. Everything is read from the
//! server's copy, so every device of a user sees the same.

use super::receipts::{Ask, Mark, ReceiptOf};
use super::Device;
use crate::error::ApiError;
use crate::groups::{group_id, group_key};
use crate::node::Node;
use futures_util::future::join_all;
use imcloud_actors::conversation::{HistoryPage, ReceiptKind};
use imcloud_actors::group::{GroupHistory, ReadMarkAt, SummaryFor};
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::{ChatType, StoredMessage};
use imcloud_actors::user::{
    ClearedMark, GetMessages, HiddenOf, History, ListConversations, MarkGroupRead, MarkRead,
    PeerReceipt,
};
use imcloud_actors::DomainError;
use imcloud_shards::EntityKey;
use std::cmp::Reverse;
use std::future::Future;
use std::sync::Arc;

/// Default and most conversations per page.
const CONVERSATIONS_DEFAULT: usize = 50;
const CONVERSATIONS_MAX: usize = 200;
/// Default messages per history page (the protocol's).
const HISTORY_DEFAULT: usize = 20;

/// One conversation as a device sees it.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub chat: ChatType,
    pub with: String,
    pub last: Option<Arc<StoredMessage>>,
    /// The last message's id (0 for none), for ordering.
    pub last_id: u64,
    pub unread: u64,
    /// The read mark: the id of the newest message read (messages with
    /// ids up to it are read); 0 for none.
    pub read_up_to: u64,
    /// 1:1: the newest of the user's messages the peer received / read.
    pub peer_delivered: u64,
    pub peer_read: u64,
    /// Last activity, ms: what the list is sorted by.
    pub ts: i64,
}

/// A page of conversations, newest activity first.
pub struct ConversationPage {
    pub conversations: Vec<Conversation>,
    /// Where the next page starts; `None` on the last page.
    pub cursor: Option<String>,
}

/// A msg id as clients write it (the decimal string of a u64).
pub fn msg_id(s: &str) -> Result<u64, ApiError> {
    s.parse::<u64>()
        .map_err(|_| DomainError::InvalidArgument(format!("`{s}` is not a msg_id")).into())
}

/// 1:1 or group: receipts, history and conversations are not kept for
/// chatrooms.
fn not_chatroom(chat: ChatType, what: &str) -> Result<(), ApiError> {
    match chat {
        ChatType::Chatroom => Err(DomainError::InvalidArgument(format!(
            "{what} is for 1:1 and group conversations, not chatrooms"
        ))
        .into()),
        _ => Ok(()),
    }
}

/// The sort key of a conversation: newest activity first (the time, then
/// the last message's id, which grows within a millisecond too), then by
/// kind and id.
type OrderKey = (Reverse<i64>, Reverse<u64>, u8, String);

fn order_key(c: &Conversation) -> OrderKey {
    let kind = match c.chat {
        ChatType::Group => b'g',
        _ => b's',
    };
    (Reverse(c.ts), Reverse(c.last_id), kind, c.with.clone())
}

/// `ts:last_id:kind:with`, the position after `c`.
fn cursor_of(c: &Conversation) -> String {
    let (Reverse(ts), Reverse(last), kind, with) = order_key(c);
    format!("{ts}:{last}:{}:{with}", kind as char)
}

fn parse_cursor(s: &str) -> Result<OrderKey, ApiError> {
    let bad = || {
        ApiError::from(DomainError::InvalidArgument(
            "bad conversations cursor".into(),
        ))
    };
    let mut parts = s.splitn(4, ':');
    let ts = parts
        .next()
        .and_then(|t| t.parse::<i64>().ok())
        .ok_or_else(bad)?;
    let last = parts
        .next()
        .and_then(|t| t.parse::<u64>().ok())
        .ok_or_else(bad)?;
    let kind = match parts.next() {
        Some("g") => b'g',
        Some("s") => b's',
        _ => return Err(bad()),
    };
    let with = parts.next().ok_or_else(bad)?.to_string();
    Ok((Reverse(ts), Reverse(last), kind, with))
}

/// Whose history and conversations are read: a device's user, or the
/// user a REST call acts for (the Web SDK's `getHistoryMessages` and
/// conversation lists).
pub struct Reader {
    pub node: Node,
    pub app: AppKey,
    pub user: UserId,
}

impl Reader {
    fn key(&self) -> EntityKey {
        self.app.user_key(&self.user)
    }

    /// A page of the conversation with `with` (a user or a group), older
    /// than the message `before` or from the newest.
    pub fn history(
        &self,
        chat: ChatType,
        with: &str,
        before: Option<u64>,
        limit: Option<usize>,
    ) -> Result<impl Future<Output = Result<HistoryPage, ApiError>> + 'static, ApiError> {
        not_chatroom(chat, "history")?;
        let limit = limit.unwrap_or(HISTORY_DEFAULT);
        let page: futures_util::future::BoxFuture<'static, _> = match chat {
            ChatType::Group => {
                let group = group_id(with)?;
                let mark = self.node.ask(
                    self.key(),
                    ClearedMark {
                        chat: ChatType::Group,
                        with: group.clone(),
                    },
                );
                let page = GroupPage {
                    node: self.node.clone(),
                    group_key: group_key(&self.app, &group),
                    user_key: self.key(),
                    user: self.user.to_string(),
                    group,
                    limit,
                };
                Box::pin(async move { page.read(before, mark.await?).await })
            }
            _ => Box::pin(self.node.ask(
                self.key(),
                History {
                    peer: super::user_id(with)?,
                    before,
                    limit,
                },
            )),
        };
        Ok(async move { Ok(page.await?) })
    }

    /// A page of the user's conversations after `cursor`.
    pub fn conversations(
        &self,
        limit: Option<usize>,
        cursor: Option<&str>,
    ) -> Result<impl Future<Output = Result<ConversationPage, ApiError>> + 'static, ApiError> {
        let after = cursor.map(parse_cursor).transpose()?;
        let limit = limit
            .unwrap_or(CONVERSATIONS_DEFAULT)
            .clamp(1, CONVERSATIONS_MAX);
        let (node, app, user) = (self.node.clone(), self.app.clone(), self.user.to_string());
        let key = self.key();
        let records = node.ask(key.clone(), ListConversations);
        Ok(async move {
            let entries = records.await?;
            let summaries = entries
                .iter()
                .filter(|e| e.chat == ChatType::Group)
                .map(|e| {
                    let ask = node.ask(
                        group_key(&app, &e.with),
                        SummaryFor {
                            user: user.clone(),
                            read_seq: e.record.read_seq,
                        },
                    );
                    let id = e.with.clone();
                    async move { (id, ask.await) }
                });
            let mut groups = std::collections::HashMap::new();
            for (id, summary) in join_all(summaries).await {
                match summary {
                    Ok(s) => {
                        groups.insert(id, s);
                    }
                    // The user's index was behind a leave or a dismissal.
                    Err(DomainError::NotMember(_) | DomainError::NotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            // 1:1 entries name their last message by seq: it is read for
            // the page only.
            let mut last_seqs = std::collections::HashMap::new();
            let mut list: Vec<Conversation> = entries
                .into_iter()
                .filter_map(|e| {
                    let r = e.record;
                    let (last, last_id, ts, unread) = match e.chat {
                        ChatType::Group => {
                            let g = groups.remove(&e.with)?;
                            let last_id = g.last.as_ref().map_or(0, |m| m.msg_id);
                            if r.hidden_up_to != 0 && last_id <= r.hidden_up_to {
                                // Deleted from the list; nothing newer since.
                                return None;
                            }
                            let (id, ts) = g.last.as_ref().map_or((0, r.ts), |m| (m.msg_id, m.ts));
                            (g.last, id, ts, g.counted.saturating_sub(r.read_counted))
                        }
                        _ => {
                            let l = e.last?;
                            last_seqs.insert(e.with.clone(), l.seq);
                            (None, l.msg_id, l.ts, e.unread)
                        }
                    };
                    Some(Conversation {
                        chat: e.chat,
                        with: e.with,
                        last,
                        last_id,
                        unread,
                        read_up_to: r.read_id,
                        peer_delivered: r.peer_delivered,
                        peer_read: r.peer_read,
                        ts,
                    })
                })
                .collect();
            list.sort_by_key(order_key);
            let start = match &after {
                Some(a) => list.partition_point(|c| &order_key(c) <= a),
                None => 0,
            };
            let mut page: Vec<Conversation> = list.drain(start..).take(limit + 1).collect();
            let cursor = if page.len() > limit {
                page.truncate(limit);
                page.last().map(cursor_of)
            } else {
                None
            };
            let seqs: Vec<u64> = page
                .iter()
                .filter(|c| c.chat == ChatType::Single)
                .filter_map(|c| last_seqs.get(&c.with).copied())
                .filter(|&seq| seq != 0)
                .collect();
            if !seqs.is_empty() {
                let found = node.ask(key, GetMessages { seqs }).await?;
                let by_seq: std::collections::HashMap<u64, Arc<StoredMessage>> =
                    found.into_iter().map(|m| (m.seq, m)).collect();
                for c in page.iter_mut().filter(|c| c.chat == ChatType::Single) {
                    c.last = last_seqs.get(&c.with).and_then(|s| by_seq.get(s)).cloned();
                }
            }
            Ok(ConversationPage {
                conversations: page,
                cursor,
            })
        })
    }
}

impl Device {
    /// The session's user as a [`Reader`].
    fn reader(&self) -> Result<Reader, ApiError> {
        let s = self.session()?;
        Ok(Reader {
            node: self.node.clone(),
            app: s.app.clone(),
            user: s.user.clone(),
        })
    }

    /// A page of the conversation with `with` (a user or a group), older
    /// than the message `before` or from the newest.
    pub fn history(
        &self,
        chat: ChatType,
        with: &str,
        before: Option<&str>,
        limit: Option<usize>,
    ) -> Result<impl Future<Output = Result<HistoryPage, ApiError>> + 'static, ApiError> {
        let before = before.map(msg_id).transpose()?;
        self.reader()?.history(chat, with, before, limit)
    }

    /// A page of the user's conversations after `cursor`.
    pub fn conversations(
        &self,
        limit: Option<usize>,
        cursor: Option<&str>,
    ) -> Result<impl Future<Output = Result<ConversationPage, ApiError>> + 'static, ApiError> {
        self.reader()?.conversations(limit, cursor)
    }

    /// The user read the conversation with `to` up to `msg_id` (or all).
    pub fn read(
        &self,
        chat: ChatType,
        to: &str,
        msg_id: Option<&str>,
    ) -> Result<impl Future<Output = Result<(), ApiError>> + 'static, ApiError> {
        not_chatroom(chat, "read")?;
        let s = self.session()?;
        let msg_id = msg_id.map(self::msg_id).transpose()?;
        let session = Some(s.addr.id);
        // Checked now; the `Ask` is made only if this receipt goes first.
        let target = match chat {
            ChatType::Group => Ok(group_id(to)?),
            _ => Err(super::user_id(to)?),
        };
        let ask = || -> Ask {
            let (node, key) = (self.node.clone(), s.key.clone());
            match target {
                Ok(group) => {
                    let (at, user) = (group_key(&s.app, &group), s.user.to_string());
                    Arc::new(move |msg_id| {
                        let mark = node.ask(
                            at.clone(),
                            ReadMarkAt {
                                user: user.clone(),
                                msg_id,
                            },
                        );
                        let (node, key, group) = (node.clone(), key.clone(), group.clone());
                        Box::pin(async move {
                            let read = MarkGroupRead {
                                group,
                                mark: mark.await?,
                                session,
                            };
                            node.ask(key, read).await
                        })
                    })
                }
                Err(peer) => Arc::new(move |msg_id| {
                    let read = MarkRead {
                        peer: peer.clone(),
                        msg_id,
                        session,
                    };
                    Box::pin(node.ask(key.clone(), read))
                }),
            }
        };
        // Submitted now, not when the reply is awaited: a read sent just
        // before the socket closes still lands.
        let conv = ReceiptOf {
            mark: Mark::Read,
            chat,
            with: to.to_string(),
        };
        let done = self.receipts.submit(conv, msg_id, ask);
        Ok(async move { Ok(done.await?) })
    }

    /// This device received the 1:1 message `msg_id` from `to`: the
    /// sender's devices get a `delivered` receipt.
    pub fn delivered(
        &self,
        chat: ChatType,
        to: &str,
        msg_id: &str,
    ) -> Result<impl Future<Output = Result<(), ApiError>> + 'static, ApiError> {
        if chat != ChatType::Single {
            return Err(DomainError::InvalidArgument(
                "delivery receipts are for 1:1 messages".into(),
            )
            .into());
        }
        let s = self.session()?;
        let msg_id = self::msg_id(msg_id)?;
        let sender = imcloud_actors::ids::UserId::parse(to)?;
        let ask = || -> Ask {
            let sender = s.app.user_key(&sender);
            let (node, from) = (self.node.clone(), s.user.to_string());
            Arc::new(move |msg_id| {
                let receipt = PeerReceipt {
                    kind: ReceiptKind::Delivered,
                    from: from.clone(),
                    // A delivery always names a message.
                    msg_id: msg_id.unwrap_or_default(),
                };
                Box::pin(node.ask(sender.clone(), receipt))
            })
        };
        let conv = ReceiptOf {
            mark: Mark::Delivered,
            chat,
            with: to.to_string(),
        };
        let done = self.receipts.submit(conv, Some(msg_id), ask);
        Ok(async move { Ok(done.await?) })
    }
}

impl Device {
    /// Recalls the message `msg_id` of the conversation with `to`: one of
    /// the user's own, or in a group one the user manages.
    pub fn recall(
        &self,
        chat: ChatType,
        to: &str,
        msg_id: &str,
    ) -> Result<impl Future<Output = Result<(), ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let req = crate::recall::RecallRequest {
            chat,
            from: s.user.to_string(),
            to: to.to_string(),
            msg_id: self::msg_id(msg_id)?,
            by: crate::recall::Recaller::Device(s.user.clone()),
        };
        let (node, app) = (self.node.clone(), s.app.clone());
        Ok(async move { node.recall(&app, req).await })
    }
}

impl Device {
    /// Edits the user's own `txt` or `custom` message `msg_id` of the
    /// conversation with `to`.
    pub fn edit(
        &self,
        chat: ChatType,
        to: &str,
        msg_id: &str,
        edit: imcloud_actors::conversation::Edit,
    ) -> Result<impl Future<Output = Result<(), ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let req = crate::edit::EditRequest {
            chat: Some(chat),
            from: s.user.clone(),
            to: Some(to.to_string()),
            msg_id: self::msg_id(msg_id)?,
            edit,
        };
        let (node, app) = (self.node.clone(), s.app.clone());
        Ok(async move { node.edit(&app, req).await })
    }
}

impl Device {
    /// How many members have read the group message `msg_id` (sent with
    /// `need_group_ack`): for its sender, the owner and admins.
    pub fn group_read_count(
        &self,
        group: &str,
        msg_id: &str,
    ) -> Result<impl Future<Output = Result<u64, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let ask = imcloud_actors::group::GroupReadCount {
            user: s.user.to_string(),
            msg_id: self::msg_id(msg_id)?,
        };
        let count = self.node.ask(group_key(&s.app, &group_id(group)?), ask);
        Ok(async move { Ok(count.await?) })
    }
}

/// Older pages read to fill a group history page the member's hidden
/// messages (H3) thinned.
const HIDDEN_REFILLS: usize = 4;

/// One page of a member's history of a group: the group's page past the
/// member's cleared mark, less the messages the member hid, topped up
/// from older pages a few times at most.
struct GroupPage {
    node: crate::node::Node,
    group_key: imcloud_shards::EntityKey,
    user_key: imcloud_shards::EntityKey,
    user: String,
    group: String,
    limit: usize,
}

impl GroupPage {
    async fn read(
        self,
        mut before: Option<u64>,
        cleared_up_to: u64,
    ) -> Result<HistoryPage, DomainError> {
        let mut page = HistoryPage {
            messages: Vec::new(),
            more: false,
        };
        for _ in 0..HIDDEN_REFILLS {
            let history = GroupHistory {
                user: self.user.clone(),
                before,
                limit: self.limit,
                cleared_up_to,
            };
            let got = self.node.ask(self.group_key.clone(), history).await?;
            before = got.messages.first().map(|m| m.msg_id);
            let hidden = self
                .node
                .ask(
                    self.user_key.clone(),
                    HiddenOf {
                        group: self.group.clone(),
                        msg_ids: got.messages.iter().map(|m| m.msg_id).collect(),
                    },
                )
                .await?;
            let mut older: Vec<_> = got
                .messages
                .into_iter()
                .filter(|m| !hidden.contains(&m.msg_id))
                .collect();
            let room = self.limit.saturating_sub(page.messages.len());
            // Oldest first: what does not fit is the oldest.
            page.more = got.more || older.len() > room;
            if older.len() > room {
                older.drain(..older.len() - room);
            }
            older.append(&mut page.messages);
            page.messages = older;
            if page.messages.len() >= self.limit || !got.more || before.is_none() {
                break;
            }
        }
        Ok(page)
    }
}
