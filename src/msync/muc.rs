//! Group and chatroom events as the Web SDK hears them: a roster event of
//! the domain (`EventPush`) becomes one MUC meta, which the SDK turns into
//! `onGroupEvent` or `onChatroomEvent` (and `onGroupChange` /
//! `onChatroomChange`) by its operation.
//!
//! The domain names the member an event is about, not who made the change,
//! so `from` is that member (the SDK shows it as the event's `from`), and
//! `to` holds it too for the operations whose `userId` the SDK reads from
//! `to` (mutes). A change of role does not say which way it went, so it
//! has no msync form (docs/websdk.md).

use super::frames::{jid, CONFERENCE_DOMAIN, USER_DOMAIN};
use super::proto::code::{muc, ns};
use super::proto::{Meta, MucBody};
use imcloud_actors::roster::{EventKind, Scope};
use imcloud_actors::session::EventPush;
use prost::Message;

/// The SDK's operation for `kind`, or `None` when it has none here.
fn operation(kind: EventKind) -> Option<i32> {
    Some(match kind {
        EventKind::MemberJoined => muc::PRESENCE,
        EventKind::MemberLeft => muc::ABSENCE,
        EventKind::MemberRemoved => muc::KICK,
        EventKind::OwnerChanged => muc::ASSIGN_OWNER,
        EventKind::Muted => muc::ADD_MUTE,
        EventKind::Unmuted => muc::REMOVE_MUTE,
        EventKind::MutedAll => muc::BAN_GROUP,
        EventKind::UnmutedAll => muc::REMOVE_BAN_GROUP,
        EventKind::Blocked => muc::BAN,
        EventKind::Announcement => muc::UPDATE_ANNOUNCEMENT,
        EventKind::Dismissed | EventKind::Destroyed => muc::DESTROY,
        EventKind::JoinRequest => muc::APPLY,
        EventKind::Invited => muc::INVITE,
        EventKind::RoleChanged => return None,
    })
}

/// The meta telling user `me` of `e`, with id `id`; `None` for an event
/// the SDK has no form for.
pub fn event(appkey: &str, me: &str, e: &EventPush, id: u64, now: i64) -> Option<Meta> {
    let operation = operation(e.kind)?;
    // Whole-group events name no member: they come from the group.
    let about = if e.user.is_empty() { &e.id } else { &e.user };
    let body = MucBody {
        muc_id: Some(jid(appkey, &e.id, CONFERENCE_DOMAIN)),
        operation: Some(operation),
        from: Some(jid(appkey, about, USER_DOMAIN)),
        to: vec![jid(appkey, about, USER_DOMAIN)],
        is_chatroom: Some(e.scope == Scope::Chatroom),
    };
    Some(Meta {
        id: Some(id),
        from: Some(jid(appkey, &e.id, CONFERENCE_DOMAIN)),
        to: Some(jid(appkey, me, USER_DOMAIN)),
        timestamp: Some(now.max(0) as u64),
        ns: Some(ns::MUC),
        payload: Some(body.encode_to_vec()),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(kind: EventKind, user: &str, scope: Scope) -> EventPush {
        EventPush {
            kind,
            scope,
            id: "g1".to_string(),
            user: user.to_string(),
        }
    }

    #[test]
    fn a_mute_names_the_member_in_from_and_to_and_a_room_says_so() {
        let meta = event(
            "o#a",
            "alice",
            &push(EventKind::Muted, "bob", Scope::Chatroom),
            9,
            5,
        )
        .expect("a mute has a form");
        assert_eq!(meta.ns, Some(ns::MUC));
        let body = MucBody::decode(meta.payload.unwrap_or_default().as_slice()).expect("decodes");
        assert_eq!(body.operation, Some(muc::ADD_MUTE));
        assert_eq!(body.is_chatroom, Some(true));
        assert_eq!(body.to.len(), 1);
        assert_eq!(body.to[0].name.as_deref(), Some("bob"));
        assert_eq!(body.from.and_then(|j| j.name).as_deref(), Some("bob"));
        assert_eq!(body.muc_id.and_then(|j| j.name).as_deref(), Some("g1"));
    }

    #[test]
    fn a_change_of_role_has_no_form_and_a_dismissal_comes_from_the_group() {
        assert!(event(
            "o#a",
            "alice",
            &push(EventKind::RoleChanged, "bob", Scope::Group),
            1,
            1
        )
        .is_none());
        let meta = event(
            "o#a",
            "alice",
            &push(EventKind::Dismissed, "", Scope::Group),
            1,
            1,
        )
        .expect("a dismissal has a form");
        let body = MucBody::decode(meta.payload.unwrap_or_default().as_slice()).expect("decodes");
        assert_eq!(body.operation, Some(muc::DESTROY));
        assert_eq!(body.is_chatroom, Some(false));
        assert_eq!(body.from.and_then(|j| j.name).as_deref(), Some("g1"));
    }
}
