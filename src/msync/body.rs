//! Message bodies between msync and imcloud, both ways: an SDK's
//! `MessageBody` content becomes one of imcloud's body types (`txt`,
//! `img`, `video`, `audio`, `file`, `loc`, `cmd`, `custom`;
//! `docs/protocol.md`) and its typed `ext` a JSON object; a stored message
//! becomes a `MessageBody` again, so messages sent over REST or `/ws`
//! reach SDK users and the other way round. Only fields that are set are
//! written (the SDK tests presence).

use super::proto::code::{body as btype, content as ctype, value as vtype};
use super::proto::{Content, Jid, KeyValue, MessageBody, Size};
use imcloud_actors::message::{ChatType, StoredMessage};
use serde_json::{json, Map, Number, Value};

/// A content imcloud has no body type for (the SDK's combined messages).
#[derive(Debug, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

/// The SDK's typed key/values as a JSON object. A JSON_STRING that does
/// not parse stays a string; an entry without a key is skipped.
pub fn ext_to_json(kvs: &[KeyValue]) -> Map<String, Value> {
    let mut out = Map::new();
    for kv in kvs {
        let Some(key) = kv.key.clone() else { continue };
        let v = match kv.r#type.unwrap_or(vtype::STRING) {
            vtype::BOOL => Value::Bool(kv.varint_value.unwrap_or(0) != 0),
            vtype::INT | vtype::UINT | vtype::LLINT => json!(kv.varint_value.unwrap_or(0)),
            vtype::FLOAT => float(kv.float_value.map(f64::from)),
            vtype::DOUBLE => float(kv.double_value),
            vtype::JSON_STRING => {
                let s = kv.string_value.clone().unwrap_or_default();
                serde_json::from_str(&s).unwrap_or(Value::String(s))
            }
            _ => Value::String(kv.string_value.clone().unwrap_or_default()),
        };
        out.insert(key, v);
    }
    out
}

