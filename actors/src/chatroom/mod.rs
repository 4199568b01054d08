//! The Chatroom entity: one per chatroom of an app. Owns the room record
//! (its entity snapshot: settings and the shared [`Roster`]) and, in memory
//! only, who is present (members and their joined devices) and the last few
//! messages for devices that join. Messages are pushed to the devices
//! present right now through the node's [`RoomFanout`] and never stored for
//! anyone offline; the ack means "accepted for fan-out". Events about a
//! change go out after the change's commit.
//!
//! - [`commands`]: what the entity is asked.
//! - [`types`]: the record, priorities, view, operations and replies.
//! - [`presence`]: join and leave of devices, the present-device list.
//! - [`admin`]: create, settings, owner, admins, members, mute, block,
//!   delete.
//! - [`messages`]: sending to the room, admission by priority.
//! - [`fanout`]: the node's delivery queue and its shedding.

mod admin;
pub mod commands;
pub mod fanout;
mod messages;
mod presence;
mod recall;
mod resends;
mod types;

pub use commands::*;
pub use fanout::{RoomFanout, RoomStats};
pub use types::*;

use crate::command::Answer;
use crate::env::DomainEnv;
use crate::events::Event;
use crate::message::StoredMessage;
use crate::roster::{Audience, Members, RosterEvent, Scope};
use crate::session::{EventPush, Push, WeakSessionRef};
use crate::ChatEntity;
use fanout::FanoutJob;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{EntityKey, StepCtx, StoreError};
use resends::Resends;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

const SCOPE: Scope = Scope::Chatroom;

/// A present member: the devices it joined with (none for a member the app
/// added over REST until one of its devices joins).
#[derive(Debug, Default)]
struct Member {
    devices: Vec<WeakSessionRef>,
}

/// Who is present, by name.
#[derive(Debug, Default)]
struct Present(BTreeMap<String, Member>);

impl Members for Present {
    fn contains(&self, user: &str) -> bool {
        self.0.contains_key(user)
    }
}

pub struct RoomState {
    key: EntityKey,
    record: Option<RoomRecord>,
    members: Present,
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

impl RoomState {
    pub fn activate(
        key: &EntityKey,
        store: &ShardStore,
        env: &DomainEnv,
    ) -> Result<Self, StoreError> {
        Ok(RoomState {
            key: key.clone(),
            record: store.load_snapshot(key)?,
            members: Present::default(),
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
        self.members.0.is_empty()
    }

    pub fn handle(&mut self, cmd: RoomCmd, ctx: &mut StepCtx<'_, ChatEntity>) {
        match cmd {
            RoomCmd::ManageRoom(m) => {
                let result = self.manage(m.actor, m.op, ctx);
                // After the flush, reads included: nobody is shown a state
                // that a crash could still take back.
                ctx.answer::<ManageRoom>(result);
            }
            RoomCmd::JoinRoom(j) => {
                let result = self.join(j, ctx);
                ctx.answer_now::<JoinRoom>(result);
            }
            RoomCmd::LeaveRoom(l) => {
                let result = self.leave(&l.user, l.session, ctx);
                ctx.answer_now::<LeaveRoom>(result);
            }
            RoomCmd::PostToRoom(PostToRoom(post)) => self.post(post, ctx),
            RoomCmd::RecallInRoom(r) => self.recall(r, ctx),
        }
    }

    fn record(&self) -> Result<&RoomRecord, crate::DomainError> {
        self.record
            .as_ref()
            .ok_or(crate::DomainError::NotFound(SCOPE))
    }

    /// Members counted against `maxusers`: the owner and everyone present.
    fn member_count(&self) -> usize {
        let owner_listed = self
            .record
            .as_ref()
            .is_some_and(|r| self.members.0.contains_key(&r.roster.owner));
        self.members.0.len() + usize::from(!owner_listed && self.record.is_some())
    }

    fn is_member(&self, user: &str) -> bool {
        self.members.0.contains_key(user)
            || self.record.as_ref().is_some_and(|r| r.roster.owner == user)
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

    /// Queues a `muc` post-send event (§8.4, `is_chatroom` true):
    /// `operation` about `user`, or about the owner for a change of the
    /// whole room. The event is in this step's batch, so it is on disk
    /// with the change (or, for presence, which is not stored, with the
    /// step that made it).
    fn report_muc(&self, operation: &str, user: &str, ctx: &mut StepCtx<'_, ChatEntity>) {
        let user = match (user, &self.record) {
            ("", Some(r)) => r.roster.owner.clone(),
            _ => user.to_string(),
        };
        let (room, operation) = (self.key.id.clone(), operation.to_string());
        crate::hooks::emit_new(ctx, &self.key.app, |event_id| {
            crate::hooks::HookEvent::Muc {
                chat: crate::message::ChatType::Chatroom,
                group: room,
                operation,
                user,
                event_id,
            }
        });
    }

    /// The joined devices of `users`.
    fn devices_of<'a>(&self, users: impl Iterator<Item = &'a String>) -> Vec<WeakSessionRef> {
        users
            .filter_map(|u| self.members.0.get(u))
            .flat_map(|m| m.devices.iter().cloned())
            .collect()
    }

    /// Delivers `event` after the commit to its audience: the devices
    /// present, or the owner's and admins' (at most 100, not a walk over
    /// every member: this runs for each join of a large room) with, where
    /// it concerns a user, that user's; `extra` are devices that left the
    /// room in this step and still hear it. Events skip admission: the
    /// queue never refuses them.
    fn raise(
        &mut self,
        event: RosterEvent,
        extra: Vec<WeakSessionRef>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let managers: Vec<String> = self
            .record
            .as_ref()
            .map(|r| {
                std::iter::once(r.roster.owner.clone())
                    .chain(r.roster.admins.iter().cloned())
                    .collect()
            })
            .unwrap_or_default();
        let user = std::slice::from_ref(&event.user);
        let devices: Arc<[WeakSessionRef]> = match event.audience {
            Audience::All => self.devices(),
            Audience::Managers => Arc::from(self.devices_of(managers.iter())),
            Audience::Concerned => {
                let mut to = extra;
                to.extend(self.devices_of(managers.iter().chain(user.iter())));
                Arc::from(to)
            }
            Audience::User => {
                let mut to = extra;
                to.extend(self.devices_of(user.iter()));
                Arc::from(to)
            }
        };
        let job = FanoutJob {
            devices,
            push: Push::Event(Arc::new(EventPush {
                kind: event.kind,
                scope: SCOPE,
                id: self.key.id.clone(),
                user: event.user,
            })),
            priority: Priority::High,
            skip_session: None,
        };
        let fanout = self.fanout.clone();
        ctx.after_commit(move || fanout.enqueue(job));
    }
}
