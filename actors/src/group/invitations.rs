//! Invitations: the owner, an admin, or (when `allowinvites` is on) any
//! member invites users; each invitee gets an `invited` event and joins only
//! when it accepts. The pending invitations live in the group record, capped
//! like join requests.

use super::{Actor, GroupReply, GroupState, Role, MAX_APPLICANTS, MAX_BATCH};
use crate::error::DomainError;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl GroupState {
    pub(super) fn invite(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        let invites = self.record.as_ref().is_some_and(|r| r.allowinvites);
        match self.role_of(actor) {
            Some(Role::Member) if invites => {}
            _ => self.need_manager(actor)?,
        }
        if users.is_empty() || users.len() > MAX_BATCH {
            return Err(DomainError::InvalidArgument(format!(
                "name 1-{MAX_BATCH} users"
            )));
        }
        let mut out = Vec::with_capacity(users.len());
        let mut invited = Vec::new();
        for user in users {
            let r = self.add_invitee(&user);
            if r.is_ok() {
                invited.push(user.clone());
            }
            out.push((user, r));
        }
        if !invited.is_empty() {
            self.save_record(ctx);
            for user in invited {
                let key = self.user_key(&user);
                self.notify_keys("invited", &user, vec![key], ctx);
            }
        }
        Ok(GroupReply::Users(out))
    }

    fn add_invitee(&mut self, user: &str) -> Result<(), DomainError> {
        if self.members.contains_key(user) {
            return Err(DomainError::AlreadyGroupMember);
        }
        if self.blocks.contains(user) {
            return Err(DomainError::GroupBlocked);
        }
        let Some(r) = self.record.as_mut() else {
            return Err(DomainError::GroupNotFound);
        };
        if r.invitees.iter().any(|i| i == user) {
            return Ok(());
        }
        if r.invitees.len() >= MAX_APPLICANTS {
            return Err(DomainError::GroupPermission(
                "too many pending invitations".into(),
            ));
        }
        r.invitees.push(user.to_string());
        Ok(())
    }

    /// The invitee accepts (and joins) or declines.
    pub(super) fn answer_invite(
        &mut self,
        actor: &Actor,
        accept: bool,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        let Actor::User(user) = actor else {
            return Err(DomainError::InvalidArgument(
                "only the invitee can answer".into(),
            ));
        };
        let invited = self
            .record
            .as_ref()
            .is_some_and(|r| r.invitees.iter().any(|i| i == user));
        if !invited {
            return Err(DomainError::InvalidArgument(format!(
                "{user} has no invitation to this group"
            )));
        }
        let user = user.clone();
        if accept {
            // `admit` checks room and blocks, then drops the invitation.
            self.admit(&user, ctx)?;
        } else {
            if let Some(r) = self.record.as_mut() {
                r.invitees.retain(|i| *i != user);
            }
            self.save_record(ctx);
        }
        Ok(GroupReply::Done)
    }
}
