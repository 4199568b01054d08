//! Contact calls shared by the device layer and the REST API: friend
//! requests and their answers, making and ending friendships (both sides
//! always), remarks, and block lists. The user entities check and store;
//! this adds the app's `friends_per_user` and checks names.

use crate::node::Node;
use imcloud_actors::contact::ContactList;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::user::{
    BlockUsers, DeclineContact, FriendVia, ListBlocks, ListContacts, MakeFriends, RemoveContact,
    RequestContact, SetRemark, UnblockUser,
};
use imcloud_actors::DomainError;

/// Who asks, from where: the user and, for a device, its session (not
/// pushed its own change).
pub struct ContactActor<'a> {
    pub app: &'a AppKey,
    pub user: &'a UserId,
    pub session: Option<u64>,
}

impl Node {
    /// `actor` asks `to` to be its friend.
    pub async fn request_contact(
        &self,
        actor: &ContactActor<'_>,
        to: &UserId,
        reason: String,
    ) -> Result<(), DomainError> {
        let req = RequestContact {
            from: actor.user.to_string(),
            reason,
        };
        self.ask(actor.app.user_key(to), req).await
    }

    /// `actor` and `with` become friends: `via` says whether `actor`
    /// accepts a request of `with` or the app server makes them friends.
    pub async fn make_friends(
        &self,
        actor: &ContactActor<'_>,
        with: &UserId,
        via: FriendVia,
    ) -> Result<(), DomainError> {
        if with == actor.user {
            return Err(DomainError::InvalidArgument(
                "a user cannot be its own friend".into(),
            ));
        }
        let limit = self.app_settings(actor.app).await?.friends_per_user;
        let req = MakeFriends {
            with: with.to_string(),
            via,
            limit,
            session: actor.session,
        };
        self.ask(actor.app.user_key(actor.user), req).await
    }

    /// `actor` declines the request of `from`.
    pub async fn decline_contact(
        &self,
        actor: &ContactActor<'_>,
        from: &UserId,
    ) -> Result<(), DomainError> {
        let req = DeclineContact {
            from: from.to_string(),
            session: actor.session,
        };
        self.ask(actor.app.user_key(actor.user), req).await
    }

    /// `actor` and `friend` are no longer friends.
    pub async fn remove_contact(
        &self,
        actor: &ContactActor<'_>,
        friend: &UserId,
    ) -> Result<(), DomainError> {
        let req = RemoveContact {
            friend: friend.to_string(),
            session: actor.session,
        };
        self.ask(actor.app.user_key(actor.user), req).await
    }

    pub async fn contacts_of(
        &self,
        app: &AppKey,
        user: &UserId,
    ) -> Result<ContactList, DomainError> {
        self.ask(app.user_key(user), ListContacts).await
    }

    pub async fn set_remark(
        &self,
        app: &AppKey,
        user: &UserId,
        friend: &UserId,
        remark: String,
    ) -> Result<(), DomainError> {
        let req = SetRemark {
            friend: friend.to_string(),
            remark,
        };
        self.ask(app.user_key(user), req).await
    }

    /// `user` blocks `others` (each must exist); answers the names.
    pub async fn block_users(
        &self,
        app: &AppKey,
        user: &UserId,
        others: &[UserId],
    ) -> Result<Vec<String>, DomainError> {
        let names: Vec<String> = others.iter().map(|u| u.to_string()).collect();
        self.users_exist(app, &names).await?;
        self.ask(app.user_key(user), BlockUsers { users: names })
            .await
    }

    pub async fn unblock_user(
        &self,
        app: &AppKey,
        user: &UserId,
        other: &UserId,
    ) -> Result<(), DomainError> {
        let req = UnblockUser {
            user: other.to_string(),
        };
        self.ask(app.user_key(user), req).await
    }

    /// The users `user` blocked, newest first, with when (ms).
    pub async fn blocks_of(
        &self,
        app: &AppKey,
        user: &UserId,
    ) -> Result<Vec<(String, i64)>, DomainError> {
        self.ask(app.user_key(user), ListBlocks).await
    }
}
