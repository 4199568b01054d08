//! The HTTP surface as a whole: the OpenAPI document lists exactly the
//! routes the server registers, and every route and WebSocket op answers
//! each kind of caller as `docs/rest.md` ("Who may call what") says.

mod authorization;
mod openapi;

use imcloud_testkit::TestServer;
use reqwest::Method;
use serde_json::{json, Value};

/// What the paths of the table name, made real on one test server.
pub struct Fixtures {
    pub group: String,
    pub room: String,
    pub file: String,
}

impl Fixtures {
    /// Users alice, bob and carol; a group and a room of alice's with bob;
    /// an uploaded attachment.
    pub async fn make(s: &TestServer, token: &str) -> Fixtures {
        s.create_users(&["alice", "bob", "carol"]).await;
        let (_, g) = call(
            s,
            Method::POST,
            "/demo/chat/chatgroups",
            Some(token),
            Some(
                json!({"groupname": "g", "desc": "d", "public": true, "maxusers": 10,
                        "owner": "alice", "members": ["bob"]}),
            ),
        )
        .await;
        let (_, r) = call(
            s,
            Method::POST,
            "/demo/chat/chatrooms",
            Some(token),
            Some(json!({"name": "r", "description": "d", "maxusers": 10,
                        "owner": "alice", "members": ["bob"]})),
        )
        .await;
        let boundary = "imcloud-surface";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
        );
        let up: Value = s
            .http()
            .post(s.url("/demo/chat/chatfiles"))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Fixtures {
            group: g["data"]["groupid"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            room: r["data"]["id"].as_str().unwrap_or_default().to_string(),
            file: up["entities"][0]["uuid"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        }
    }

    /// `path` (as documented) with every parameter filled in.
    pub fn fill(&self, path: &str) -> String {
        let rooms = path.contains("/chatrooms");
        path.split('/')
            .map(|seg| match seg {
                "{org}" => "demo",
                "{app}" => "chat",
                "{username}" | "{owner}" => "alice",
                "{friend}" | "{blocked}" | "{usernames}" => "bob",
                "{id}" | "{ids}" | "{group_id}" if rooms => &self.room,
                "{id}" | "{ids}" | "{group_id}" => &self.group,
                "{resource}" => "web",
                "{status}" => "1",
                "{expiry}" => "60",
                "{kind}" => "1",
                "{uuid}" => &self.file,
                "{link}" => "not-a-link",
                "{time}" => "2026120600",
                "{msg_id}" => "1",
                other => other,
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// One HTTP call; the status and the JSON body (`null` if not JSON).
pub async fn call(
    s: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = s.http().request(method, s.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Whether an answer is the one for a path no route serves.
pub fn is_unknown_route(status: u16, body: &Value) -> bool {
    status == 404 && body["exception"] == json!("ResourceNotFoundException")
}

mod metrics;
