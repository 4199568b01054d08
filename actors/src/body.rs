//! Message bodies: the protocol's body types, each checked for its fields
//! (`docs/protocol.md`, "Body types"), and the size limit of body + `ext`.
//! Bodies stay JSON so fields the server does not interpret (image sizes,
//! custom params) reach the recipient unchanged.

use crate::error::DomainError;
use serde_json::{Map, Value};

/// Most entries of a `custom` body's `params`.
pub const MAX_CUSTOM_PARAMS: usize = 16;
/// Longest `custom` event name.
pub const MAX_CUSTOM_EVENT: usize = 32;

fn invalid(msg: String) -> DomainError {
    DomainError::MessageInvalid(msg)
}

fn need_str<'a>(
    b: &'a Map<String, Value>,
    field: &str,
    kind: &str,
) -> Result<&'a str, DomainError> {
    match b.get(field) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(invalid(format!("{kind} body needs a string `{field}`"))),
    }
}

fn need_nonempty(b: &Map<String, Value>, field: &str, kind: &str) -> Result<(), DomainError> {
    if need_str(b, field, kind)?.trim().is_empty() {
        return Err(invalid(format!("{kind} body's `{field}` is empty")));
    }
    Ok(())
}

fn opt_str(b: &Map<String, Value>, field: &str, kind: &str) -> Result<(), DomainError> {
    match b.get(field) {
        None | Some(Value::String(_)) => Ok(()),
        _ => Err(invalid(format!("{kind} body's `{field}` must be a string"))),
    }
}

fn opt_count(b: &Map<String, Value>, field: &str, kind: &str) -> Result<(), DomainError> {
    match b.get(field) {
        None => Ok(()),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(()),
        _ => Err(invalid(format!(
            "{kind} body's `{field}` must be a non-negative integer"
        ))),
    }
}

fn coordinate(b: &Map<String, Value>, field: &str, limit: f64) -> Result<(), DomainError> {
    match b.get(field).and_then(Value::as_f64) {
        Some(v) if v.abs() <= limit => Ok(()),
        Some(_) => Err(invalid(format!("loc body's `{field}` is out of range"))),
        None => Err(invalid(format!("loc body needs a number `{field}`"))),
    }
}

fn custom(b: &Map<String, Value>) -> Result<(), DomainError> {
    let event = match (b.get("event"), b.get("customEvent")) {
        (Some(Value::String(e)), _) | (None, Some(Value::String(e))) => e,
        _ => return Err(invalid("custom body needs a string `event`".into())),
    };
    let well_formed = !event.is_empty()
        && event.len() <= MAX_CUSTOM_EVENT
        && event
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c));
    if !well_formed {
        return Err(invalid(format!(
            "custom body's `event` must be 1 to {MAX_CUSTOM_EVENT} of A-Z a-z 0-9 - _ / ."
        )));
    }
    match b.get("params") {
        None => Ok(()),
        Some(Value::Object(p)) if p.len() > MAX_CUSTOM_PARAMS => Err(invalid(format!(
            "custom body's `params` may hold at most {MAX_CUSTOM_PARAMS} entries"
        ))),
        Some(Value::Object(p)) if p.values().all(Value::is_string) => Ok(()),
        _ => Err(invalid(
            "custom body's `params` must be an object of strings".into(),
        )),
    }
}

fn file_like(b: &Map<String, Value>, kind: &str) -> Result<(), DomainError> {
    need_nonempty(b, "url", kind)?;
    for f in ["filename", "secret", "thumb", "thumb_secret"] {
        opt_str(b, f, kind)?;
    }
    for f in ["length", "file_length", "width", "height"] {
        opt_count(b, f, kind)?;
    }
    if let Some(size) = b.get("size") {
        let ok = match size {
            Value::Object(s) => ["width", "height"]
                .iter()
                .all(|f| s.get(*f).is_none_or(|v| v.as_u64().is_some())),
            _ => false,
        };
        if !ok {
            return Err(invalid(format!(
                "{kind} body's `size` must be {{width, height}} in pixels"
            )));
        }
    }
    Ok(())
}

