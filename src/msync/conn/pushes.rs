//! What a push from the user's entity (or a group or room) does to an
//! msync connection: a message becomes a notice of its queue (1:1,
//! groups) or a page (chatrooms); a kick becomes the kick page and a
//! close; receipts, recalls, edits, contact, group, room and presence
//! events become pages of a queue that holds nothing to pull.

use super::{Conn, Step, CLOSE_KICKED, MAX_QUEUES};
use crate::msync::proto::code::operation;
use crate::msync::proto::Meta;
use crate::msync::queue::Queue;
use crate::msync::{frames, muc, notify};
use imcloud_actors::message::ChatType;
use imcloud_actors::session::{KickReason, Push};

impl Conn {
    /// A push from the user's entity (or a group or room).
    pub fn push(&mut self, push: Push) -> Step {
        let now = self.now();
        let Some(me) = &self.me else {
            return Step::Write(Vec::new());
        };
        let (appkey, user) = (me.appkey.clone(), me.puller.user.to_string());
        match push {
            Push::Message(shared) => {
                let m = &shared.message;
                let queue = match m.chat {
                    // The user's own message from another device: nothing
                    // for this one (pulls leave it out too).
                    ChatType::Single if m.from == user => return Step::Write(Vec::new()),
                    ChatType::Single => Queue::User,
                    ChatType::Group => Queue::Group(m.to.clone()),
                    ChatType::Chatroom => {
                        let q = Queue::Room(m.to.clone());
                        if self.queues.len() >= MAX_QUEUES && !self.queues.contains_key(&q) {
                            return Step::Write(Vec::new());
                        }
                        let state = self.queues.entry(q.clone()).or_default();
                        let key = state
                            .issued
                            .map_or(m.msg_id, |i| i.max(m.msg_id).max(i + 1));
                        state.issued = Some(key);
                        let meta = frames::meta(&appkey, m);
                        return Step::Write(vec![frames::page(
                            q.jid(&appkey, &user),
                            vec![meta],
                            key,
                            now,
                        )]);
                    }
                };
                if self.queues.len() >= MAX_QUEUES && !self.queues.contains_key(&queue) {
                    return Step::Write(Vec::new());
                }
                let jid = queue.jid(&appkey, &user);
                let state = self.queues.entry(queue).or_default();
                state.generation += 1;
                if state.reading > 0 || state.noticed {
                    return Step::Write(Vec::new());
                }
                state.noticed = true;
                Step::Write(vec![frames::notice(jid)])
            }
            Push::Kick { reason } => {
                let op = match reason {
                    // Reconnect and resync: no logout for the SDK.
                    KickReason::Restarted => {
                        return Step::Close(Vec::new(), CLOSE_KICKED, "restarted")
                    }
                    KickReason::Replaced => operation::USER_LOGIN_ANOTHER_DEVICE,
                    KickReason::PasswordChanged => operation::USER_KICKED_BY_CHANGE_PASSWORD,
                    KickReason::UserDeleted | KickReason::Deactivated => operation::USER_REMOVED,
                    KickReason::ForcedLogout => operation::USER_KICKED_BY_OTHER_DEVICE,
                };
                let page =
                    frames::kick(Queue::User.jid(&appkey, &user), op, now.max(1) as u64, now);
                Step::Close(vec![page], CLOSE_KICKED, reason.as_str())
            }
            Push::Receipt(r) => {
                let peer = other_party(&user, &r.from, r.chat, &r.to);
                let id = self.node.env.msg_ids.next();
                self.event(peer, frames::receipt(&appkey, &r, id, now))
            }
            Push::Recall(r) => {
                let peer = other_party(&user, &r.from, r.chat, &r.to);
                let id = self.node.env.msg_ids.next();
                self.event(peer, frames::recall(&appkey, &r, id, now))
            }
            Push::Edit(m) => {
                let peer = other_party(&user, &m.from, m.chat, &m.to);
                let id = self.node.env.msg_ids.next();
                self.event(peer, frames::edit(&appkey, &m, id, now))
            }
            Push::Contact(c) => {
                let id = self.node.env.msg_ids.next();
                let meta = frames::contact(&appkey, &user, &c, id, now);
                self.event(Some(c.user.clone()), meta)
            }
            Push::Event(e) => {
                let id = self.node.env.msg_ids.next();
                match muc::event(&appkey, &user, &e, id, now) {
                    // Pushed on a queue named after the group or room,
                    // which holds nothing to pull (see `event`).
                    Some(meta) => self.event(Some(e.id.clone()), meta),
                    None => Step::Write(Vec::new()),
                }
            }
            Push::Presence(p) => {
                let id = self.node.env.msg_ids.next();
                let meta = notify::presence(&appkey, &user, &p, id, now);
                self.event(Some(p.user.clone()), meta)
            }
        }
    }

    /// An event that is not stored (a receipt, a recall, an edit, a
    /// contact event), pushed as a page of the peer queue of the other
    /// user it is about (`None`: not shown to this device). A peer queue
    /// holds nothing to pull: the SDK's pull that acknowledges the page is
    /// answered with the queue's empty last page. Its keys only move
    /// forward, as the SDK requires within one queue.
    fn event(&mut self, peer: Option<String>, meta: Meta) -> Step {
        let Some(me) = &self.me else {
            return Step::Write(Vec::new());
        };
        let Some(peer) = peer else {
            return Step::Write(Vec::new());
        };
        let (appkey, user) = (me.appkey.clone(), me.puller.user.to_string());
        let q = Queue::Peer(peer);
        if self.queues.len() >= MAX_QUEUES && !self.queues.contains_key(&q) {
            return Step::Write(Vec::new());
        }
        let id = meta.id.unwrap_or(1);
        let state = self.queues.entry(q.clone()).or_default();
        let key = state.issued.map_or(id, |i| i.max(id).max(i + 1));
        state.issued = Some(key);
        let page = frames::page(q.jid(&appkey, &user), vec![meta], key, self.now());
        Step::Write(vec![page])
    }
}

/// The user an event between `from` and `to` (a user, or a group) is
/// about, seen from `me`: the other user of a 1:1 conversation, or the
/// member who read, recalled or edited in a group. `None` when that is
/// `me` in a group (its own other devices are not told over msync).
fn other_party(me: &str, from: &str, chat: ChatType, to: &str) -> Option<String> {
    if from != me {
        Some(from.to_string())
    } else if chat == ChatType::Single && to != me {
        Some(to.to_string())
    } else {
        None
    }
}
