//! User attribute calls shared by the device layer and the REST API: one
//! user's set, get and delete go to its entity (which checks and applies
//! them); a batch read asks each named user's entity at once; the app's
//! capacity sums each shard's count of its attribute bytes.

use crate::node::Node;
use futures_util::future::join_all;
use imcloud_actors::attributes::{Attributes, AttributesRefusal, MAX_TARGETS};
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::queries::AttributeBytes;
use imcloud_actors::user::{DeleteAttributes, GetAttributes, SetAttributes};
use imcloud_actors::DomainError;
use std::collections::BTreeMap;

/// The users a batch read names: 1–100 legal names, lowercased, each once
/// (in the order first named).
pub fn attribute_targets(names: &[String]) -> Result<Vec<UserId>, DomainError> {
    if names.is_empty() {
        return Err(DomainError::InvalidArgument(
            "name at least one user".into(),
        ));
    }
    if names.len() > MAX_TARGETS {
        return Err(DomainError::Attributes(AttributesRefusal::TooManyUsers));
    }
    let mut users: Vec<UserId> = Vec::with_capacity(names.len());
    for name in names {
        let user = UserId::parse(name)?;
        if !users.contains(&user) {
            users.push(user);
        }
    }
    Ok(users)
}

impl Node {
    /// Sets `patch` on `user`'s attributes (an empty value removes its
    /// key); every attribute after the change, once it is on disk.
    pub async fn set_attributes(
        &self,
        app: &AppKey,
        user: &UserId,
        patch: Attributes,
    ) -> Result<Attributes, DomainError> {
        self.ask(app.user_key(user), SetAttributes { patch }).await
    }

    /// `user`'s attributes named by `keys` (all when empty).
    pub async fn attributes(
        &self,
        app: &AppKey,
        user: &UserId,
        keys: Vec<String>,
    ) -> Result<Attributes, DomainError> {
        self.ask(app.user_key(user), GetAttributes { keys }).await
    }

    pub async fn delete_attributes(&self, app: &AppKey, user: &UserId) -> Result<(), DomainError> {
        self.ask(app.user_key(user), DeleteAttributes).await
    }

    /// The attributes named by `keys` of each of `users` that exists
    /// (users that do not are left out).
    pub async fn attributes_of(
        &self,
        app: &AppKey,
        users: &[UserId],
        keys: &[String],
    ) -> Result<BTreeMap<String, Attributes>, DomainError> {
        let asks = users.iter().map(|u| {
            let get = GetAttributes {
                keys: keys.to_vec(),
            };
            self.ask(app.user_key(u), get)
        });
        let mut found = BTreeMap::new();
        for (user, answer) in users.iter().zip(join_all(asks).await) {
            match answer {
                Ok(attrs) => {
                    found.insert(user.to_string(), attrs);
                }
                Err(DomainError::UserNotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(found)
    }

    /// Bytes the attributes of the app's users take (keys and values).
    pub async fn attribute_capacity(&self, app: &AppKey) -> Result<u64, DomainError> {
        let asks = (0..self.shard_count()).map(|shard| {
            let query = AttributeBytes {
                app: app.to_string(),
            };
            self.ask_shard(shard, query)
        });
        let mut total = 0u64;
        for bytes in join_all(asks).await {
            total = total.saturating_add(bytes?);
        }
        Ok(total)
    }
}
