//! One roster for groups and chatrooms: who owns and administers them, who
//! is muted (until when) and blocked, the mute-all switch, the checks every
//! management call makes (the caller's rights, whom it may touch, the batch
//! and text limits, with one wording), and the events a change raises.
//! Groups and chatrooms differ only in what membership persists (a group's
//! members are stored, a room's are the devices present, behind
//! [`Members`]) and in how they deliver (a group's timeline and per-shard
//! notices; the node's room fan-out), which each entity does itself with the
//! [`RosterEvent`]s it is handed, after its commit.
//!
//! - [`limits`]: the batch size and text lengths.
//! - [`events`]: event kinds and who hears them.
//! - [`ops`]: the management operations both share, and their replies.

pub mod events;
pub mod limits;
pub mod ops;

pub use events::{Audience, EventKind, RosterEvent};
pub use ops::{each, ManageOp, ManageReply, Outcomes, Patch};

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Which kind of roster: the errors it raises and its codes depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Group,
    Chatroom,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Group => "group",
            Scope::Chatroom => "chatroom",
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
}

/// Who asks: the app server (REST, app token: every right) or a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    App,
    User(String),
}

/// Who belongs, as the entity keeps it.
pub trait Members {
    fn contains(&self, user: &str) -> bool;
}

/// Most admins of a group or room (Easemob: 99).
pub const MAX_ADMINS: usize = 99;
/// Most users on a mute list, and apart on a block list.
pub const MAX_LIST: usize = 10_000;

/// The owner, admins, mutes, blocks and mute-all of one group or room.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub owner: String,
    pub admins: BTreeSet<String>,
    /// Muted user → until (ms; `i64::MAX` = for good).
    pub mutes: BTreeMap<String, i64>,
    pub blocks: BTreeSet<String>,
    pub mute_all: bool,
}

impl Roster {
    pub fn new(owner: &str) -> Roster {
        Roster {
            owner: owner.to_string(),
            ..Roster::default()
        }
    }

    /// `user`'s role, if it belongs (the owner always does).
    pub fn role(&self, user: &str, members: &impl Members) -> Option<Role> {
        if self.owner == user {
            Some(Role::Owner)
        } else if self.admins.contains(user) {
            Some(Role::Admin)
        } else if members.contains(user) {
            Some(Role::Member)
        } else {
            None
        }
    }

    /// Whether `actor` is the app, the owner or an admin.
    pub fn is_manager(&self, actor: &Actor) -> bool {
        match actor {
            Actor::App => true,
            Actor::User(u) => self.owner == *u || self.admins.contains(u),
        }
    }

    fn is_owner(&self, actor: &Actor) -> bool {
        match actor {
            Actor::App => true,
            Actor::User(u) => self.owner == *u,
        }
    }

    /// Refuses unless `actor` is the app, the owner or an admin: a member
    /// without the right is forbidden, anyone else is not a member.
    pub fn need_manager(
        &self,
        scope: Scope,
        actor: &Actor,
        members: &impl Members,
    ) -> Result<(), DomainError> {
        if self.is_manager(actor) {
            return Ok(());
        }
        self.refuse(
            scope,
            actor,
            members,
            "only the owner or an admin may do this",
        )
    }

    /// Refuses unless `actor` is the app or the owner.
    pub fn need_owner(
        &self,
        scope: Scope,
        actor: &Actor,
        members: &impl Members,
    ) -> Result<(), DomainError> {
        if self.is_owner(actor) {
            return Ok(());
        }
        self.refuse(scope, actor, members, "only the owner may do this")
    }

    fn refuse(
        &self,
        scope: Scope,
        actor: &Actor,
        members: &impl Members,
        why: &str,
    ) -> Result<(), DomainError> {
        match actor {
            Actor::User(u) if !self.is_manager(actor) && !members.contains(u) => {
                Err(DomainError::NotMember(scope))
            }
            _ => Err(DomainError::Forbidden(scope, why.into())),
        }
    }

    /// Refuses to act on the owner, and on an admin unless the owner (or
    /// the app) acts.
    pub fn may_touch(&self, scope: Scope, actor: &Actor, target: &str) -> Result<(), DomainError> {
        if self.owner == target {
            return Err(DomainError::Forbidden(
                scope,
                format!("forbidden operation on {scope} owner"),
            ));
        }
        if self.admins.contains(target) && !self.is_owner(actor) {
            return Err(DomainError::Forbidden(
                scope,
                "only the owner may do this to an admin".into(),
            ));
        }
        Ok(())
    }

