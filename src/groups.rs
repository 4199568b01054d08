//! Group calls shared by the device layer and the REST API: management
//! operations (the group checks roles itself), a user's groups, and the
//! checks that need other entities (users exist, groups per user).

use crate::node::Node;
use imcloud_actors::group::{GroupLimits, GroupOp, GroupReply, ManageGroup};
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::roster::{Actor, ManageOp, ManageReply};
use imcloud_actors::user::{HoldGroupSlot, ReleaseGroupSlot, UserGroups};
use imcloud_actors::DomainError;
use imcloud_shards::{EntityKey, EntityKind};

/// Most groups a user's index is read for (above any `groups_per_user`).
pub const MAX_USER_GROUPS: usize = 10_000;

/// A group id: 1–64 of `A-Z a-z 0-9 _ - .`.
pub fn group_id(s: &str) -> Result<String, DomainError> {
    checked_id("group", s)
}

/// A group or chatroom id: 1–64 of `A-Z a-z 0-9 _ - .`.
pub fn checked_id(what: &str, s: &str) -> Result<String, DomainError> {
    if s.is_empty()
        || s.len() > 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(DomainError::InvalidArgument(format!(
            "{what} id `{}` is not legal",
            s.chars().take(64).collect::<String>()
        )));
    }
    Ok(s.to_string())
}

pub fn group_key(app: &AppKey, id: &str) -> EntityKey {
    EntityKey::new(app.to_string(), EntityKind::Group, id)
}

/// Who joins if `op` succeeds: they each hold a group slot first.
fn joiners(actor: &Actor, op: &GroupOp) -> Vec<String> {
    let me = || match actor {
        Actor::User(u) => vec![u.clone()],
        Actor::App => Vec::new(),
    };
    match op {
        GroupOp::Roster(ManageOp::Add(users)) | GroupOp::Invite(users) => users.clone(),
        GroupOp::Create { record, members } => {
            let mut all = vec![record.owner.clone()];
            all.extend(members.iter().cloned());
            all
        }
        GroupOp::Decide { user, accept: true } => vec![user.clone()],
        GroupOp::AnswerInvite { accept: true } | GroupOp::Apply => me(),
        _ => Vec::new(),
    }
}

impl Node {
    /// The group limits of `app` and its groups per user.
    pub async fn group_limits(&self, app: &AppKey) -> Result<(GroupLimits, usize), DomainError> {
        let s = self.app_settings(app).await?;
        Ok((
            GroupLimits {
                max_users: s.group_max_users,
            },
            s.groups_per_user as usize,
        ))
    }

    /// Runs `op` on group `id` as `actor`. When users would join, each
    /// holds a group slot first (which also checks it exists), and the
    /// slots of those who did not join (refused, only invited, or waiting
    /// for approval) are released after, so two adds racing for a user's
    /// last slot cannot both pass.
    pub async fn group(
        &self,
        app: &AppKey,
        id: &str,
        actor: Actor,
        op: impl Into<GroupOp>,
    ) -> Result<GroupReply, DomainError> {
        let op = op.into();
        let joining = joiners(&actor, &op);
        if joining.is_empty() {
            return self.manage_group(app, id, actor, op).await;
        }
        self.hold_group_slots(app, id, &joining).await?;
        let invite_only = matches!(op, GroupOp::Invite(_));
        let result = self.manage_group(app, id, actor, op).await;
        let not_joined: Vec<String> = match &result {
            _ if invite_only => joining,
            Err(_) | Ok(ManageReply::Pending) => joining,
            Ok(ManageReply::Users(outcomes)) => outcomes
                .iter()
                .filter(|(_, r)| r.is_err())
                .map(|(u, _)| u.clone())
                .collect(),
            Ok(ManageReply::Done | ManageReply::View(_)) => Vec::new(),
        };
        self.release_group_slots(app, id, not_joined);
        result
    }

    async fn manage_group(
        &self,
        app: &AppKey,
        id: &str,
        actor: Actor,
        op: GroupOp,
    ) -> Result<GroupReply, DomainError> {
        let (limits, _) = self.group_limits(app).await?;
        self.ask(group_key(app, id), ManageGroup { actor, op, limits })
            .await
    }

    /// The groups `user` belongs to, with join seqs.
    pub async fn user_groups(
        &self,
        app: &AppKey,
        user: &UserId,
    ) -> Result<Vec<(String, u64)>, DomainError> {
        self.ask(
            app.user_key(user),
            UserGroups {
                limit: MAX_USER_GROUPS,
            },
        )
        .await
    }

    /// Holds one group slot at each of `users` for joining group `id`;
    /// on the first refusal the slots already held are released and the
    /// refusal returned.
    async fn hold_group_slots(
        &self,
        app: &AppKey,
        id: &str,
        users: &[String],
    ) -> Result<(), DomainError> {
        let (_, per_user) = self.group_limits(app).await?;
        let holds = users.iter().map(|u| async move {
            let user = UserId::parse(u)?;
            let hold = HoldGroupSlot {
                group: id.to_string(),
                limit: per_user,
            };
            self.ask(app.user_key(&user), hold).await
        });
        let results = futures_util::future::join_all(holds).await;
        let first_err = results.iter().find_map(|r| r.as_ref().err()).cloned();
        match first_err {
            None => Ok(()),
            Some(e) => {
                let held = users
                    .iter()
                    .zip(&results)
                    .filter(|(_, r)| r.is_ok())
                    .map(|(u, _)| u.clone());
                self.release_group_slots(app, id, held);
                Err(e)
            }
        }
    }

    /// Releases the slots `users` held for joining group `id` (best effort:
    /// an unreleased slot expires).
    fn release_group_slots(&self, app: &AppKey, id: &str, users: impl IntoIterator<Item = String>) {
        for u in users {
            if let Ok(user) = UserId::parse(&u) {
                let release = ReleaseGroupSlot {
                    group: id.to_string(),
                };
                // Best effort, as said above.
                let _ = self.tell(app.user_key(&user), release);
            }
        }
    }

    /// A mute's end time: `duration` ms from now, or for good.
    pub fn mute_until(&self, duration: Option<i64>) -> Result<i64, DomainError> {
        match duration {
            None | Some(-1) => Ok(i64::MAX),
            Some(d) if d > 0 => Ok(self.clock.now_ms().saturating_add(d)),
            Some(_) => Err(DomainError::InvalidArgument(
                "duration must be positive ms or -1".into(),
            )),
        }
    }
}
