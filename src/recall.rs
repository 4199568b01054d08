//! Recalling a message, for a device (`recall` op) and for the app server
//! (REST R1/R2): the app's switch and window, then the sender's entity for
//! a 1:1 message (which also drops the recipient's copy) or the group.

use crate::error::ApiError;
use crate::groups::{group_id, group_key};
use crate::node::Node;
use imcloud_actors::conversation::RecallWindow;
use imcloud_actors::error::RecallRefusal;
use imcloud_actors::group::RecallInGroup;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::ChatType;
use imcloud_actors::roster::Actor;
use imcloud_actors::user::{DropRecalled, RecallDirect};
use imcloud_actors::DomainError;

/// The sender REST names by default (Easemob's).
pub const ADMIN_SENDER: &str = "admin";

/// Who asks for a recall.
pub enum Recaller {
    /// A device of this user: only its own messages (or, in a group, as
    /// the owner or an admin), within the window.
    Device(UserId),
    /// The app server: any message, the window unless `force`.
    App { force: bool },
}

/// One recall: the message `msg_id` that `from` sent in the conversation
/// `chat` with `to` (a user or a group).
pub struct RecallRequest {
    pub chat: ChatType,
    pub from: String,
    pub to: String,
    pub msg_id: u64,
    pub by: Recaller,
}

impl Node {
    pub async fn recall(&self, app: &AppKey, req: RecallRequest) -> Result<(), ApiError> {
        let settings = self.app_settings(app);
        if !settings.recall_enabled {
            return Err(DomainError::Recall(RecallRefusal::Disabled).into());
        }
        let limit = RecallWindow(Some(
            (settings.recall_window_secs.saturating_mul(1000)).min(i64::MAX as u64) as i64,
        ));
        let (window, actor, from_rest) = match &req.by {
            Recaller::Device(u) => (limit, Actor::User(u.to_string()), false),
            Recaller::App { force } => (
                if *force { RecallWindow(None) } else { limit },
                Actor::App,
                true,
            ),
        };
        match req.chat {
            ChatType::Single => {
                let to = UserId::parse(&req.to)?;
                if req.from == ADMIN_SENDER && from_rest {
                    // The app's own sender has no entity: only the
                    // recipient holds the message.
                    let drop = DropRecalled {
                        msg_id: req.msg_id,
                        from: req.from,
                        window,
                    };
                    return Ok(self.ask(app.user_key(&to), drop).await?);
                }
                let from = UserId::parse(&req.from)?;
                let recall = RecallDirect {
                    msg_id: req.msg_id,
                    peer: to.to_string(),
                    window,
                    from_rest,
                };
                Ok(self.ask(app.user_key(&from), recall).await?)
            }
            ChatType::Group => {
                let group = group_id(&req.to)?;
                let recall = RecallInGroup {
                    by: actor,
                    msg_id: req.msg_id,
                    window,
                };
                Ok(self.ask(group_key(app, &group), recall).await?)
            }
            ChatType::Chatroom => Err(DomainError::InvalidArgument(
                "chatroom messages are not stored and cannot be recalled".into(),
            )
            .into()),
        }
    }
}
