//! A device's presence and attribute calls: its own status and presence
//! text, its user's subscriptions, others' presence, its user's
//! attributes and any users' of the app. Each checks its arguments before
//! anything is sent, then runs the call shared with REST
//! (`crate::presence`, `crate::attributes`).

use super::Device;
use crate::attributes::attribute_targets;
use crate::error::ApiError;
use crate::presence::{presence_users, Subscribed};
use imcloud_actors::attributes::Attributes;
use imcloud_actors::presence::{DeviceRef, PresenceStatus, SubscriptionPage};
use std::collections::BTreeMap;
use std::future::Future;

/// A user's presence and the end of the asking user's subscription to it.
pub type Seen = (PresenceStatus, Option<i64>);

/// Entries of a page of subscriptions when the device names no size.
const SUBSCRIPTIONS_DEFAULT: usize = 100;

impl Device {
    /// Sets this device's status and, if given, the user's presence text.
    pub fn set_presence(
        &self,
        status: String,
        ext: Option<String>,
    ) -> Result<impl Future<Output = Result<(), ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let (node, app, user) = (self.node.clone(), s.app.clone(), s.user.clone());
        let device = DeviceRef::Session(s.addr.id);
        Ok(async move {
            Ok(node
                .set_presence(&app, &user, device, Some(status), ext)
                .await?)
        })
    }

    /// Subscribes the user to `users` for `expiry` seconds.
    pub fn subscribe(
        &self,
        users: &[String],
        expiry: u64,
    ) -> Result<impl Future<Output = Result<Vec<Subscribed>, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let targets = presence_users(users)?;
        let (node, app, user) = (self.node.clone(), s.app.clone(), s.user.clone());
        Ok(async move { Ok(node.subscribe(&app, &user, &targets, expiry).await?) })
    }

    pub fn unsubscribe(
        &self,
        users: &[String],
    ) -> Result<impl Future<Output = Result<(), ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let targets = presence_users(users)?;
        let (node, app, user) = (self.node.clone(), s.app.clone(), s.user.clone());
        Ok(async move { Ok(node.unsubscribe(&app, &user, &targets).await?) })
    }

    /// The presence of `users` (subscribed to or not), with the end of
    /// the user's subscription to each.
    pub fn presence_of(
        &self,
        users: &[String],
    ) -> Result<impl Future<Output = Result<Vec<Seen>, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let users = presence_users(users)?;
        let (node, app, me) = (self.node.clone(), s.app.clone(), s.user.clone());
        Ok(async move { Ok(node.presence_of(&app, &me, &users).await?) })
    }

    /// A page (from 1) of the user's live subscriptions.
    pub fn subscriptions(
        &self,
        page: Option<usize>,
        size: Option<usize>,
    ) -> Result<impl Future<Output = Result<SubscriptionPage, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let (node, app, user) = (self.node.clone(), s.app.clone(), s.user.clone());
        let (page, size) = (page.unwrap_or(1), size.unwrap_or(SUBSCRIPTIONS_DEFAULT));
        Ok(async move { Ok(node.subscriptions(&app, &user, page, size).await?) })
    }

    /// Sets the user's attributes in `patch`; every attribute after.
    pub fn set_attributes(
        &self,
        patch: Attributes,
    ) -> Result<impl Future<Output = Result<Attributes, ApiError>> + 'static, ApiError> {
        let s = self.session()?;
        let (node, app, user) = (self.node.clone(), s.app.clone(), s.user.clone());
        Ok(async move { Ok(node.set_attributes(&app, &user, patch).await?) })
    }

    /// The attributes named by `keys` (all when empty) of each of `users`
    /// that exists.
    pub fn attributes_of(
        &self,
        users: &[String],
        keys: Vec<String>,
    ) -> Result<
        impl Future<Output = Result<BTreeMap<String, Attributes>, ApiError>> + 'static,
        ApiError,
    > {
        let s = self.session()?;
        let users = attribute_targets(users)?;
        let (node, app) = (self.node.clone(), s.app.clone());
        Ok(async move { Ok(node.attributes_of(&app, &users, &keys).await?) })
    }
}
