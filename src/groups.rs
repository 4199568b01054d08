//! Group calls shared by the WebSocket ops and the REST API: management
//! operations (the group checks roles itself), sends, a member's sync, and
//! the checks that need other entities (users exist, groups per user).

use crate::node::Node;
use imcloud_actors::command::{GroupOutgoing, RatePolicy};
use imcloud_actors::group::{Actor, GroupLimits, GroupOp, GroupReply};
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::message::{ChatType, SendAck, StoredMessage};
use imcloud_actors::{Command, DomainError};
use imcloud_shards::{EntityKey, EntityKind};
use serde_json::Value;

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

impl Node {
    /// The group limits of `app` (cached settings, else the defaults).
    pub fn group_limits(&self, app: &AppKey) -> (GroupLimits, usize) {
        let s = self
            .apps_cached(app)
            .map(|r| r.settings.clone())
            .unwrap_or_else(|| self.config.app_defaults.clone());
        (
            GroupLimits {
                max_users: s.group_max_users,
            },
            s.groups_per_user as usize,
        )
    }

    /// Runs `op` on group `id` as `actor`.
    pub async fn group(
        &self,
        app: &AppKey,
        id: &str,
        actor: Actor,
        op: GroupOp,
    ) -> Result<GroupReply, DomainError> {
        let (limits, _) = self.group_limits(app);
        self.ask(group_key(app, id), |reply| Command::GroupManage {
            actor,
            op,
            limits,
            reply,
        })
        .await
    }

    /// The groups `user` belongs to, with join seqs.
    pub async fn user_groups(
        &self,
        app: &AppKey,
        user: &UserId,
    ) -> Result<Vec<(String, u64)>, DomainError> {
        self.ask(app.user_key(user), |reply| Command::UserGroups {
            limit: MAX_USER_GROUPS,
            reply,
        })
        .await
    }

    /// Holds one group slot at each of `users` for joining group `id`
    /// (which also checks that they exist); on the first refusal the slots
    /// already held are released and the refusal returned. The user's
    /// entity counts held slots with its groups, so two adds racing for a
    /// user's last slot cannot both pass.
    pub async fn hold_group_slots(
        &self,
        app: &AppKey,
        id: &str,
        users: &[String],
    ) -> Result<(), DomainError> {
        let (_, per_user) = self.group_limits(app);
        let holds = users.iter().map(|u| async move {
            let user = UserId::parse(u)?;
            self.ask(app.user_key(&user), |reply| Command::HoldGroupSlot {
                group: id.to_string(),
                limit: per_user,
                reply,
            })
            .await
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
    pub fn release_group_slots(
        &self,
        app: &AppKey,
        id: &str,
        users: impl IntoIterator<Item = String>,
    ) {
        for u in users {
            if let Ok(user) = UserId::parse(&u) {
                let _ = self.router.send(
                    app.user_key(&user),
                    Command::ReleaseGroupSlot {
                        group: id.to_string(),
                    },
                );
            }
        }
    }

    /// Runs `op` on group `id` as `actor` where `joiners` would join: each
    /// holds a group slot first, and the slots of those who did not join
    /// (refused, only invited, or waiting for approval) are released after.
    pub async fn group_joining(
        &self,
        app: &AppKey,
        id: &str,
        actor: Actor,
        op: GroupOp,
        joiners: Vec<String>,
    ) -> Result<GroupReply, DomainError> {
        self.hold_group_slots(app, id, &joiners).await?;
        let invite_only = matches!(op, GroupOp::Invite(_));
        let result = self.group(app, id, actor, op).await;
        let not_joined: Vec<String> = match &result {
            _ if invite_only => joiners,
            Err(_) | Ok(GroupReply::Pending) => joiners,
            Ok(GroupReply::Users(outcomes)) => outcomes
                .iter()
                .filter(|(_, r)| r.is_err())
                .map(|(u, _)| u.clone())
                .collect(),
            Ok(GroupReply::Done | GroupReply::View(_)) => Vec::new(),
        };
        self.release_group_slots(app, id, not_joined);
        result
    }

    /// Sends a message to group `id`; the ack comes once it is on disk.
    pub async fn group_send(
        &self,
        app: &AppKey,
        id: &str,
        spec: GroupSendSpec,
    ) -> Result<SendAck, DomainError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let out = Box::new(GroupOutgoing {
            message: outgoing(ChatType::Group, spec.from, id, spec.body, spec.ext),
            client_msg_id: spec.client_msg_id,
            origin_session: spec.origin_session,
            from_rest: spec.from_rest,
            reply: tx,
        });
        self.route_send(spec.sender, group_key(app, id), Command::GroupSend(out));
        self.wait(rx).await
    }

    /// Hands a group or room send to its entity `to`: through the sending
    /// user's entity first when a device sends (for its send rate), else
    /// straight. A refusal is answered through the command's ack channel.
    pub(crate) fn route_send(
        &self,
        sender: Option<(EntityKey, RatePolicy)>,
        to: EntityKey,
        cmd: Command,
    ) {
        let _ = match sender {
            Some((user, rate)) => self.router.send(
                user,
                Command::SendAs {
                    to,
                    cmd: Box::new(cmd),
                    rate,
                },
            ),
            None => self.router.send(to, cmd),
        };
    }
}

/// A group or room message as it leaves the sender: the entity gives it
/// its id, sequence and time.
pub(crate) fn outgoing(
    chat: ChatType,
    from: String,
    to: &str,
    body: Value,
    ext: Option<Value>,
) -> StoredMessage {
    StoredMessage {
        msg_id: 0,
        chat,
        from,
        to: to.to_string(),
        seq: 0,
        ts: 0,
        body,
        ext,
    }
}

/// A mute's end time: `duration` ms from now, or for good.
pub fn mute_until(duration: Option<i64>) -> Result<i64, DomainError> {
    match duration {
        None | Some(-1) => Ok(i64::MAX),
        Some(d) if d > 0 => Ok(imcloud_actors::ids::now_ms().saturating_add(d)),
        Some(_) => Err(DomainError::InvalidArgument(
            "duration must be positive ms or -1".into(),
        )),
    }
}

/// What to send to a group.
pub struct GroupSendSpec {
    pub from: String,
    pub body: Value,
    pub ext: Option<Value>,
    pub client_msg_id: Option<String>,
    pub origin_session: Option<u64>,
    pub from_rest: bool,
    /// A device's send goes through the sender's entity first, for its send
    /// rate; REST sends go straight to the group.
    pub sender: Option<(EntityKey, RatePolicy)>,
}