/// Checks `body` against the protocol's body types and `ext` is an object,
/// and that both together fit in `max_bytes` as JSON.
pub fn validate_body(
    body: &Value,
    ext: Option<&Value>,
    max_bytes: usize,
) -> Result<(), DomainError> {
    let Some(b) = body.as_object() else {
        return Err(invalid("body must be an object".into()));
    };
    let kind = match b.get("type") {
        Some(Value::String(t)) => t.as_str(),
        _ => return Err(invalid("body needs a string `type`".into())),
    };
    match kind {
        "txt" => {
            need_str(b, "msg", kind)?;
        }
        "img" | "audio" | "video" | "file" => file_like(b, kind)?,
        "loc" => {
            coordinate(b, "lat", 90.0)?;
            coordinate(b, "lng", 180.0)?;
            need_str(b, "addr", kind)?;
        }
        "cmd" => need_nonempty(b, "action", kind)?,
        "custom" => custom(b)?,
        other => {
            return Err(invalid(format!(
                "unknown body type `{}`",
                other.chars().take(32).collect::<String>()
            )))
        }
    }
    if let Some(ext) = ext {
        if !ext.is_object() {
            return Err(invalid("ext must be an object".into()));
        }
    }
    let size = json_len(body).saturating_add(ext.map_or(0, json_len));
    if size > max_bytes {
        return Err(DomainError::MessageTooLarge);
    }
    Ok(())
}

/// The length of `value` as JSON, counted without building the text.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_body_type_passes_with_its_fields_and_fails_without() {
        let ok = [
            json!({"type":"txt","msg":"hi"}),
            json!({"type":"img","url":"http://x/1","filename":"a.jpg","secret":"s","size":{"width":1,"height":2}}),
            json!({"type":"audio","url":"http://x/2","length":3}),
            json!({"type":"video","url":"http://x/3","thumb":"http://x/t","length":3,"file_length":100}),
            json!({"type":"file","url":"http://x/4","filename":"f.pdf"}),
            json!({"type":"loc","lat":1.5,"lng":-2,"addr":"x"}),
            json!({"type":"cmd","action":"typing"}),
            json!({"type":"custom","event":"gift/rose.v1","params":{"n":"3"}}),
            json!({"type":"custom","customEvent":"gift"}),
        ];
        for b in ok {
            validate_body(&b, None, 5120).unwrap_or_else(|e| panic!("{b}: {e}"));
        }
        let bad = [
            json!({"type":"txt"}),
            json!({"type":"nope"}),
            json!({"msg":"x"}),
            json!("txt"),
            json!({"type":"img"}),
            json!({"type":"img","url":""}),
            json!({"type":"img","url":"u","size":"big"}),
            json!({"type":"audio","url":"u","length":-1}),
            json!({"type":"file","url":"u","filename":7}),
            json!({"type":"loc","lat":"1","lng":2,"addr":"x"}),
            json!({"type":"loc","lat":91,"lng":2,"addr":"x"}),
            json!({"type":"loc","lat":1,"lng":2}),
            json!({"type":"cmd","action":""}),
            json!({"type":"custom","event":"has space"}),
            json!({"type":"custom","event":"x".repeat(33)}),
            json!({"type":"custom","event":"e","params":{"n":3}}),
            json!({"type":"custom","event":"e","params":(0..17).map(|i| (i.to_string(), json!("v"))).collect::<serde_json::Map<_, _>>()}),
        ];
        for b in bad {
            assert!(
                matches!(
                    validate_body(&b, None, 5120),
                    Err(DomainError::MessageInvalid(_))
                ),
                "{b}"
            );
        }
        assert!(validate_body(&json!({"type":"txt","msg":"x"}), Some(&json!([1])), 5120).is_err());
        let long = json!({"type":"txt","msg":"x".repeat(6000)});
        assert_eq!(
            validate_body(&long, None, 5120),
            Err(DomainError::MessageTooLarge)
        );
    }
}
