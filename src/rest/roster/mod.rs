//! The REST calls groups and chatrooms share, on the one roster: members
//! (G9–G12, R9c–R12c), admins (G14–G16, R13c), the block list (G17–G20,
//! R14c), mutes (G21–G23, R16c), mute-all (G24, R17c) and the announcement
//! (G28/G29, R8c). Each route serves `/chatgroups/{id}/…` and
//! `/chatrooms/{id}/…`; what Easemob answers differently for the two (the
//! id's key, a few error wordings and limits, `count` on a mute list, rooms
//! checking that the users they take exist) is in [`Area`].

mod announcement;
mod members;
mod moderation;

use super::extract::AppCtx;
use super::user_batch::Outcomes;
use crate::error::ApiError;
use crate::routes::Register as _;
use actix_web::web;
use imcloud_actors::chatroom::RoomView;
use imcloud_actors::group::GroupView;
use imcloud_actors::roster::limits::MAX_BATCH;
use imcloud_actors::roster::{Actor, ManageOp, ManageReply, Role, Scope};
use imcloud_actors::DomainError;
use serde::Deserialize;
use serde_json::Value;

/// Most users one R12c call removes (Easemob: 100).
const MAX_ROOM_REMOVE: usize = 100;

/// Largest page of a member list (G9, R9c) and its default.
const MAX_MEMBER_PAGE: usize = 1000;

/// The path segment that names a group or a room.
const KIND: &str = "{kind:chatgroups|chatrooms}";

pub fn configure(cfg: &mut web::ServiceConfig) {
    use moderation::*;
    let at = |rest: &str| format!("/{{org}}/{{app}}/{KIND}/{{id}}{rest}");
    cfg.get(&at("/users"), members::list)
        .post(&at("/users"), members::add_batch)
        .post(&at("/users/{username}"), members::add_one)
        .delete(&at("/users/{usernames}"), members::remove)
        .get(&at("/admin"), admins)
        .post(&at("/admin"), add_admin)
        .delete(&at("/admin/{username}"), remove_admin)
        .get(&at("/blocks/users"), blocks)
        .post(&at("/blocks/users"), block_batch)
        .post(&at("/blocks/users/{username}"), block_one)
        .delete(&at("/blocks/users/{usernames}"), unblock)
        .get(&at("/mute"), mute_list)
        .post(&at("/mute"), mute)
        .delete(&at("/mute/{usernames}"), unmute)
        .post(&at("/ban"), ban)
        .delete(&at("/ban"), unban)
        .get(&at("/announcement"), announcement::get)
        .post(&at("/announcement"), announcement::set);
}

/// A group or a room, and what Easemob answers differently for each.
struct Area {
    scope: Scope,
    id: String,
}

impl Area {
    /// Refuses users that do not exist, for a room (a group's joiners are
    /// checked as each holds a group slot, see `Node::group`).
    async fn check_users_exist(&self, ctx: &AppCtx, users: &[String]) -> Result<(), ApiError> {
        if self.scope == Scope::Chatroom {
            ctx.node.users_exist(&ctx.app, users).await?;
        }
        Ok(())
    }

    /// Most users one removal call names: a room takes them [`MAX_BATCH`]
    /// at a time.
    fn max_remove(&self) -> usize {
        match self.scope {
            Scope::Group => MAX_BATCH,
            Scope::Chatroom => MAX_ROOM_REMOVE,
        }
    }

    /// The key Easemob names the id with in per-user results.
    fn id_key(&self) -> &'static str {
        match self.scope {
            Scope::Group => "groupid",
            Scope::Chatroom => "id",
        }
    }

    /// The error of a user list of the wrong size, in Easemob's words for
    /// `call`.
    fn too_many(&self, call: Call) -> String {
        match (self.scope, call) {
            (Scope::Group, Call::Add) => format!("usernames: name 1-{MAX_BATCH} users"),
            (Scope::Chatroom, Call::Add) => format!("addMembers: name 1-{MAX_BATCH} users"),
            (Scope::Group, Call::Remove) => format!("kickMember: name 1-{MAX_BATCH} users"),
            (Scope::Chatroom, Call::Remove) => {
                format!("kickMembers: name 1-{MAX_ROOM_REMOVE} users")
            }
            (Scope::Group, Call::Block) => {
                format!("userNames is more than max limit : {MAX_BATCH}")
            }
            (Scope::Group, Call::Mute) => {
                format!("userNames size is more than max limit : {MAX_BATCH}")
            }
            (Scope::Group, Call::Unmute) => {
                format!("removeMute member size more than max limit: name 1-{MAX_BATCH} users")
            }
            (Scope::Chatroom, Call::Block | Call::Mute) => {
                format!("usernames: name 1-{MAX_BATCH} users")
            }
            (Scope::Chatroom, Call::Unmute) => format!("removeMute: name 1-{MAX_BATCH} users"),
        }
    }
}

