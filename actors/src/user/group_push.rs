//! Offline push of group messages. A group fans a message out as one
//! notice per shard, after its flush; the shard turns the notice into a
//! [`GroupPush`] for each member that is not present there (no device
//! online), which wakes that member's entity to queue the notification
//! through the same settings as a 1:1 message (the group's own
//! do-not-disturb, the app-wide one and the interval). Only when the app
//! can push: an app without push credentials wakes nobody. The notice is
//! best effort (it is not on disk): a crash between the group's flush and
//! the member's loses that notification, never the message. Chatroom
//! messages are online-only and never pushed.

use super::{GroupPush, UserState};
use crate::command::Command;
use crate::env::DomainEnv;
use crate::message::ChatType;
use crate::session::{Notice, Push};
use crate::ChatEntity;
use imcloud_shards::{EntityKey, EntityKind, StepCtx};

/// What `notice` asks of member `key` with no device online.
pub fn group_push_for(key: &EntityKey, notice: &Notice, env: &DomainEnv) -> Option<Command> {
    if key.kind != EntityKind::User {
        return None;
    }
    let Push::Message(shared) = &notice.push else {
        return None;
    };
    let message = &shared.message;
    if message.chat != ChatType::Group || message.from == key.id {
        return None;
    }
    env.hooks.push_facts(&key.app)?;
    Some(
        GroupPush {
            message: message.clone(),
        }
        .into(),
    )
}

impl UserState {
    pub(super) fn group_push(&mut self, req: GroupPush, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return;
        }
        let sender = req.message.from.clone();
        self.queue_push(&req.message, &sender, ctx);
    }
}
