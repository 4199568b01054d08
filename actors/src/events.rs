//! Events the domain appends to the shard log, in the same atomic batch as
//! the index and snapshot writes they imply. The log is the record a shard
//! hands over when it moves, and what its indexes can be rebuilt from.

use crate::app::AppRecord;
use crate::chatroom::RoomRecord;
use crate::group::{GroupRecord, MemberRecord};
use crate::message::StoredMessage;
use crate::user::UserRecord;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    AppCreated {
        app: AppRecord,
    },
    UserCreated {
        app: String,
        user: UserRecord,
    },
    UserUpdated {
        app: String,
        user: UserRecord,
    },
    UserDeleted {
        app: String,
        username: String,
    },
    /// `stream` is the owner of the timeline (`app/kind/id` form).
    MessageStored {
        stream: String,
        message: StoredMessage,
    },
    OfflineSynced {
        stream: String,
    },
    GroupCreated {
        app: String,
        group: GroupRecord,
    },
    GroupUpdated {
        app: String,
        group: GroupRecord,
    },
    RoomUpdated {
        app: String,
        room: RoomRecord,
    },
    RoomDeleted {
        app: String,
        room: String,
    },
    GroupDismissed {
        app: String,
        group: String,
    },
    GroupMemberSet {
        app: String,
        group: String,
        user: String,
        member: MemberRecord,
    },
    GroupMemberRemoved {
        app: String,
        group: String,
        user: String,
    },
    GroupBlockSet {
        app: String,
        group: String,
        user: String,
        blocked: bool,
    },
    /// The user's own index of its groups changed (`joined_seq` is `None`
    /// when it left).
    UserGroupSet {
        app: String,
        user: String,
        group: String,
        joined_seq: Option<u64>,
    },
}

impl Event {
    /// The app the event belongs to (`org#app`).
    pub fn app(&self) -> &str {
        match self {
            Event::AppCreated { app } => &app.appkey,
            // `app/kind/id`: an entity key as `Display` writes it.
            Event::MessageStored { stream, .. } | Event::OfflineSynced { stream } => {
                stream.split('/').next().unwrap_or_default()
            }
            Event::UserCreated { app, .. }
            | Event::UserUpdated { app, .. }
            | Event::UserDeleted { app, .. }
            | Event::GroupCreated { app, .. }
            | Event::GroupUpdated { app, .. }
            | Event::RoomUpdated { app, .. }
            | Event::RoomDeleted { app, .. }
            | Event::GroupDismissed { app, .. }
            | Event::GroupMemberSet { app, .. }
            | Event::GroupMemberRemoved { app, .. }
            | Event::GroupBlockSet { app, .. }
            | Event::UserGroupSet { app, .. } => app,
        }
    }
}
