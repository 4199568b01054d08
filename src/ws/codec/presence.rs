//! The wire shapes of presence: a user's presence in replies
//! ([`WireStatus`]), a subscription ([`WireSubscription`]) and the
//! `presence` push.

use imcloud_actors::presence::PresenceStatus;
use serde::Serialize;
use std::collections::BTreeMap;

/// A user's presence as replies show it: `{user, status, ext, last_time,
/// expiry?}` (`expiry`: a subscription's end, unix seconds).
#[derive(Debug, Serialize)]
pub struct WireStatus {
    pub user: String,
    pub status: BTreeMap<String, String>,
    pub ext: String,
    pub last_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<i64>,
}

impl WireStatus {
    pub fn new(p: PresenceStatus, expiry: Option<i64>) -> WireStatus {
        WireStatus {
            user: p.user,
            status: p.status,
            ext: p.ext,
            last_time: p.last_time,
            expiry,
        }
    }
}

/// One of a user's subscriptions: `{user, expiry}` (unix seconds).
#[derive(Debug, Serialize)]
pub struct WireSubscription {
    pub user: String,
    pub expiry: i64,
}

/// `{"push": "presence", "user", "status": {device: status}, "ext",
/// "last_time"}`.
#[derive(Serialize)]
pub(crate) struct PresenceFrame<'a> {
    push: &'static str,
    user: &'a str,
    status: &'a BTreeMap<String, String>,
    ext: &'a str,
    last_time: i64,
}

impl<'a> From<&'a PresenceStatus> for PresenceFrame<'a> {
    fn from(p: &'a PresenceStatus) -> Self {
        PresenceFrame {
            push: "presence",
            user: &p.user,
            status: &p.status,
            ext: &p.ext,
            last_time: p.last_time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::codec::{push_frame, Encoding, Outbound};
    use imcloud_actors::session::Push;
    use serde_json::{json, Value};
    use std::sync::Arc;

    #[test]
    fn the_presence_push_has_the_protocols_shape() {
        let p = PresenceStatus {
            user: "bob".into(),
            status: BTreeMap::from([("phone".to_string(), "0".to_string())]),
            ext: "away".into(),
            last_time: 7,
        };
        let Some(Outbound::Text(t)) = push_frame(&Push::Presence(Arc::new(p)), Encoding::Json)
        else {
            panic!("a text frame");
        };
        let v: Value = serde_json::from_str(&t).unwrap();
        assert_eq!(
            v,
            json!({"push": "presence", "user": "bob", "status": {"phone": "0"}, "ext": "away", "last_time": 7})
        );
    }
}
