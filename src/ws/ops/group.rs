//! Group management from a device: `group_apply`, `group_decide`,
//! `group_invite`, `group_answer`, `group_leave`, `group_add`,
//! `group_remove`, `group_mute`, `group_unmute`, `group_block`,
//! `group_admin`, `group_dismiss`, `group_info`. Each becomes one operation
//! at the group's entity, which checks the caller's role itself.

use super::{later, Dispatch};
use crate::device::{user_id, user_ids, Device};
use crate::error::ApiError;
use crate::ws::codec::{GroupInfo, MemberInfo, OkBody, UserResult};
use crate::ws::frames::Op;
use imcloud_actors::group::{GroupOp, GroupReply};
use imcloud_actors::roster::{ManageOp, ManageReply, Outcomes};

pub(super) fn start(device: &Device, op: Op) -> Dispatch {
    match group_op(device, op) {
        Ok((group, op)) => later(device.group(&group, op), body),
        Err(e) => Dispatch::Done(Err(e)),
    }
}

fn group_op(device: &Device, op: Op) -> Result<(String, GroupOp), ApiError> {
    let roster = |group: String, op: ManageOp| (group, GroupOp::Roster(op));
    Ok(match op {
        Op::GroupApply(a) => (a.group, GroupOp::Apply),
        Op::GroupLeave(a) => (a.group, GroupOp::Leave),
        Op::GroupDismiss(a) => roster(a.group, ManageOp::Delete),
        Op::GroupInfo(a) => roster(a.group, ManageOp::Get),
        Op::GroupDecide(a) => {
            let user = user_id(&a.user)?;
            (
                a.group,
                GroupOp::Decide {
                    user,
                    accept: a.accept,
                },
            )
        }
        Op::GroupAnswer(a) => (a.group, GroupOp::AnswerInvite { accept: a.accept }),
        Op::GroupInvite(a) => (a.group, GroupOp::Invite(user_ids(&a.users)?)),
        Op::GroupAdmin(a) => {
            let user = user_id(&a.user)?;
            let admin = a.admin.unwrap_or(true);
            roster(a.group, ManageOp::SetAdmin { user, admin })
        }
        Op::GroupAdd(a) => roster(a.group, ManageOp::Add(user_ids(&a.users)?)),
        Op::GroupRemove(a) => roster(a.group, ManageOp::Remove(user_ids(&a.users)?)),
        Op::GroupUnmute(a) => roster(a.group, ManageOp::Unmute(user_ids(&a.users)?)),
        Op::GroupBlock(a) => roster(a.group, ManageOp::Block(user_ids(&a.users)?)),
        Op::GroupMute(a) => {
            let users = user_ids(&a.users)?;
            let until = device.node().mute_until(a.duration)?;
            roster(a.group, ManageOp::Mute { users, until })
        }
        other => return Err(ApiError::UnknownOp(format!("{other:?}"))),
    })
}

/// The per-user outcomes of a batch operation.
pub(super) fn results(outcomes: Outcomes) -> OkBody {
    let results = outcomes
        .into_iter()
        .map(|(user, r)| UserResult {
            user,
            ok: r.is_ok(),
            error: r.err().map(|e| (&ApiError::Domain(e)).into()),
        })
        .collect();
    OkBody::Results { results }
}

fn body(reply: GroupReply) -> OkBody {
    match reply {
        ManageReply::Done => OkBody::Empty {},
        ManageReply::Pending => OkBody::Pending { pending: true },
        ManageReply::Users(outcomes) => results(outcomes),
        ManageReply::View(v) => {
            let r = v.record;
            let members = v
                .members
                .into_iter()
                .map(|(user, m)| MemberInfo {
                    user,
                    role: m.role.as_str(),
                })
                .collect();
            OkBody::Group {
                group: GroupInfo {
                    id: r.id,
                    name: r.name,
                    description: r.description,
                    owner: r.owner,
                    public: r.public,
                    membersonly: r.membersonly,
                    allowinvites: r.allowinvites,
                    maxusers: r.maxusers,
                    announcement: r.announcement,
                    mute_all: r.mute_all,
                    members,
                },
            }
        }
    }
}
