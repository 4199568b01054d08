//! `ChatEntity`: the entity type the shard runtime hosts for the chat domain.
//! It picks the entity kind from the key and dispatches commands to it.

use crate::app::AppState;
use crate::chatroom::RoomState;
use crate::command::Command;
use crate::env::DomainEnv;
use crate::error::DomainError;
use crate::group::GroupState;
use crate::session::Notice;
use crate::user::UserState;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{Entity, EntityKey, EntityKind, ReplyTo, StepCtx, StoreError};

pub enum ChatEntity {
    App(Box<AppState>),
    User(Box<UserState>),
    Group(Box<GroupState>),
    Room(Box<RoomState>),
}

impl Entity for ChatEntity {
    type Command = Command;
    type Env = DomainEnv;
    type Notice = Notice;
    type Error = DomainError;

    fn activate(key: &EntityKey, store: &ShardStore, env: &DomainEnv) -> Result<Self, StoreError> {
        Ok(match key.kind {
            EntityKind::App => ChatEntity::App(Box::new(AppState::activate(key, store, env)?)),
            EntityKind::User => ChatEntity::User(Box::new(UserState::activate(key, store, env)?)),
            EntityKind::Group => {
                ChatEntity::Group(Box::new(GroupState::activate(key, store, env)?))
            }
            EntityKind::Chatroom => {
                ChatEntity::Room(Box::new(RoomState::activate(key, store, env)?))
            }
        })
    }

    fn handle(&mut self, cmd: Command, ctx: &mut StepCtx<'_, Self>) {
        #[cfg(feature = "fault-injection")]
        if matches!(cmd, Command::Panic) || ctx.env().faults.should_panic(ctx.key()) {
            panic!("injected fault in {}", ctx.key());
        }
        match (self, cmd) {
            (ChatEntity::App(app), Command::App(c)) => app.handle(c, ctx),
            (ChatEntity::User(user), Command::User(c)) => user.handle(c, ctx),
            (ChatEntity::Group(group), Command::Group(c)) => group.handle(c, ctx),
            (ChatEntity::Room(room), Command::Room(c)) => room.handle(c, ctx),
            (_, cmd) => {
                tracing::error!(entity = %ctx.key(), cmd = cmd.name(), "a command for another kind of entity");
                ctx.reply_now(Err::<(), _>(DomainError::Internal));
            }
        }
    }

    fn command_name(cmd: &Command) -> &'static str {
        cmd.name()
    }

    fn evicts_app(cmd: &Command) -> Option<&str> {
        match cmd {
            Command::Shard(crate::queries::ShardQuery::PurgeApp(p)) => Some(&p.app),
            _ => None,
        }
    }

    fn query(cmd: Command, store: &ShardStore, _env: &DomainEnv, reply: Option<ReplyTo>) {
        match cmd {
            Command::Shard(q) => crate::queries::answer(q, store, reply),
            other => {
                tracing::error!(cmd = other.name(), "a shard query that is not one");
                if let Some(r) = reply {
                    r.send(Err::<(), _>(DomainError::Internal));
                }
            }
        }
    }

    fn notify(&mut self, notice: &Notice) {
        if let ChatEntity::User(user) = self {
            user.notify(notice);
        }
    }

    /// A group message reaching a member with no device online becomes
    /// that member's offline push, when the app can push.
    fn absent_command(key: &EntityKey, notice: &Notice, env: &DomainEnv) -> Option<Command> {
        crate::user::group_push_for(key, notice, env)
    }

    fn evicted(self) {
        if let ChatEntity::User(user) = self {
            user.kick_after_restart();
        }
    }

    fn is_vacant(&self) -> bool {
        match self {
            ChatEntity::App(app) => app.is_vacant(),
            ChatEntity::User(user) => user.is_vacant(),
            ChatEntity::Group(group) => group.is_vacant(),
            ChatEntity::Room(room) => room.is_vacant(),
        }
    }

    fn can_passivate(&self) -> bool {
        match self {
            ChatEntity::User(user) => user.can_passivate(),
            ChatEntity::Room(room) => room.can_passivate(),
            _ => true,
        }
    }

    /// A user with a device online.
    fn is_present(&self) -> bool {
        match self {
            ChatEntity::User(user) => user.is_online(),
            _ => false,
        }
    }
}

/// Test-only fault switches: make every step of one entity panic, or drop
/// deliveries.
#[cfg(feature = "fault-injection")]
#[derive(Debug, Default)]
pub struct Faults {
    panic_keys: std::sync::Mutex<std::collections::HashSet<EntityKey>>,
    /// Deliveries to drop silently (acked but never stored or pushed), to
    /// prove the load harness counts lost messages.
    pub drop_deliveries: std::sync::atomic::AtomicU64,
}

#[cfg(feature = "fault-injection")]
impl Faults {
    /// Every command to `key` panics until [`Faults::heal`].
    pub fn break_entity(&self, key: EntityKey) {
        if let Ok(mut keys) = self.panic_keys.lock() {
            keys.insert(key);
        }
    }
    pub fn heal(&self, key: &EntityKey) {
        if let Ok(mut keys) = self.panic_keys.lock() {
            keys.remove(key);
        }
    }
    fn should_panic(&self, key: &EntityKey) -> bool {
        self.panic_keys
            .lock()
            .map(|k| k.contains(key))
            .unwrap_or(false)
    }
}
