//! The push commands of a User entity (§10.4): the tokens its devices
//! bind, its push profile (nickname, display style, app-wide type and
//! quiet time, language) and its settings per conversation; and the
//! courier's word that a provider refused a token. Also the event a
//! gateway asks a user's entity to queue for the app's post-send rules.

use crate::hooks::HookEvent;
use crate::message::StoredMessage;
use crate::push::{NotifyType, PushBinding, PushProfile, PushSetting};
use crate::trees::push_bindings::Conversation;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Binds `device_token` of `notifier_name` to the user's device
/// `device_id` (an empty token unbinds the device); answers the user's
/// bindings after the change.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetPushBinding {
    pub device_id: String,
    pub notifier_name: String,
    pub device_token: String,
}

/// The user's bindings.
#[derive(Debug, Serialize, Deserialize)]
pub struct ListPushBindings;

/// A provider said `device_token` is not valid: the binding of
/// `device_id` goes if it still holds that token.
#[derive(Debug, Serialize, Deserialize)]
pub struct DropPushToken {
    pub device_id: String,
    pub device_token: String,
}

/// Changes the user's push profile (`None` keeps a field).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SetPushProfile {
    /// The push nickname (`Some("")` clears it).
    pub nickname: Option<String>,
    pub display_style: Option<u8>,
    pub kind: Option<NotifyType>,
    /// The daily quiet interval (`Some(None)` turns it off).
    #[serde(default, with = "interval_change")]
    pub interval: Option<Option<(u16, u16)>>,
    /// Quiet for this long from now, ms (0 ends it).
    pub quiet_ms: Option<u64>,
    pub language: Option<String>,
}

/// The user's push nickname and profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushView {
    pub nickname: Option<String>,
    pub profile: PushProfile,
}

/// The user's push profile.
#[derive(Debug, Serialize, Deserialize)]
pub struct GetPushProfile;

/// Changes the user's setting for one conversation.
#[derive(Debug, Serialize, Deserialize)]
pub struct SetConversationPush {
    pub conversation: PushConversation,
    pub kind: Option<NotifyType>,
    /// Quiet for this long from now, ms (0 ends it).
    pub quiet_ms: Option<u64>,
}

/// The user's setting for one conversation (the default when unset).
#[derive(Debug, Serialize, Deserialize)]
pub struct GetConversationPush {
    pub conversation: PushConversation,
}

/// A conversation named in a push setting.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushConversation {
    pub group: bool,
    pub id: String,
}

impl PushConversation {
    pub fn tree(&self) -> Conversation {
        if self.group {
            Conversation::Group
        } else {
            Conversation::User
        }
    }
}

/// Queues `events` for the app's post-send rules in a step of this
/// entity (facts that change nothing else, e.g. a message refused at the
/// gateway for a sensitive word); answered once they are on disk.
#[derive(Debug, Serialize, Deserialize)]
pub struct QueueHookEvent {
    pub events: Vec<HookEvent>,
}

/// Answers for the push setting of a conversation.
pub type ConversationPushView = PushSetting;

/// Answers for the bindings.
pub type Bindings = Vec<PushBinding>;

/// A group message reached the user while none of its devices was
/// online: queue its offline push, as the user's settings say (a tell).
#[derive(Debug, Serialize, Deserialize)]
pub struct GroupPush {
    /// Shared with the fan-out notice: one message reaches many offline
    /// members, and a copy each would be a deep clone per member.
    pub message: Arc<StoredMessage>,
}

/// [`SetPushProfile::interval`] on the wire as a list of none or one
/// interval: MessagePack writes `Some(None)` as nil, which would read
/// back as `None` ("keep") and never turn the interval off.
mod interval_change {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    type Change = Option<Option<(u16, u16)>>;

    pub fn serialize<S: Serializer>(change: &Change, s: S) -> Result<S::Ok, S::Error> {
        change
            .map(|interval| interval.into_iter().collect::<Vec<_>>())
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Change, D::Error> {
        let listed: Option<Vec<(u16, u16)>> = Option::deserialize(d)?;
        Ok(listed.map(|l| l.into_iter().next()))
    }

    #[cfg(test)]
    mod tests {
        use super::super::SetPushProfile;

        #[test]
        fn turning_the_interval_off_survives_messagepack() {
            for interval in [None, Some(None), Some(Some((60, 120)))] {
                let change = SetPushProfile {
                    interval,
                    ..Default::default()
                };
                for bytes in [
                    rmp_serde::to_vec(&change).unwrap(),
                    rmp_serde::to_vec_named(&change).unwrap(),
                ] {
                    let back: SetPushProfile = rmp_serde::from_slice(&bytes).unwrap();
                    assert_eq!(back.interval, interval);
                }
            }
        }
    }
}