fn float(v: Option<f64>) -> Value {
    v.and_then(Number::from_f64)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// A JSON object as the SDK's typed key/values, typed as the SDK types
/// them when it sends: booleans BOOL, integers INT, other numbers DOUBLE,
/// strings STRING, anything else JSON_STRING.
pub fn json_to_ext(ext: &Map<String, Value>) -> Vec<KeyValue> {
    ext.iter()
        .map(|(k, v)| {
            let mut kv = KeyValue {
                key: Some(k.clone()),
                ..Default::default()
            };
            match v {
                Value::Bool(b) => {
                    kv.r#type = Some(vtype::BOOL);
                    kv.varint_value = Some(i64::from(*b));
                }
                Value::Number(n) if n.as_i64().is_some() => {
                    kv.r#type = Some(vtype::INT);
                    kv.varint_value = n.as_i64();
                }
                Value::Number(n) => {
                    kv.r#type = Some(vtype::DOUBLE);
                    kv.double_value = n.as_f64();
                }
                Value::String(s) => {
                    kv.r#type = Some(vtype::STRING);
                    kv.string_value = Some(s.clone());
                }
                other => {
                    kv.r#type = Some(vtype::JSON_STRING);
                    kv.string_value = Some(other.to_string());
                }
            }
            kv
        })
        .collect()
}

/// The chat type of a message body's type (`None`: not a chat message).
pub fn chat_type(body_type: Option<i32>) -> Option<ChatType> {
    match body_type {
        Some(btype::CHAT) => Some(ChatType::Single),
        Some(btype::GROUPCHAT) => Some(ChatType::Group),
        Some(btype::CHATROOM) => Some(ChatType::Chatroom),
        _ => None,
    }
}

fn put_str(b: &mut Map<String, Value>, field: &str, v: &Option<String>) {
    if let Some(s) = v {
        b.insert(field.into(), Value::String(s.clone()));
    }
}

fn put_count(b: &mut Map<String, Value>, field: &str, v: Option<i32>) {
    if let Some(n) = v.filter(|n| *n >= 0) {
        b.insert(field.into(), json!(n));
    }
}

fn pixels(v: Option<f64>) -> Option<u64> {
    v.filter(|x| x.is_finite() && *x >= 0.0 && *x < 1e9)
        .map(|x| x.round() as u64)
}

/// The first content of an uploaded message as an imcloud body.
pub fn body_from_content(c: &Content) -> Result<Value, Unsupported> {
    let mut b = Map::new();
    let kind = match c.r#type.unwrap_or(ctype::TEXT) {
        ctype::TEXT => {
            b.insert("msg".into(), json!(c.text.clone().unwrap_or_default()));
            "txt"
        }
        t @ (ctype::IMAGE | ctype::VIDEO | ctype::VOICE | ctype::FILE) => {
            put_str(&mut b, "url", &c.remote_path);
            put_str(&mut b, "filename", &c.display_name);
            put_str(&mut b, "secret", &c.secret_key);
            put_count(&mut b, "file_length", c.file_length);
            match t {
                ctype::IMAGE => {
                    if let Some(s) = &c.size {
                        let mut size = Map::new();
                        if let Some(w) = pixels(s.width) {
                            size.insert("width".into(), json!(w));
                        }
                        if let Some(h) = pixels(s.height) {
                            size.insert("height".into(), json!(h));
                        }
                        b.insert("size".into(), Value::Object(size));
                    }
                    "img"
                }
                ctype::VIDEO => {
                    put_count(&mut b, "length", c.duration);
                    put_str(&mut b, "thumb", &c.thumbnail_remote_path);
                    put_str(&mut b, "thumb_secret", &c.thumbnail_secret_key);
                    "video"
                }
                ctype::VOICE => {
                    put_count(&mut b, "length", c.duration);
                    "audio"
                }
                _ => "file",
            }
        }
        ctype::LOCATION => {
            b.insert("lat".into(), float(c.latitude));
            b.insert("lng".into(), float(c.longitude));
            b.insert("addr".into(), json!(c.address.clone().unwrap_or_default()));
            put_str(&mut b, "buildingName", &c.building_name);
            "loc"
        }
        ctype::COMMAND => {
            b.insert("action".into(), json!(c.action.clone().unwrap_or_default()));
            "cmd"
        }
        ctype::CUSTOM => {
            b.insert(
                "event".into(),
                json!(c.custom_event.clone().unwrap_or_default()),
            );
            let params: Map<String, Value> = ext_to_json(&c.custom_exts)
                .into_iter()
                .map(|(k, v)| match v {
                    Value::String(s) => (k, Value::String(s)),
                    other => (k, Value::String(other.to_string())),
                })
                .collect();
            if !params.is_empty() {
                b.insert("params".into(), Value::Object(params));
            }
            "custom"
        }
        ctype::COMBINE => return Err(Unsupported("combined messages are not supported")),
        _ => return Err(Unsupported("unknown content type")),
    };
    b.insert("type".into(), json!(kind));
    Ok(Value::Object(b))
}

fn str_of(b: &Map<String, Value>, field: &str) -> Option<String> {
    b.get(field).and_then(Value::as_str).map(str::to_string)
}

fn int_of(b: &Map<String, Value>, field: &str) -> Option<i32> {
    b.get(field)
        .and_then(Value::as_u64)
        .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
}

