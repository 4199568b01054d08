//! `presence_set`, `presence_subscribe`, `presence_unsubscribe`,
//! `presence_get`, `presence_subscriptions`, `attributes_set` and
//! `attributes_get`.

use super::{later, Dispatch};
use crate::device::Device;
use crate::ws::codec::{OkBody, WireStatus, WireSubscription};
use crate::ws::frames::{
    AttributesGetArgs, AttributesSetArgs, PresenceSetArgs, PresenceSubscribeArgs, PresenceUsers,
    SubscriptionsArgs,
};

pub(super) fn set(device: &Device, a: PresenceSetArgs) -> Dispatch {
    later(device.set_presence(a.status, a.ext), |()| OkBody::Empty {})
}

pub(super) fn subscribe(device: &Device, a: PresenceSubscribeArgs) -> Dispatch {
    later(device.subscribe(&a.users, a.expiry), |subscribed| {
        OkBody::Statuses {
            statuses: subscribed
                .into_iter()
                .map(|s| WireStatus::new(s.status, Some(s.expires_at)))
                .collect(),
        }
    })
}

pub(super) fn unsubscribe(device: &Device, a: PresenceUsers) -> Dispatch {
    later(device.unsubscribe(&a.users), |()| OkBody::Empty {})
}

pub(super) fn get(device: &Device, a: PresenceUsers) -> Dispatch {
    later(device.presence_of(&a.users), |statuses| OkBody::Statuses {
        statuses: statuses
            .into_iter()
            .map(|(s, expiry)| WireStatus::new(s, expiry))
            .collect(),
    })
}

pub(super) fn subscriptions(device: &Device, a: SubscriptionsArgs) -> Dispatch {
    later(device.subscriptions(a.page, a.size), |page| {
        OkBody::Subscriptions {
            total: page.total,
            subscriptions: page
                .subscriptions
                .into_iter()
                .map(|s| WireSubscription {
                    user: s.user,
                    expiry: s.expires_at,
                })
                .collect(),
        }
    })
}

pub(super) fn set_attributes(device: &Device, a: AttributesSetArgs) -> Dispatch {
    later(device.set_attributes(a.attributes), |attributes| {
        OkBody::Attributes { attributes }
    })
}

pub(super) fn attributes(device: &Device, a: AttributesGetArgs) -> Dispatch {
    later(device.attributes_of(&a.users, a.keys), |attributes| {
        OkBody::UsersAttributes { attributes }
    })
}
