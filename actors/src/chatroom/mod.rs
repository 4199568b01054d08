//! The Chatroom entity: one per chatroom of an app. Owns the room record
//! (its entity snapshot: settings, owner, admins, mute and block lists) and,
//! in memory only, who is present (members and their joined devices) and
//! the last few messages for devices that join. Messages are pushed to the
//! devices present right now through the node's [`RoomFanout`] and never
//! stored for anyone offline; the ack means "accepted for fan-out".
//!
//! - [`types`]: the record, priorities, operations and replies.
//! - [`presence`]: join and leave of devices, the present-device list.
//! - [`admin`]: create, settings, owner, admins, members, mute, block,
//!   delete.
//! - [`messages`]: sending to the room, admission by priority.
//! - [`fanout`]: the node's delivery queue and its shedding.

mod admin;
pub mod fanout;
mod messages;
mod presence;
mod types;

pub use fanout::{RoomFanout, RoomStats};
pub use types::*;

use crate::command::{answer, Command};
use crate::env::DomainEnv;
use crate::error::DomainError;
use crate::events::Event;
use crate::group::Actor;
use crate::message::{SendAck, StoredMessage};
use crate::session::{EventPush, Push, WeakSessionRef};
use crate::ChatEntity;
use fanout::FanoutJob;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{EntityKey, StepCtx, StoreError};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

/// A present member: the devices it joined with (none for a member the app
/// added over REST until one of its devices joins).
#[derive(Debug, Default)]
struct Member {
    devices: Vec<WeakSessionRef>,
}

pub struct RoomState {
    key: EntityKey,
    record: Option<RoomRecord>,
    members: BTreeMap<String, Member>,
    /// The last messages, oldest first, for devices that join.
    recent: VecDeque<Arc<StoredMessage>>,
    /// Last seq given out since the room's entity started.
    head: u64,
    /// Every joined device, rebuilt after a presence change.
    devices: Option<Arc<[WeakSessionRef]>>,
    fanout: Arc<RoomFanout>,
    /// Messages kept in `recent`.
    keep_recent: usize,
    /// Acks of the last keyed sends, for resends with the same id.
    resends: Resends,
}

/// Keyed sends a room remembers for idempotent resends.
pub const MAX_RESENDS: usize = 4096;

/// The acks of a room's last [`MAX_RESENDS`] sends that carried a
/// `client_msg_id`, by (sender, id); the oldest is forgotten first.
#[derive(Default)]
struct Resends {
    acks: HashMap<(String, String), SendAck>,
    order: VecDeque<(String, String)>,
}

impl Resends {
    fn get(&self, key: &(String, String)) -> Option<&SendAck> {
        self.acks.get(key)
    }

    fn remember(&mut self, key: (String, String), ack: SendAck) {
        if self.order.len() >= MAX_RESENDS {
            if let Some(old) = self.order.pop_front() {
                self.acks.remove(&old);
            }
        }
        self.order.push_back(key.clone());
        self.acks.insert(key, ack);
    }
}

impl RoomState {
    pub fn activate(
        key: &EntityKey,
        store: &ShardStore,
        env: &DomainEnv,
    ) -> Result<Self, StoreError> {
        Ok(RoomState {
            key: key.clone(),
            record: store.load_snapshot(key)?,
            members: BTreeMap::new(),
            recent: VecDeque::new(),
            head: 0,
            devices: None,
            fanout: env.rooms.clone(),
            keep_recent: env.limits.chatroom_recent,
            resends: Resends::default(),
        })
    }

    pub fn is_vacant(&self) -> bool {
        self.record.is_none()
    }

    /// A room with members present keeps its entity (presence lives in it).
    pub fn can_passivate(&self) -> bool {
        self.members.is_empty()
    }

    pub fn handle(&mut self, cmd: Command, ctx: &mut StepCtx<'_, ChatEntity>) {
        match cmd {
            Command::RoomManage { actor, op, reply } => {
                let result = self.manage(actor, op, ctx);
                // After the flush, reads included: nobody is shown a state
                // that a crash could still take back.
                ctx.after_commit(move || answer(reply, result));
            }
            Command::RoomJoin {
                user,
                session,
                reply,
            } => answer(reply, self.join(user, session)),
            Command::RoomLeave {
                user,
                session_id,
                reply,
            } => {
                let result = self.leave(&user, session_id);
                if let Some(reply) = reply {
                    answer(reply, result);
                }
            }
            Command::RoomSend(out) => self.send(*out, ctx),
            other => other.reject(DomainError::Internal),
        }
    }

    fn record(&self) -> Result<&RoomRecord, DomainError> {
        self.record.as_ref().ok_or(DomainError::RoomNotFound)
    }

    fn is_manager(&self, actor: &Actor) -> bool {
        match (actor, &self.record) {
            (Actor::App, _) => true,
            (Actor::User(u), Some(r)) => r.owner == *u || r.admins.contains(u),
            (Actor::User(_), None) => false,
        }
    }

    /// Refuses unless the actor is the app, the owner or an admin.
    fn need_manager(&self, actor: &Actor) -> Result<(), DomainError> {
        self.record()?;
        if self.is_manager(actor) {
            Ok(())
        } else {
            Err(DomainError::RoomPermission(
                "only the owner or an admin may do this".into(),
            ))
        }
    }

    fn need_owner(&self, actor: &Actor) -> Result<(), DomainError> {
        let r = self.record()?;
        match actor {
            Actor::App => Ok(()),
            Actor::User(u) if r.owner == *u => Ok(()),
            Actor::User(_) => Err(DomainError::RoomPermission(
                "only the owner may do this".into(),
            )),
        }
    }

    /// Members counted against `maxusers`: the owner and everyone present.
    fn member_count(&self) -> usize {
        let owner_listed = self
            .record
            .as_ref()
            .is_some_and(|r| self.members.contains_key(&r.owner));
        self.members.len() + usize::from(!owner_listed && self.record.is_some())
    }

    fn is_member(&self, user: &str) -> bool {
        self.members.contains_key(user) || self.record.as_ref().is_some_and(|r| r.owner == user)
    }

    /// Stages the room snapshot and its event.
    fn save_record(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        if let Some(r) = &self.record {
            ctx.save_snapshot(r);
            ctx.append_event(&Event::RoomUpdated {
                app: self.key.app.clone(),
                room: r.clone(),
            });
        }
    }

    /// An event for `to`'s devices (all present devices when `None`);
    /// events skip admission: the queue never refuses them.
    fn push_event(&mut self, kind: &'static str, user: &str, to: Option<Vec<WeakSessionRef>>) {
        let devices: Arc<[WeakSessionRef]> = match to {
            Some(list) => Arc::from(list),
            None => self.devices(),
        };
        let push = Push::Event(Arc::new(EventPush {
            kind,
            group: self.key.id.clone(),
            user: user.to_string(),
            chatroom: true,
        }));
        self.fanout.enqueue(FanoutJob {
            devices,
            push,
            priority: Priority::High,
            skip_session: None,
        });
    }

    /// An event about `user` for its own devices and the managers'.
    fn push_event_to_managers(&mut self, kind: &'static str, user: &str, extra: &[WeakSessionRef]) {
        let mut to: Vec<WeakSessionRef> = extra.to_vec();
        if let Some(r) = &self.record {
            // Owner and admins (at most 100), not a walk over every member:
            // this runs for each join of a large room.
            for name in std::iter::once(&r.owner).chain(r.admins.iter()) {
                if let Some(m) = self.members.get(name) {
                    to.extend(m.devices.iter().cloned());
                }
            }
        }
        self.push_event(kind, user, Some(to));
    }
}