/// An imcloud body as the SDK's content.
pub fn content_from_body(body: &Value) -> Content {
    let empty = Map::new();
    let b = body.as_object().unwrap_or(&empty);
    let mut c = Content::default();
    match b.get("type").and_then(Value::as_str).unwrap_or("txt") {
        kind @ ("img" | "video" | "audio" | "file") => {
            c.r#type = Some(match kind {
                "img" => ctype::IMAGE,
                "video" => ctype::VIDEO,
                "audio" => ctype::VOICE,
                _ => ctype::FILE,
            });
            c.remote_path = str_of(b, "url");
            c.display_name = str_of(b, "filename");
            c.secret_key = str_of(b, "secret");
            c.file_length =
                int_of(b, "file_length").or_else(|| int_of(b, "length").filter(|_| kind == "file"));
            if kind == "img" {
                let size = b.get("size").and_then(Value::as_object);
                let dim = |f: &str| {
                    size.and_then(|s| s.get(f))
                        .or_else(|| b.get(f))
                        .and_then(Value::as_f64)
                };
                if let (Some(w), Some(h)) = (dim("width"), dim("height")) {
                    c.size = Some(Size {
                        width: Some(w),
                        height: Some(h),
                    });
                }
            }
            if kind == "video" || kind == "audio" {
                c.duration = int_of(b, "length");
            }
            if kind == "video" {
                c.thumbnail_remote_path = str_of(b, "thumb");
                c.thumbnail_secret_key = str_of(b, "thumb_secret");
            }
        }
        "loc" => {
            c.r#type = Some(ctype::LOCATION);
            c.latitude = b.get("lat").and_then(Value::as_f64);
            c.longitude = b.get("lng").and_then(Value::as_f64);
            c.address = str_of(b, "addr");
            c.building_name = str_of(b, "buildingName");
        }
        "cmd" => {
            c.r#type = Some(ctype::COMMAND);
            c.action = str_of(b, "action");
        }
        "custom" => {
            c.r#type = Some(ctype::CUSTOM);
            c.custom_event = str_of(b, "event");
            if let Some(p) = b.get("params").and_then(Value::as_object) {
                c.custom_exts = json_to_ext(p);
            }
        }
        _ => {
            c.r#type = Some(ctype::TEXT);
            c.text = Some(str_of(b, "msg").unwrap_or_default());
        }
    }
    c
}

/// A stored message as the `MessageBody` its recipients' SDKs read.
pub fn message_body(m: &StoredMessage) -> MessageBody {
    let name = |n: &str| Jid {
        name: Some(n.to_string()),
        ..Default::default()
    };
    MessageBody {
        r#type: Some(match m.chat {
            ChatType::Single => btype::CHAT,
            ChatType::Group => btype::GROUPCHAT,
            ChatType::Chatroom => btype::CHATROOM,
        }),
        from: Some(name(&m.from)),
        to: Some(name(&m.to)),
        contents: vec![content_from_body(&m.body)],
        ext: m
            .ext
            .as_deref()
            .and_then(Value::as_object)
            .map(json_to_ext)
            .unwrap_or_default(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(body: Value) -> Value {
        let c = content_from_body(&body);
        body_from_content(&c).expect("imcloud's types convert back")
    }

    #[test]
    fn every_body_type_survives_the_trip_through_the_sdks_content() {
        for body in [
            json!({"type": "txt", "msg": "hi"}),
            json!({"type": "img", "url": "http://x/f", "filename": "a.png", "secret": "s", "file_length": 10, "size": {"width": 3, "height": 4}}),
            json!({"type": "video", "url": "http://x/v", "filename": "v.mp4", "length": 7, "file_length": 99, "thumb": "http://x/t", "thumb_secret": "ts"}),
            json!({"type": "audio", "url": "http://x/a", "filename": "a.amr", "length": 3, "file_length": 5}),
            json!({"type": "file", "url": "http://x/d", "filename": "d.pdf", "file_length": 1}),
            json!({"type": "loc", "lat": 39.9, "lng": 116.4, "addr": "Beijing"}),
            json!({"type": "cmd", "action": "typing"}),
            json!({"type": "custom", "event": "gift", "params": {"n": "3"}}),
        ] {
            assert_eq!(round_trip(body.clone()), body);
        }
    }

    #[test]
    fn ext_keeps_its_types_both_ways() {
        let ext = json!({"b": true, "i": -5, "d": 1.5, "s": "x", "o": {"k": [1, null]}, "n": null});
        let ext = ext.as_object().expect("object");
        assert_eq!(&ext_to_json(&json_to_ext(ext)), ext);
    }

    #[test]
    fn a_text_is_written_without_a_sub_type() {
        let c = content_from_body(&json!({"type": "txt", "msg": "m"}));
        assert_eq!(c.sub_type, None);
        assert_eq!(c.r#type, Some(ctype::TEXT));
    }

    #[test]
    fn a_combined_message_is_refused() {
        let c = Content {
            r#type: Some(ctype::COMBINE),
            ..Default::default()
        };
        assert!(body_from_content(&c).is_err());
    }
}
