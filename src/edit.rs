//! Editing a message, for a device (`edit` op) and for the app server
//! (REST W1): the new body is checked like a send's, then the sender's
//! entity (1:1, which also rewrites the recipient's copy) or the group
//! rewrites the message. W1 names only the message and its sender, so the
//! sender's conversations and groups are searched for it.

use crate::error::ApiError;
use crate::groups::{group_id, group_key};
use crate::node::Node;
use futures_util::future::join_all;
use imcloud_actors::conversation::Edit;
use imcloud_actors::group::EditInGroup;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::{validate_body, ChatType};
use imcloud_actors::roster::Actor;
use imcloud_actors::user::{EditDirect, FindSent};
use imcloud_actors::DomainError;

/// One edit of `from`'s message `msg_id`, in the conversation `to` (the
/// peer or the group) when known.
pub struct EditRequest {
    pub chat: Option<ChatType>,
    pub from: UserId,
    pub to: Option<String>,
    pub msg_id: u64,
    pub edit: Edit,
}

impl Node {
    pub async fn edit(&self, app: &AppKey, mut req: EditRequest) -> Result<(), ApiError> {
        // An edit is screened for sensitive words like a send.
        let record = self.app(app).await?;
        // (No `keyword_alert`: §8.4 reports messages, not their edits.)
        self.screen(&record, &mut req.edit.body, req.edit.ext.as_mut(), None)
            .await?;
        let ext = req.edit.ext.as_ref();
        let max_bytes = record.settings.max_message_bytes as usize;
        validate_body(&req.edit.body, ext, max_bytes)?;
        let from = req.from.to_string();
        match (req.chat, req.to) {
            (Some(ChatType::Chatroom), _) => Err(DomainError::InvalidArgument(
                "chatroom messages are not stored and cannot be edited".into(),
            )
            .into()),
            (Some(ChatType::Single), Some(peer)) => {
                let edit = EditDirect {
                    msg_id: req.msg_id,
                    peer: UserId::parse(&peer)?.to_string(),
                    edit: req.edit,
                };
                Ok(self.ask(app.user_key(&req.from), edit).await?)
            }
            (Some(ChatType::Group), Some(group)) => {
                let edit = EditInGroup {
                    by: Actor::User(from),
                    msg_id: req.msg_id,
                    edit: req.edit,
                };
                Ok(self.ask(group_key(app, &group_id(&group)?), edit).await?)
            }
            _ => {
                self.edit_anywhere(app, &req.from, req.msg_id, req.edit)
                    .await
            }
        }
    }

    /// W1: the sender's 1:1 conversations first, then its groups.
    async fn edit_anywhere(
        &self,
        app: &AppKey,
        from: &UserId,
        msg_id: u64,
        edit: Edit,
    ) -> Result<(), ApiError> {
        if let Some(peer) = self.ask(app.user_key(from), FindSent { msg_id }).await? {
            let edit = EditDirect { msg_id, peer, edit };
            return Ok(self.ask(app.user_key(from), edit).await?);
        }
        let groups = self.user_groups(app, from).await?;
        let tries = groups.iter().map(|(g, _)| {
            let ask = EditInGroup {
                by: Actor::User(from.to_string()),
                msg_id,
                edit: edit.clone(),
            };
            self.ask(group_key(app, g), ask)
        });
        let mut refusal = DomainError::MessageNotFound;
        for r in join_all(tries).await {
            match r {
                Ok(()) => return Ok(()),
                Err(DomainError::MessageNotFound) => {}
                Err(e) => refusal = e,
            }
        }
        Err(refusal.into())
    }
}