    /// Whether `user` is muted at `now` (ms).
    pub fn is_muted(&self, user: &str, now: i64) -> bool {
        self.mutes.get(user).is_some_and(|until| *until > now)
    }

    /// Whether `sender` may send a message now. The app server (a REST
    /// send) may send as anyone; a device's user must belong (`member`),
    /// not be blocked, and may speak.
    pub fn may_send(
        &self,
        scope: Scope,
        sender: &str,
        member: bool,
        from_rest: bool,
        now: i64,
    ) -> Result<(), DomainError> {
        if from_rest {
            return Ok(());
        }
        if self.blocks.contains(sender) {
            return Err(DomainError::Blocked(scope));
        }
        if !member {
            return Err(DomainError::NotMember(scope));
        }
        self.may_speak(scope, sender, now)
    }

    /// Whether a member `user` may speak at `now`: not muted, and not
    /// silenced by mute-all unless the owner or an admin.
    pub fn may_speak(&self, scope: Scope, user: &str, now: i64) -> Result<(), DomainError> {
        if self.is_muted(user, now) {
            return Err(DomainError::Muted(scope));
        }
        if self.mute_all && !self.is_manager(&Actor::User(user.to_string())) {
            return Err(DomainError::MutedAll(scope));
        }
        Ok(())
    }

    /// Mutes `user` until `until` (ms); the owner cannot be muted. A group
    /// mutes its members; a room any user, present or not (a room's
    /// members come and go, and a mute must hold when they come back).
    pub fn mute(
        &mut self,
        scope: Scope,
        user: &str,
        until: i64,
        members: &impl Members,
    ) -> Result<(), DomainError> {
        if self.owner == user {
            return Err(DomainError::Forbidden(
                scope,
                format!("forbidden operation on {scope} owner"),
            ));
        }
        if scope == Scope::Group && self.role(user, members).is_none() {
            return Err(DomainError::NotMember(scope));
        }
        if !self.mutes.contains_key(user) && self.mutes.len() >= MAX_LIST {
            return Err(DomainError::Forbidden(
                scope,
                format!("a mute list holds at most {MAX_LIST} users"),
            ));
        }
        self.mutes.insert(user.to_string(), until);
        Ok(())
    }

    pub fn unmute(&mut self, scope: Scope, user: &str) -> Result<(), DomainError> {
        let _ = scope;
        match self.mutes.remove(user) {
            Some(_) => Ok(()),
            None => Err(DomainError::InvalidArgument(format!("{user} is not muted"))),
        }
    }

    /// Names member `user` an admin, or (`admin` false) takes it back.
    pub fn set_admin(
        &mut self,
        scope: Scope,
        user: &str,
        admin: bool,
        members: &impl Members,
    ) -> Result<(), DomainError> {
        match self.role(user, members) {
            None => Err(DomainError::NotMember(scope)),
            Some(Role::Owner) => Err(DomainError::Forbidden(
                scope,
                format!("forbidden operation on {scope} owner"),
            )),
            Some(Role::Admin) if admin => Err(DomainError::InvalidArgument(format!(
                "{user} is already an admin"
            ))),
            Some(Role::Member) if !admin => Err(DomainError::InvalidArgument(format!(
                "{user} is not an admin"
            ))),
            Some(_) if admin && self.admins.len() >= MAX_ADMINS => Err(DomainError::Forbidden(
                scope,
                format!("a {scope} has at most {MAX_ADMINS} admins"),
            )),
            Some(_) => {
                if admin {
                    self.admins.insert(user.to_string());
                } else {
                    self.admins.remove(user);
                }
                Ok(())
            }
        }
    }

    /// Puts `user` on the block list (the entity removes a member first).
    pub fn block(&mut self, scope: Scope, user: &str) -> Result<(), DomainError> {
        if self.owner == user {
            return Err(DomainError::Forbidden(
                scope,
                format!("forbidden operation on {scope} owner"),
            ));
        }
        if !self.blocks.contains(user) && self.blocks.len() >= MAX_LIST {
            return Err(DomainError::Forbidden(
                scope,
                format!("a block list holds at most {MAX_LIST} users"),
            ));
        }
        self.blocks.insert(user.to_string());
        self.admins.remove(user);
        self.mutes.remove(user);
        Ok(())
    }

