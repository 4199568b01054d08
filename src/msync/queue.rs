//! Queues: what an msync device pulls. imcloud names one queue per
//! stream a device reads: the user's own timeline (the user's JID, no
//! resource), each of its groups (the group's JID), and each chatroom it
//! joined (the room's JID; rooms keep nothing to pull, their messages are
//! pushed as pages). A pull reads the stream after the device's cursor,
//! which the user's entity keeps per resource (`MsyncCursor`), and leaves
//! out the user's own messages (the sending device has them). Events that
//! are not stored (receipts, recalls, edits, contact events) are pushed as
//! pages of the queue named by the other user of the event (a peer
//! queue), which holds nothing to pull either.

use super::frames::{jid, CONFERENCE_DOMAIN, USER_DOMAIN};
use super::proto::Jid;
use crate::node::Node;
use imcloud_actors::group::SyncGroup;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::{StoredMessage, SyncPage};
use imcloud_actors::trees::msync_cursors::{GROUP_STREAM, USER_STREAM};
use imcloud_actors::user::{MsyncCursor, MsyncCursors, SyncUser};
use imcloud_actors::DomainError;
use std::collections::HashMap;
use std::sync::Arc;

/// Pages of only the user's own messages skipped in one pull before it
/// answers (the cursor has moved past them; the next pull goes on).
const MAX_SKIPPED_PAGES: usize = 20;

/// A queue, as the server names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Queue {
    /// The user's own timeline.
    User,
    Group(String),
    Room(String),
    /// Another user's JID: where events about that user are pushed.
    Peer(String),
    /// A JID this server never named as a queue: it holds nothing.
    Other,
}

impl Queue {
    pub fn jid(&self, appkey: &str, me: &str) -> Jid {
        match self {
            Queue::User | Queue::Other => jid(appkey, me, USER_DOMAIN),
            Queue::Peer(name) => jid(appkey, name, USER_DOMAIN),
            Queue::Group(id) | Queue::Room(id) => jid(appkey, id, CONFERENCE_DOMAIN),
        }
    }

    /// The queue a JID names for user `me`; `rooms` says which
    /// conference names are rooms this connection was given pages of.
    pub fn of(q: &Jid, me: &str, is_room: impl Fn(&str) -> bool) -> Queue {
        let name = q.name.as_deref().unwrap_or_default();
        let conference = q
            .domain
            .as_deref()
            .is_some_and(|d| d.contains("conference"));
        match (conference, name) {
            (false, n) if n == me => Queue::User,
            (false, "") | (true, "") => Queue::Other,
            (false, n) => Queue::Peer(n.to_string()),
            (true, n) if is_room(n) => Queue::Room(n.to_string()),
            (true, n) => Queue::Group(n.to_string()),
        }
    }

    /// The cursor's stream name at the user's entity.
    fn stream(&self) -> Option<String> {
        match self {
            Queue::User => Some(USER_STREAM.to_string()),
            Queue::Group(id) => Some(format!("{GROUP_STREAM}{id}")),
            Queue::Room(_) | Queue::Peer(_) | Queue::Other => None,
        }
    }
}

/// Who pulls: the device's app, user and resource.
#[derive(Clone)]
pub struct Puller {
    pub node: Node,
    pub app: AppKey,
    pub user: UserId,
    pub resource: String,
}

/// What a pull found: messages for the device (oldest first) and the key
/// that acknowledges them; no messages means the queue is done.
pub struct Pulled {
    pub messages: Vec<Arc<StoredMessage>>,
    pub next_key: u64,
}

impl Puller {
    async fn cursor(&self, stream: String, ack: Option<u64>) -> Result<Option<u64>, DomainError> {
        let key = self.app.user_key(&self.user);
        let req = MsyncCursor {
            resource: self.resource.clone(),
            stream,
            ack,
        };
        Ok(self.node.ask(key, req).await?.cursor)
    }

