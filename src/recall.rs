//! Recalling a message, for a device (`recall` op) and for the app server
//! (REST R1/R2): the app's switch and window, then the sender's entity for
//! a 1:1 message (which also drops the recipient's copy) or the group.

use crate::error::ApiError;
use crate::groups::{group_id, group_key};
use crate::node::Node;
use imcloud_actors::app::DeleteFile;
use imcloud_actors::chatroom::RecallInRoom;
use imcloud_actors::conversation::RecallWindow;
use imcloud_actors::error::RecallRefusal;
use imcloud_actors::group::RecallInGroup;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::ChatType;
use imcloud_actors::roster::Actor;
use imcloud_actors::user::{DropRecalled, RecallDirect};
use imcloud_actors::DomainError;

pub use crate::send::ADMIN_SENDER;

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
    /// Recalls the message, then deletes the upload its body points at
    /// (an attachment of this app).
    pub async fn recall(&self, app: &AppKey, req: RecallRequest) -> Result<(), ApiError> {
        let url = self.recall_message(app, req).await?;
        if let Some(uuid) = url.as_deref().and_then(|u| upload_of(app, u)) {
            // The message is gone either way; a record left behind is only
            // an unreferenced upload.
            match self.ask(app.entity_key(), DeleteFile { uuid }).await {
                Ok(released) => self.release_blobs(released).await,
                Err(e) => {
                    tracing::warn!(error = %e, "deleting a recalled message's attachment failed")
                }
            }
        }
        Ok(())
    }

    async fn recall_message(
        &self,
        app: &AppKey,
        req: RecallRequest,
    ) -> Result<Option<String>, ApiError> {
        let settings = self.app_settings(app).await?;
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
                        sent_at: None,
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
            ChatType::Chatroom => {
                let room = crate::chatrooms::room_id(&req.to)?;
                let recall = RecallInRoom {
                    by: actor,
                    msg_id: req.msg_id,
                    window,
                };
                Ok(self
                    .ask(crate::chatrooms::room_key(app, &room), recall)
                    .await?)
            }
        }
    }
}

/// The upload uuid of an attachment URL of `app`
/// (`…/{org}/{app}/chatfiles/{uuid}`, any host, query ignored).
fn upload_of(app: &AppKey, url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let marker = format!("/{}/{}/chatfiles/", app.org(), app.app());
    let uuid = path.rsplit_once(&marker)?.1;
    (!uuid.is_empty() && uuid.len() <= 64 && !uuid.contains('/')).then(|| uuid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_apps_chatfile_urls_name_an_upload() {
        let app = AppKey::new("demo", "chat").unwrap();
        assert_eq!(
            upload_of(&app, "http://h:1/demo/chat/chatfiles/abc-1?share-secret=x").as_deref(),
            Some("abc-1")
        );
        assert_eq!(upload_of(&app, "http://h/other/app/chatfiles/abc"), None);
        assert_eq!(upload_of(&app, "http://h/demo/chat/chatfiles/"), None);
        assert_eq!(upload_of(&app, "https://cdn.example/x.png"), None);
    }
}
