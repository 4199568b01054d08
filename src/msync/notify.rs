//! NOTIFY metas: what the Web SDK parses as a JSON notice rather than a
//! protobuf body. imcloud sends one kind, a presence change of a user this
//! user subscribed to, which the SDK hands to `onPresenceStatusChange`.
//!
//! The SDK decodes the payload byte by byte through `%XX` escapes written
//! without a leading zero, so a byte below 0x10 would break its decoding;
//! compact JSON from serde has none (control characters inside strings are
//! escaped).

use super::frames::{jid, USER_DOMAIN};
use super::proto::code::ns;
use super::proto::Meta;
use imcloud_actors::presence::PresenceStatus;
use serde_json::json;

/// The meta telling user `me` that `p` changed. `expiry` is 0: the push
/// does not carry the subscription's end (`getSubscribedPresenceList` has
/// it).
pub fn presence(appkey: &str, me: &str, p: &PresenceStatus, id: u64, now: i64) -> Meta {
    let item = crate::rest::presence::status_item(p.clone(), None);
    let notice = json!({"type": "presence", "data": {"values": [item]}});
    Meta {
        id: Some(id),
        from: Some(jid(appkey, &p.user, USER_DOMAIN)),
        to: Some(jid(appkey, me, USER_DOMAIN)),
        timestamp: Some(now.max(0) as u64),
        ns: Some(ns::NOTIFY),
        payload: Some(notice.to_string().into_bytes()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_presence_notice_is_json_the_sdk_can_decode() {
        let p = PresenceStatus {
            user: "alice".into(),
            status: BTreeMap::from([("web_1".to_string(), "1".to_string())]),
            ext: "line one\nline two".into(),
            last_time: 7,
        };
        let meta = presence("o#a", "bob", &p, 3, 9);
        let bytes = meta.payload.unwrap_or_default();
        assert!(
            bytes.iter().all(|b| *b >= 0x10),
            "a byte the SDK cannot decode"
        );
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(v["type"], "presence");
        assert_eq!(v["data"]["values"][0]["uid"], "alice");
        assert_eq!(v["data"]["values"][0]["status"]["web_1"], "1");
        assert_eq!(v["data"]["values"][0]["ext"], "line one\nline two");
    }
}
