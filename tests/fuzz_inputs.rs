//! The in-suite half of the fuzzing: every input decoder of
//! `imcloud::fuzz` (the same functions the libFuzzer targets in `fuzz/`
//! call) gets arbitrary bytes and mutations of valid inputs, and must not
//! panic. `scripts/fuzz.sh` runs the coverage-guided fuzzers for longer.

use imcloud::fuzz;
use imcloud::msync::proto::code::{body as body_type, command, content, ns};
use imcloud::msync::proto::{CommSyncUl, Content, KeyValue, MSync, MessageBody, Meta};
use imcloud_actors::message::{ChatType, StoredMessage};
use proptest::prelude::*;
use prost::Message as _;
use serde_json::json;
use std::sync::Arc;

/// Cases per property: enough to reach past the first byte of each
/// format in a few seconds of a debug build.
const CASES: u32 = 10_000;

/// A valid input with some bytes changed, cut or added.
fn mutated(seed: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = seed.len().max(1);
    (
        proptest::collection::vec((0..len, any::<u8>()), 0..8),
        0..=len,
        proptest::collection::vec(any::<u8>(), 0..8),
        0..=len,
    )
        .prop_map(move |(flips, cut, extra, at)| {
            let mut b = seed.clone();
            for (i, v) in flips {
                if i < b.len() {
                    b[i] = v;
                }
            }
            b.truncate(cut.max(1));
            let at = at.min(b.len());
            b.splice(at..at, extra);
            b
        })
}

fn ws_seeds() -> Vec<Vec<u8>> {
    let send = json!({"op": "send", "id": 7, "chat": "single", "to": "bob",
        "body": {"type": "img", "url": "u", "filename": "f", "size": {"width": 1, "height": 2}},
        "ext": {"k": [1, 2, {"x": null}]}, "client_msg_id": "c1"});
    let read = json!({"op": "read", "id": "r", "chat": "group", "to": "g1", "msg_id": "9"});
    vec![
        serde_json::to_vec(&send).unwrap(),
        rmp_serde::to_vec_named(&send).unwrap(),
        serde_json::to_vec(&read).unwrap(),
        rmp_serde::to_vec_named(&read).unwrap(),
    ]
}

fn msync_seed() -> Vec<u8> {
    let body = MessageBody {
        r#type: Some(body_type::CHAT),
        contents: vec![Content {
            r#type: Some(content::TEXT),
            text: Some("hello".into()),
            ..Default::default()
        }],
        ext: vec![KeyValue {
            key: Some("k".into()),
            r#type: Some(7),
            string_value: Some("v".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    let ul = CommSyncUl {
        meta: Some(Meta {
            id: Some(1),
            ns: Some(ns::CHAT),
            payload: Some(body.encode_to_vec()),
            ..Default::default()
        }),
        ..Default::default()
    };
    MSync {
        command: Some(command::SYNC),
        payload: Some(ul.encode_to_vec()),
        ..Default::default()
    }
    .encode_to_vec()
}

fn stored_seed() -> Vec<u8> {
    let m = StoredMessage {
        msg_id: 1,
        chat: ChatType::Single,
        from: "alice".into(),
        to: "bob".into(),
        seq: 3,
        ts: 4,
        body: Arc::new(json!({"type": "txt", "msg": "hi"})),
        ext: Some(Arc::new(json!({"a": 1}))),
        edits: 0,
    };
    imcloud_shards::codec::encode(&m).unwrap()
}

fn body_seed() -> Vec<u8> {
    serde_json::to_vec(
        &json!({"body": {"type": "loc", "lat": 1.5, "lng": 2.5, "addr": "x"},
        "ext": {"em_apns_ext": {"em_push_title": "t"}}}),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn ws_frames_of_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        fuzz::ws_frame(&data);
    }

    #[test]
    fn ws_frames_near_valid_ones(data in prop::sample::select(ws_seeds()).prop_flat_map(mutated)) {
        fuzz::ws_frame(&data);
    }

    #[test]
    fn msync_frames_of_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        fuzz::msync_frame(&data);
    }

    #[test]
    fn msync_frames_near_a_valid_one(data in mutated(msync_seed())) {
        fuzz::msync_frame(&data);
    }

    #[test]
    fn message_bodies_near_a_valid_one(data in mutated(body_seed())) {
        fuzz::message_body(&data);
    }

    #[test]
    fn stored_values_of_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        fuzz::stored(&data);
    }

    #[test]
    fn stored_values_near_a_valid_one(data in mutated(stored_seed())) {
        fuzz::stored(&data);
    }
}
