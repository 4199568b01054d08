//! Running a group: settings, owner transfer, admins, mute (per member
//! with an expiry, and mute-all), the block list and the announcement.
//! Every call checks the actor's role here, at the group, so no gateway
//! path can skip it.

use super::{
    Actor, GroupLimits, GroupPatch, GroupReply, GroupState, Role, MAX_ADMINS, MAX_BATCH, MAX_BLOCKS,
};
use crate::error::DomainError;
use crate::events::Event;
use crate::trees::group_members;
use crate::ChatEntity;
use imcloud_shards::StepCtx;

/// Most characters of each text field (Easemob's defaults).
pub const MAX_NAME: usize = 128;
pub const MAX_DESCRIPTION: usize = 512;
pub const MAX_ANNOUNCEMENT: usize = 512;
pub const MAX_CUSTOM: usize = 1024;

fn too_long(field: &str, value: &str, max: usize) -> Result<(), DomainError> {
    if value.chars().count() > max {
        return Err(DomainError::InvalidArgument(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(())
}

/// Checks the lengths of a patch's text fields.
pub fn check_patch(p: &GroupPatch) -> Result<(), DomainError> {
    too_long("groupname", p.name.as_deref().unwrap_or(""), MAX_NAME)?;
    too_long(
        "description",
        p.description.as_deref().unwrap_or(""),
        MAX_DESCRIPTION,
    )?;
    too_long("custom", p.custom.as_deref().unwrap_or(""), MAX_CUSTOM)
}

fn check_batch(users: &[String]) -> Result<(), DomainError> {
    if users.is_empty() || users.len() > MAX_BATCH {
        return Err(DomainError::InvalidArgument(format!(
            "name 1-{MAX_BATCH} users per call"
        )));
    }
    Ok(())
}

impl GroupState {
    pub(super) fn update(
        &mut self,
        actor: &Actor,
        patch: GroupPatch,
        limits: GroupLimits,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        check_patch(&patch)?;
        let members = self.members.len() as u32;
        let Some(r) = self.record.as_mut() else {
            return Err(DomainError::GroupNotFound);
        };
        if let Some(max) = patch.maxusers {
            if max < members || max > limits.max_users {
                return Err(DomainError::InvalidArgument(format!(
                    "maxusers must be between the member count ({members}) and {}",
                    limits.max_users
                )));
            }
            r.maxusers = max;
        }
        if let Some(v) = patch.name {
            r.name = v;
        }
        if let Some(v) = patch.description {
            r.description = v;
        }
        if let Some(v) = patch.public {
            r.public = v;
        }
        if let Some(v) = patch.allowinvites {
            r.allowinvites = v;
        }
        if let Some(v) = patch.membersonly {
            r.membersonly = v;
        }
        if let Some(v) = patch.custom {
            r.custom = v;
        }
        self.save_record(ctx);
        Ok(GroupReply::Done)
    }

    pub(super) fn transfer(
        &mut self,
        actor: &Actor,
        to: &str,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_owner(actor)?;
        let Some(new) = self.members.get(to).copied() else {
            return Err(DomainError::NotGroupMember);
        };
        let old_owner = self.record.as_ref().map(|r| r.owner.clone());
        if old_owner.as_deref() == Some(to) {
            return Err(DomainError::GroupPermission(
                "new owner and old owner are the same".into(),
            ));
        }
        if let Some(old) = old_owner {
            if let Some(m) = self.members.get(&old).copied() {
                self.put_member(
                    &old,
                    super::MemberRecord {
                        role: Role::Member,
                        ..m
                    },
                    ctx,
                );
                self.fanout_event("role_changed", &old, &[], ctx);
            }
        }
        self.put_member(
            to,
            super::MemberRecord {
                role: Role::Owner,
                ..new
            },
            ctx,
        );
        if let Some(r) = self.record.as_mut() {
            r.owner = to.to_string();
        }
        self.save_record(ctx);
        self.fanout_event("role_changed", to, &[], ctx);
        Ok(GroupReply::Done)
    }

    pub(super) fn set_admin(
        &mut self,
        actor: &Actor,
        user: &str,
        admin: bool,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_owner(actor)?;
        let Some(m) = self.members.get(user).copied() else {
            return Err(DomainError::NotGroupMember);
        };
        let role = match (m.role, admin) {
            (Role::Owner, _) => {
                return Err(DomainError::GroupPermission(
                    "forbidden operation on group owner".into(),
                ))
            }
            (Role::Admin, true) | (Role::Member, false) => {
                return Err(DomainError::GroupPermission(format!(
                    "{user} is {} an admin",
                    if admin { "already" } else { "not" }
                )))
            }
            (Role::Member, true) => {
                let admins = self
                    .members
                    .values()
                    .filter(|m| m.role == Role::Admin)
                    .count();
                if admins >= MAX_ADMINS {
                    return Err(DomainError::GroupPermission(format!(
                        "a group has at most {MAX_ADMINS} admins"
                    )));
                }
                Role::Admin
            }
            (Role::Admin, false) => Role::Member,
        };
        self.put_member(user, super::MemberRecord { role, ..m }, ctx);
        self.fanout_event("role_changed", user, &[], ctx);
        Ok(GroupReply::Done)
    }

    /// A manager's call on a batch of users: checks the caller and the batch
    /// size once, then runs `op` per user and reports each user's outcome.
    fn manage_each(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
        mut op: impl FnMut(&mut Self, &str, &mut StepCtx<'_, ChatEntity>) -> Result<(), DomainError>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        check_batch(&users)?;
        let mut out = Vec::with_capacity(users.len());
        for user in users {
            let r = op(self, &user, ctx);
            out.push((user, r));
        }
        Ok(GroupReply::Users(out))
    }

    pub(super) fn mute(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        until: i64,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.manage_each(actor, users, ctx, |g, user, ctx| {
            match g.members.get(user).copied() {
                None => Err(DomainError::NotGroupMember),
                Some(m) if m.role == Role::Owner => Err(DomainError::GroupPermission(
                    "forbidden operation on group owner".into(),
                )),
                Some(m) => {
                    g.put_member(
                        user,
                        super::MemberRecord {
                            mute_until: until,
                            ..m
                        },
                        ctx,
                    );
                    g.fanout_event("muted", user, &[], ctx);
                    Ok(())
                }
            }
        })
    }

    pub(super) fn unmute(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.manage_each(actor, users, ctx, |g, user, ctx| {
            match g.members.get(user).copied() {
                None => Err(DomainError::NotGroupMember),
                Some(m) => {
                    if m.mute_until != 0 {
                        g.put_member(user, super::MemberRecord { mute_until: 0, ..m }, ctx);
                        g.fanout_event("unmuted", user, &[], ctx);
                    }
                    Ok(())
                }
            }
        })
    }

    pub(super) fn mute_all(
        &mut self,
        actor: &Actor,
        on: bool,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        if let Some(r) = self.record.as_mut() {
            r.mute_all = on;
        }
        self.save_record(ctx);
        self.fanout_event(if on { "muted" } else { "unmuted" }, "", &[], ctx);
        Ok(GroupReply::Done)
    }

    /// Writes `user`'s block-list key (or its removal) and the event.
    fn record_block(&self, user: &str, blocked: bool, ctx: &mut StepCtx<'_, ChatEntity>) {
        let key = group_members::block_key(&self.key, user);
        if blocked {
            ctx.put_raw(key, Vec::new());
        } else {
            ctx.delete(key);
        }
        ctx.append_event(&Event::GroupBlockSet {
            app: self.app().to_string(),
            group: self.key.id.clone(),
            user: user.to_string(),
            blocked,
        });
    }

    /// Blocks users: a member is removed first; the block keeps them from
    /// joining or applying again until unblocked.
    pub(super) fn block(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.manage_each(actor, users, ctx, |g, user, ctx| {
            if g.blocks.len() >= MAX_BLOCKS && !g.blocks.contains(user) {
                return Err(DomainError::GroupPermission(format!(
                    "a block list holds at most {MAX_BLOCKS} users"
                )));
            }
            if g.members.contains_key(user) {
                g.expel(actor, user, ctx)?;
                g.fanout_event("member_removed", user, &[user.to_string()], ctx);
            }
            if g.blocks.insert(user.to_string()) {
                g.record_block(user, true, ctx);
            }
            Ok(())
        })
    }

    pub(super) fn unblock(
        &mut self,
        actor: &Actor,
        users: Vec<String>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.manage_each(actor, users, ctx, |g, user, ctx| {
            if g.blocks.remove(user) {
                g.record_block(user, false, ctx);
                Ok(())
            } else {
                Err(DomainError::InvalidArgument(format!(
                    "{user} is not blocked"
                )))
            }
        })
    }

    pub(super) fn set_announcement(
        &mut self,
        actor: &Actor,
        text: String,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<GroupReply, DomainError> {
        self.need_manager(actor)?;
        too_long("announcement", &text, MAX_ANNOUNCEMENT)?;
        if let Some(r) = self.record.as_mut() {
            r.announcement = text;
        }
        self.save_record(ctx);
        Ok(GroupReply::Done)
    }
}