    pub fn unblock(&mut self, user: &str) -> Result<(), DomainError> {
        if self.blocks.remove(user) {
            Ok(())
        } else {
            Err(DomainError::InvalidArgument(format!(
                "{user} is not blocked"
            )))
        }
    }

    /// Makes `to` the owner; the old owner stays a plain member.
    pub fn transfer(&mut self, to: &str) {
        self.admins.remove(to);
        self.owner = to.to_string();
    }

    /// Forgets `user`'s role and mute (it left or was removed).
    pub fn forget(&mut self, user: &str) {
        self.admins.remove(user);
        self.mutes.remove(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    struct Set(BTreeSet<String>);
    impl Members for Set {
        fn contains(&self, user: &str) -> bool {
            self.0.contains(user)
        }
    }

    fn members(names: &[&str]) -> Set {
        Set(names.iter().map(|s| s.to_string()).collect())
    }

    fn user(name: &str) -> Actor {
        Actor::User(name.into())
    }

    #[test]
    fn managers_members_and_outsiders_get_one_answer_in_both_scopes() {
        for scope in [Scope::Group, Scope::Chatroom] {
            let mut r = Roster::new("o");
            let m = members(&["o", "a", "m"]);
            r.set_admin(scope, "a", true, &m).unwrap();
            assert!(r.need_manager(scope, &user("a"), &m).is_ok());
            assert!(r.need_manager(scope, &Actor::App, &m).is_ok());
            assert!(matches!(
                r.need_manager(scope, &user("m"), &m),
                Err(DomainError::Forbidden(s, _)) if s == scope
            ));
            assert_eq!(
                r.need_manager(scope, &user("x"), &m),
                Err(DomainError::NotMember(scope))
            );
            assert!(r.need_owner(scope, &user("a"), &m).is_err());
            assert!(r.may_touch(scope, &user("a"), "o").is_err());
            assert!(r.may_touch(scope, &user("a"), "a").is_err());
            assert!(r.may_touch(scope, &user("o"), "a").is_ok());
            assert!(r.may_touch(scope, &user("a"), "m").is_ok());
        }
    }

    #[test]
    fn mutes_expire_and_mute_all_spares_managers() {
        let scope = Scope::Chatroom;
        let m = members(&["o", "a", "m"]);
        let mut r = Roster::new("o");
        r.set_admin(scope, "a", true, &m).unwrap();
        r.mute(scope, "m", 1_000, &m).unwrap();
        assert_eq!(r.may_speak(scope, "m", 999), Err(DomainError::Muted(scope)));
        assert!(r.may_speak(scope, "m", 1_000).is_ok(), "the mute ended");
        assert!(r.mute(scope, "o", 5, &m).is_err(), "never the owner");
        assert!(
            r.mute(scope, "x", 5, &m).is_ok(),
            "a room mutes the absent too"
        );
        assert_eq!(
            r.mute(Scope::Group, "x", 5, &m),
            Err(DomainError::NotMember(Scope::Group))
        );
        r.mute_all = true;
        assert_eq!(
            r.may_speak(scope, "m", 2_000),
            Err(DomainError::MutedAll(scope))
        );
        assert!(r.may_speak(scope, "a", 2_000).is_ok());
        assert!(r.unmute(scope, "y").is_err(), "never muted");
    }

    #[test]
    fn blocking_drops_roles_and_admins_are_capped() {
        let scope = Scope::Group;
        let mut r = Roster::new("o");
        let names: Vec<String> = (0..=MAX_ADMINS).map(|i| format!("u{i}")).collect();
        let m = Set(names.iter().cloned().collect());
        for n in &names[..MAX_ADMINS] {
            r.set_admin(scope, n, true, &m).unwrap();
        }
        assert!(matches!(
            r.set_admin(scope, &names[MAX_ADMINS], true, &m),
            Err(DomainError::Forbidden(..))
        ));
        r.block(scope, "u0").unwrap();
        assert!(!r.admins.contains("u0"));
        assert!(r.block(scope, "o").is_err());
        assert!(r.unblock("u0").is_ok());
        assert!(r.unblock("u0").is_err());
    }
}
