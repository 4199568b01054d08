//! The Easemob success envelope: `action`, `application`, `organization`,
//! `applicationName`, `path`, `uri`, `params`, `entities`, `data`, `count`,
//! `cursor`, `timestamp`, `duration`.

use super::extract::AppCtx;
use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

pub struct Envelope {
    body: Map<String, Value>,
    started: std::time::Instant,
    now_ms: i64,
}

impl Envelope {
    /// The common keys for a request in `ctx`; `action` defaults to the
    /// lowercase method.
    pub fn new(ctx: &AppCtx) -> Self {
        let mut body = Map::new();
        body.insert("action".into(), json!(ctx.method.to_ascii_lowercase()));
        body.insert("application".into(), json!(ctx.record.uuid));
        body.insert("applicationName".into(), json!(ctx.app.app()));
        body.insert("organization".into(), json!(ctx.app.org()));
        body.insert("path".into(), json!(ctx.path));
        body.insert("uri".into(), json!(ctx.uri));
        body.insert("entities".into(), json!([]));
        if !ctx.params.is_empty() {
            body.insert("params".into(), Value::Object(ctx.params.clone()));
        }
        Envelope {
            body,
            started: ctx.started,
            now_ms: ctx.node.clock.now_ms(),
        }
    }

    pub fn action(mut self, action: &str) -> Self {
        self.body.insert("action".into(), json!(action));
        self
    }
    pub fn entities(mut self, entities: Vec<Value>) -> Self {
        self.body.insert("entities".into(), Value::Array(entities));
        self
    }
    pub fn data(mut self, data: Value) -> Self {
        self.body.insert("data".into(), data);
        self
    }
    /// `data` as a list, with `count` its length.
    pub fn list(self, data: Vec<Value>) -> Self {
        let n = data.len();
        self.data(Value::Array(data)).count(n)
    }
    pub fn count(mut self, count: usize) -> Self {
        self.body.insert("count".into(), json!(count));
        self
    }
    pub fn cursor(mut self, cursor: Option<String>) -> Self {
        if let Some(c) = cursor {
            self.body.insert("cursor".into(), json!(c));
        }
        self
    }
    pub fn field(mut self, key: &str, value: Value) -> Self {
        self.body.insert(key.into(), value);
        self
    }

    pub fn finish(mut self) -> HttpResponse {
        self.body.insert("timestamp".into(), json!(self.now_ms));
        self.body.insert(
            "duration".into(),
            json!(self.started.elapsed().as_millis() as u64),
        );
        HttpResponse::Ok().json(Value::Object(self.body))
    }
}

/// The REST user entity of Easemob.
pub fn user_entity(u: &imcloud_actors::user::UserView) -> Value {
    let mut v = json!({
        "uuid": u.uuid, "type": "user", "created": u.created, "modified": u.modified,
        "username": u.username, "activated": u.activated,
    });
    if let (Some(nick), Some(obj)) = (&u.nickname, v.as_object_mut()) {
        obj.insert("nickname".into(), json!(nick));
    }
    v
}