    async fn read(
        &self,
        queue: &Queue,
        after: Option<u64>,
        limit: usize,
    ) -> Result<SyncPage, DomainError> {
        match queue {
            Queue::Group(id) => {
                let req = SyncGroup {
                    user: self.user.to_string(),
                    after,
                    limit,
                };
                self.node
                    .ask(crate::groups::group_key(&self.app, id), req)
                    .await
            }
            _ => {
                let req = SyncUser {
                    after: after.unwrap_or(0),
                    limit,
                };
                self.node.ask(self.app.user_key(&self.user), req).await
            }
        }
    }

    /// Acknowledges `queue` up to `ack` and reads what follows.
    pub async fn pull(
        &self,
        queue: &Queue,
        ack: Option<u64>,
        limit: usize,
    ) -> Result<Pulled, DomainError> {
        let Some(stream) = queue.stream() else {
            return Ok(Pulled {
                messages: Vec::new(),
                next_key: 0,
            });
        };
        let mut after = self.cursor(stream.clone(), ack).await?;
        let me = self.user.as_str();
        for _ in 0..MAX_SKIPPED_PAGES {
            let page = self.read(queue, after, limit).await?;
            let messages: Vec<_> = page.messages.into_iter().filter(|m| m.from != me).collect();
            if !messages.is_empty() || !page.more {
                return Ok(Pulled {
                    messages,
                    next_key: page.cursor,
                });
            }
            // Only the user's own messages: past them for good.
            after = self.cursor(stream.clone(), Some(page.cursor)).await?;
        }
        Ok(Pulled {
            messages: Vec::new(),
            next_key: after.unwrap_or(0),
        })
    }

    /// The queues holding something after the device's cursors, with
    /// (about) how much: the user's timeline, then each group.
    pub async fn unread(&self) -> Result<Vec<(Queue, u32)>, DomainError> {
        let key = self.app.user_key(&self.user);
        let req = MsyncCursors {
            resource: self.resource.clone(),
        };
        let ((head, cursors), groups) = futures_util::try_join!(
            self.node.ask(key, req),
            self.node.user_groups(&self.app, &self.user)
        )?;
        let cursors: HashMap<String, u64> = cursors.into_iter().collect();
        let mut out = Vec::new();
        let own = cursors.get(USER_STREAM).copied().unwrap_or(0);
        if head > own {
            out.push((Queue::User, u32::try_from(head - own).unwrap_or(u32::MAX)));
        }
        let probes = groups.into_iter().map(|(g, _)| {
            let after = cursors.get(&format!("{GROUP_STREAM}{g}")).copied();
            let q = Queue::Group(g);
            async move {
                let page = self.read(&q, after, 1).await;
                (q, page)
            }
        });
        for (q, page) in futures_util::future::join_all(probes).await {
            match page {
                Ok(p) if !p.messages.is_empty() => out.push((q, 1)),
                // Left since the user's index was read, or nothing new.
                Ok(_) | Err(DomainError::NotMember(_) | DomainError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jid_names_the_users_queue_a_peer_a_group_a_room_or_nothing() {
        let rooms = |n: &str| n == "r1";
        let q = |name: &str, domain: &str| Queue::of(&jid("o#a", name, domain), "bob", rooms);
        assert_eq!(q("bob", USER_DOMAIN), Queue::User);
        assert_eq!(q("alice", USER_DOMAIN), Queue::Peer("alice".into()));
        assert_eq!(q("", USER_DOMAIN), Queue::Other);
        assert_eq!(Queue::Peer("alice".into()).stream(), None);
        assert_eq!(q("g1", CONFERENCE_DOMAIN), Queue::Group("g1".into()));
        assert_eq!(q("r1", CONFERENCE_DOMAIN), Queue::Room("r1".into()));
        assert_eq!(
            Queue::User.jid("o#a", "bob"),
            jid("o#a", "bob", USER_DOMAIN)
        );
    }
}
