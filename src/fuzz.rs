//! What the fuzzers feed: one function per input the server takes from
//! outside (a `/ws` frame in JSON or MessagePack, a `/websocket` msync
//! frame, a message body, a value read back from the store or a command
//! read off the wire), each taking arbitrary bytes the way the server
//! does. None may panic. The libFuzzer targets in `fuzz/` and the property
//! tests in `tests/fuzz_inputs.rs` both call these, so the two exercise the
//! same code.

use crate::msync::body::{body_from_content, chat_type, ext_to_json};
use crate::msync::proto::{CommSyncUl, MSync, MessageBody, MucBody, Provision};
use crate::ws::codec::{decode, Encoding};
use imcloud_actors::app::AppRecord;
use imcloud_actors::chatroom::RoomRecord;
use imcloud_actors::events::Event;
use imcloud_actors::group::GroupRecord;
use imcloud_actors::message::StoredMessage;
use imcloud_actors::user::UserRecord;
use imcloud_actors::Command;
use imcloud_shards::{codec, wire};
use prost::Message as _;

/// A `/ws` frame, read as JSON and as MessagePack.
pub fn ws_frame(data: &[u8]) {
    let _ = decode(data, Encoding::Json);
    let _ = decode(data, Encoding::MsgPack);
}

/// A `/websocket` frame: the envelope, then whatever its payload claims
/// to be, down to a message's contents and `ext` as the server converts
/// them.
pub fn msync_frame(data: &[u8]) {
    let Ok(m) = MSync::decode(data) else {
        return;
    };
    let payload = m.payload.as_deref().unwrap_or_default();
    let _ = Provision::decode(payload);
    let Ok(ul) = CommSyncUl::decode(payload) else {
        return;
    };
    let Some(meta) = ul.meta else {
        return;
    };
    let inner = meta.payload.as_deref().unwrap_or_default();
    let _ = MucBody::decode(inner);
    if let Ok(body) = MessageBody::decode(inner) {
        let _ = chat_type(body.r#type);
        let _ = ext_to_json(&body.ext);
        for content in &body.contents {
            let _ = body_from_content(content);
        }
    }
}

/// A message's `body` and `ext` as JSON, checked against the body types
/// and a size limit.
pub fn message_body(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let (body, ext) = match &value {
        serde_json::Value::Object(o) => (o.get("body").unwrap_or(&value), o.get("ext")),
        _ => (&value, None),
    };
    let _ = imcloud_actors::message::validate_body(body, ext, 5 * 1024);
}

/// A value read back from the store as each record kind, and a command
/// read off the wire between entities (a cluster's peer).
pub fn stored(data: &[u8]) {
    let _ = codec::decode::<StoredMessage>(data);
    let _ = codec::decode::<UserRecord>(data);
    let _ = codec::decode::<GroupRecord>(data);
    let _ = codec::decode::<RoomRecord>(data);
    let _ = codec::decode::<AppRecord>(data);
    let _ = codec::decode::<Event>(data);
    let _ = wire::decode::<Command>(data);
}
