//! Contacts from a device: friend requests and answers, removing a
//! friend, the contact list, and the device user's block list.

use super::Device;
use crate::contacts::ContactActor;
use crate::error::ApiError;
use imcloud_actors::contact::ContactList;
use imcloud_actors::ids::UserId;
use imcloud_actors::user::FriendVia;
use std::future::Future;

/// A contact operation of a device's user.
pub enum ContactOp {
    Add { reason: String },
    Accept,
    Decline,
    Remove,
    Block,
    Unblock,
}

impl Device {
    /// Runs `op` about `user` as this device's user.
    pub fn contact(
        &self,
        op: ContactOp,
        user: &str,
    ) -> Result<impl Future<Output = Result<(), ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let (node, app, me, session) =
            (self.node.clone(), s.app.clone(), s.user.clone(), s.addr.id);
        let other = UserId::parse(user)?;
        Ok(async move {
            let actor = ContactActor {
                app: &app,
                user: &me,
                session: Some(session),
            };
            match op {
                ContactOp::Add { reason } => node.request_contact(&actor, &other, reason).await?,
                ContactOp::Accept => node.make_friends(&actor, &other, FriendVia::Accept).await?,
                ContactOp::Decline => node.decline_contact(&actor, &other).await?,
                ContactOp::Remove => node.remove_contact(&actor, &other).await?,
                ContactOp::Block => {
                    node.block_users(&app, &me, std::slice::from_ref(&other))
                        .await?;
                }
                ContactOp::Unblock => node.unblock_user(&app, &me, &other).await?,
            }
            Ok(())
        })
    }

    /// This device's user's friends and the requests waiting for it.
    pub fn contacts(
        &self,
    ) -> Result<impl Future<Output = Result<ContactList, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let (node, app, me) = (self.node.clone(), s.app.clone(), s.user.clone());
        Ok(async move { Ok(node.contacts_of(&app, &me).await?) })
    }

    /// The users this device's user blocked, newest first.
    pub fn blocks(
        &self,
    ) -> Result<impl Future<Output = Result<Vec<String>, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let (node, app, me) = (self.node.clone(), s.app.clone(), s.user.clone());
        Ok(async move {
            let list = node.blocks_of(&app, &me).await?;
            Ok(list.into_iter().map(|(u, _)| u).collect())
        })
    }
}
