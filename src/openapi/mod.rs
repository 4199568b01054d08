//! The OpenAPI 3 document of the HTTP API, served at `/openapi.json`: built
//! once from the route table in [`routes`], so it lists exactly the routes
//! the server registers (a test holds the two equal) and who may call each.

pub mod routes;

use crate::routes::expand;
use routes::{Access, RouteDoc, ROUTES};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// The document (built on first use).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

/// Every documented (method, path) with the alternatives of a pattern
/// spelled out, as [`crate::routes::registered`] lists them.
pub fn documented() -> Vec<(String, String)> {
    let mut all: Vec<_> = ROUTES
        .iter()
        .flat_map(|r| {
            expand(r.path)
                .into_iter()
                .map(|p| (r.method.to_string(), p))
        })
        .collect();
    all.sort();
    all
}

fn build() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        for path in expand(route.path) {
            let item = paths
                .entry(path.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(ops) = item {
                ops.insert(route.method.to_lowercase(), operation(route, &path));
            }
        }
    }
    let mut tags: Vec<&str> = ROUTES.iter().map(|r| r.tag).collect();
    tags.dedup();
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "imcloud",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The REST API of imcloud, compatible with Easemob's server API \
                (paths under /{org}/{app}, its success envelope and error bodies), plus \
                imcloud's own settings and sensitive words, health, metrics and the two \
                WebSocket protocols. x-imcloud-access names who may call a route; \
                docs/rest.md has the answers each kind of caller gets.",
        },
        "tags": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "paths": paths,
        "components": components(),
    })
}

fn operation(route: &RouteDoc, path: &str) -> Value {
    let mut op = json!({
        "operationId": operation_id(route.method, path),
        "summary": route.summary,
        "tags": [route.tag],
        "x-imcloud-access": access_name(route.access),
        "security": security(route.access),
        "responses": responses(route),
    });
    let params: Vec<Value> = path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if !params.is_empty() {
        op["parameters"] = Value::Array(params);
    }
    if let Some(body) = request_body(route) {
        op["requestBody"] = body;
    }
    op
}

fn operation_id(method: &str, path: &str) -> String {
    let words: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_matches(|c| c == '{' || c == '}')
                .replace(['.', '-'], "_")
        })
        .collect();
    format!("{}_{}", method.to_lowercase(), words.join("_"))
}

fn access_name(access: Access) -> &'static str {
    match access {
        Access::Public => "public",
        Access::Credentials => "credentials",
        Access::App => "app",
        Access::AppOrOpenRegistration => "app-or-open-registration",
        Access::AppOrUser => "app-or-user",
        Access::AppOrSelf => "app-or-self",
        Access::Link => "link",
        Access::Socket => "socket",
        Access::Operator => "operator",
    }
}

fn security(access: Access) -> Value {
    match access {
        Access::App => json!([{"appToken": []}]),
        Access::AppOrUser | Access::AppOrSelf => json!([{"appToken": []}, {"userToken": []}]),
        Access::AppOrOpenRegistration => json!([{"appToken": []}, {}]),
        Access::Operator => json!([{"operatorSecret": []}]),
        Access::Public | Access::Credentials | Access::Link | Access::Socket => json!([]),
    }
}

fn request_body(route: &RouteDoc) -> Option<Value> {
    if !matches!(route.method, "POST" | "PUT") {
        return None;
    }
    if route.path.ends_with("/chatfiles") {
        return Some(json!({
            "required": true,
            "content": {"multipart/form-data": {"schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }}},
        }));
    }
    Some(json!({
        "required": false,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }))
}

fn responses(route: &RouteDoc) -> Value {
    let ok = match route.access {
        Access::Socket => json!({"101": {"description": "Switching to WebSocket"}}),
        Access::Public => json!({"200": {"description": "OK"}}),
        _ if route.path.ends_with("/chatfiles/{uuid}") || route.path.contains("/files/") => {
            json!({"200": {"description": "The file's bytes"}})
        }
        _ => json!({"200": {
            "description": "Easemob's success envelope",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}},
        }}),
    };
    let mut all = match ok {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if !matches!(route.access, Access::Public | Access::Socket) {
        for code in ["400", "401", "403", "404", "429"] {
            all.insert(code.into(), json!({"$ref": "#/components/responses/Error"}));
        }
    }
    Value::Object(all)
}

fn components() -> Value {
    json!({
        "securitySchemes": {
            "appToken": {
                "type": "http", "scheme": "bearer",
                "description": "An app token from POST /{org}/{app}/token (client_credentials).",
            },
            "operatorSecret": {
                "type": "http", "scheme": "bearer",
                "description": "The operator secret of the config's [admin] secret (IMCLOUD_ADMIN__SECRET).",
            },
            "userToken": {
                "type": "http", "scheme": "bearer",
                "description": "A user token from POST /{org}/{app}/token (password grant).",
            },
        },
        "schemas": {
            "Envelope": {
                "type": "object",
                "description": "Easemob's success envelope; the call's result is in data or entities.",
                "properties": {
                    "action": {"type": "string"},
                    "application": {"type": "string"},
                    "uri": {"type": "string"},
                    "path": {"type": "string"},
                    "entities": {"type": "array", "items": {"type": "object"}},
                    "data": {},
                    "timestamp": {"type": "integer"},
                    "duration": {"type": "integer"},
                    "organization": {"type": "string"},
                    "applicationName": {"type": "string"},
                },
            },
            "Error": {
                "type": "object",
                "required": ["error", "error_description"],
                "properties": {
                    "error": {"type": "string", "description": "A stable error name"},
                    "exception": {"type": "string"},
                    "error_description": {"type": "string"},
                    "timestamp": {"type": "integer"},
                    "duration": {"type": "integer"},
                },
            },
        },
        "responses": {
            "Error": {
                "description": "An error in Easemob's form (docs/rest.md lists the codes)",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    })
}