#[derive(Clone, Copy)]
enum Call {
    Add,
    Remove,
    Block,
    Mute,
    Unmute,
}

#[derive(Deserialize)]
struct Usernames {
    usernames: Vec<String>,
}

#[derive(Deserialize)]
struct On {
    kind: String,
    id: String,
}

#[derive(Deserialize)]
struct OnUser {
    kind: String,
    id: String,
    username: String,
}

#[derive(Deserialize)]
struct OnUsers {
    kind: String,
    id: String,
    usernames: String,
}

fn area(kind: &str, id: &str) -> Result<Area, ApiError> {
    let (scope, id) = match kind {
        "chatgroups" => (Scope::Group, crate::groups::group_id(id)?),
        _ => (Scope::Chatroom, crate::chatrooms::room_id(id)?),
    };
    Ok(Area { scope, id })
}

/// A group's or a room's view, for the reads these calls make.
enum Viewed {
    Group(Box<GroupView>),
    Room(Box<RoomView>),
}

impl Viewed {
    /// Easemob's `affiliations`: the owner, then everyone else as `member`.
    fn affiliations(&self) -> Vec<Value> {
        match self {
            Viewed::Group(v) => super::groups::affiliations(v),
            Viewed::Room(v) => super::chatrooms::affiliations(v),
        }
    }

    fn admins(&self) -> Vec<String> {
        match self {
            Viewed::Group(v) => v
                .members
                .iter()
                .filter(|(_, m)| m.role == Role::Admin)
                .map(|(u, _)| u.clone())
                .collect(),
            Viewed::Room(v) => v.record.roster.admins.iter().cloned().collect(),
        }
    }

    fn blocks(&self) -> Vec<String> {
        match self {
            Viewed::Group(v) => v.blocks.clone(),
            Viewed::Room(v) => v.record.roster.blocks.iter().cloned().collect(),
        }
    }

    /// Every mute with its end (ms).
    fn mutes(&self) -> Vec<(String, i64)> {
        match self {
            Viewed::Group(v) => v
                .members
                .iter()
                .filter(|(_, m)| m.mute_until != 0)
                .map(|(u, m)| (u.clone(), m.mute_until))
                .collect(),
            Viewed::Room(v) => v
                .record
                .roster
                .mutes
                .iter()
                .map(|(u, until)| (u.clone(), *until))
                .collect(),
        }
    }

    fn announcement(&self) -> &str {
        match self {
            Viewed::Group(v) => &v.record.announcement,
            Viewed::Room(v) => &v.record.announcement,
        }
    }
}

/// Runs `op` on the group or room as `actor`: the app (the app's token),
/// or a user (its own token: the entity checks what its role allows).
async fn run(
    ctx: &AppCtx,
    actor: &Actor,
    area: &Area,
    op: ManageOp,
) -> Result<ManageReply<Viewed>, ApiError> {
    fn viewed<V>(reply: ManageReply<V>, wrap: fn(Box<V>) -> Viewed) -> ManageReply<Viewed> {
        match reply {
            ManageReply::View(v) => ManageReply::View(Box::new(wrap(v))),
            ManageReply::Done => ManageReply::Done,
            ManageReply::Pending => ManageReply::Pending,
            ManageReply::Users(u) => ManageReply::Users(u),
        }
    }
    let (node, app, id) = (&ctx.node, &ctx.app, area.id.as_str());
    Ok(match area.scope {
        Scope::Group => viewed(node.group(app, id, actor.clone(), op).await?, Viewed::Group),
        Scope::Chatroom => viewed(node.room(app, id, actor.clone(), op).await?, Viewed::Room),
    })
}

async fn view(ctx: &AppCtx, actor: &Actor, area: &Area) -> Result<Viewed, ApiError> {
    match run(ctx, actor, area, ManageOp::Get).await? {
        ManageReply::View(v) => Ok(*v),
        _ => Err(ApiError::Domain(DomainError::Internal)),
    }
}

async fn batch(
    ctx: &AppCtx,
    actor: &Actor,
    area: &Area,
    op: ManageOp,
) -> Result<Outcomes, ApiError> {
    match run(ctx, actor, area, op).await? {
        ManageReply::Users(list) => Ok(list),
        _ => Ok(Vec::new()),
    }
}
