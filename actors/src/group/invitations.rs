//! Invitations: the owner, an admin, or (when `allowinvites` is on) any
//! member invites users; each invitee gets an `invited` event and joins only
//! when it accepts. The pending invitations live in the group record, capped
//! like join requests.

use super::{GroupReply, GroupState, MAX_APPLICANTS, SCOPE};
use crate::error::DomainError;
use crate::roster::{each, Actor, Audience, EventKind, ManageReply, RosterEvent};
use crate::ChatEntity;
use imcloud_shards::StepCtx;

impl GroupState {
    pub(super) fn invite(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_inviter(actor)?;
        let mut invited = Vec::new();
        let out = each(users, |user| {
            self.add_invitee(user)?;
            invited.push(user.to_string());
            Ok(())
        })?;
        if !invited.is_empty() {
            self.save_record(ctx);
            for user in invited {
                self.raise(
                    RosterEvent::new(EventKind::Invited, &user, Audience::User),
                    ctx,
                );
            }
        }
        Ok(ManageReply::Users(out))
    }

    fn add_invitee(&mut self, user: &str) -> Result<(), DomainError> {
        if self.members.0.contains_key(user) {
            return Err(DomainError::AlreadyMember(SCOPE));
        }
        if self.roster.blocks.contains(user) {
            return Err(DomainError::Blocked(SCOPE));
        }
        let Some(r) = self.record.as_mut() else {
            return Err(DomainError::NotFound(SCOPE));
        };
        if r.invitees.iter().any(|i| i == user) {
            return Ok(());
        }
        if r.invitees.len() >= MAX_APPLICANTS {
            return Err(DomainError::Forbidden(
                SCOPE,
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
        Ok(ManageReply::Done)
    }
}
