//! The authorization matrix: every REST route of the OpenAPI table and
//! every WebSocket op, tried by each kind of caller, answers exactly as
//! `docs/rest.md` ("Who may call what") says.

use super::{call, Fixtures};
use imcloud::openapi::routes::{Access, ROUTES};
use imcloud::routes::expand;
use imcloud_actors::ids::AppKey;
use imcloud_testkit::{code, TestServer, WsClient};
use reqwest::Method;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Nobody,
    /// alice, whom the paths name.
    TheUser,
    /// bob, a user the paths do not name.
    AnotherUser,
    AnotherAppsApp,
    /// carol, deactivated after her token was issued.
    DeactivatedUser,
    TheApp,
    /// The operator secret of `[admin] secret`.
    Operator,
}

const CALLERS: [Caller; 7] = [
    Caller::Nobody,
    Caller::TheUser,
    Caller::AnotherUser,
    Caller::AnotherAppsApp,
    Caller::DeactivatedUser,
    Caller::TheApp,
    Caller::Operator,
];

/// The operator secret of the matrix's server.
const OPERATOR_SECRET: &str = "matrix-operator-secret";

/// What `caller` must get from a route with `access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Past authentication: anything but 401 (a role may still refuse
    /// with 403).
    Served,
    /// The named user acting for itself: neither 401 nor 403.
    ServedAsSelf,
    /// 401: no token, or none that counts here.
    Unauthenticated,
    /// 403: a user acting for another user.
    Forbidden,
    /// The bearer plays no part: the same answer for everyone.
    Same,
}

fn expect(access: Access, caller: Caller) -> Expect {
    use Caller::*;
    match (access, caller) {
        (Access::Public | Access::Credentials | Access::Link | Access::Socket, _) => Expect::Same,
        (Access::Operator, Operator) => Expect::Served,
        (Access::Operator, _) => Expect::Unauthenticated,
        (_, TheApp) => Expect::Served,
        (Access::AppOrUser, TheUser | AnotherUser) => Expect::Served,
        (Access::AppOrSelf, TheUser) => Expect::ServedAsSelf,
        (Access::AppOrSelf, AnotherUser) => Expect::Forbidden,
        _ => Expect::Unauthenticated,
    }
}

fn meets(expect: Expect, status: u16) -> bool {
    match expect {
        Expect::Served => status != 401,
        Expect::ServedAsSelf => status != 401 && status != 403,
        Expect::Unauthenticated => status == 401,
        Expect::Forbidden => status == 403,
        Expect::Same => true,
    }
}

async fn user_token(s: &TestServer, user: &str) -> String {
    let (status, v) = call(
        s,
        Method::POST,
        "/demo/chat/token",
        None,
        Some(json!({"grant_type": "password", "username": user, "password": format!("pw-{user}")})),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["access_token"].as_str().unwrap().to_string()
}

struct Tokens {
    app: String,
    alice: String,
    bob: String,
    carol: String,
    other_app: String,
}

impl Tokens {
    fn of(&self, caller: Caller) -> Option<&str> {
        match caller {
            Caller::Nobody => None,
            Caller::TheUser => Some(&self.alice),
            Caller::AnotherUser => Some(&self.bob),
            Caller::AnotherAppsApp => Some(&self.other_app),
            Caller::DeactivatedUser => Some(&self.carol),
            Caller::TheApp => Some(&self.app),
            Caller::Operator => Some(OPERATOR_SECRET),
        }
    }
}

async fn tokens(s: &TestServer, app: &str) -> Tokens {
    let other = AppKey::new("other", "app").unwrap();
    let record = s
        .node
        .create_app(&other, s.node.config.app_defaults.clone())
        .await
        .unwrap();
    let other_app = imcloud_testkit::app_token(
        s.http(),
        &s.url("/other/app/token"),
        &record.client_id,
        &record.client_secret,
    )
    .await;
    let carol = user_token(s, "carol").await;
    let (status, v) = call(
        s,
        Method::POST,
        "/demo/chat/users/carol/deactivate",
        Some(app),
        None,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    Tokens {
        app: app.to_string(),
        alice: user_token(s, "alice").await,
        bob: user_token(s, "bob").await,
        carol,
        other_app,
    }
}

fn body_for(access: Access, method: &Method) -> Option<Value> {
    match access {
        Access::Credentials => {
            Some(json!({"grant_type": "password", "username": "alice", "password": "pw-alice"}))
        }
        _ => matches!(*method, Method::POST | Method::PUT).then(|| json!({})),
    }
}

/// `path` filled in; the operator's paths name an app made to be
/// deleted (the others' `demo#chat` is needed to the end).
fn fill(fx: &Fixtures, path: &str) -> String {
    match path.strip_prefix("/_admin/apps/{org}/{app}") {
        Some(rest) => format!("/_admin/apps/doomed/app{rest}"),
        None => fx.fill(path),
    }
}

#[tokio::test]
async fn every_route_answers_each_kind_of_caller_as_documented() {
    let s = TestServer::start_with(|c| c.admin.secret = OPERATOR_SECRET.into()).await;
    let app = s.app_token().await;
    let fx = Fixtures::make(&s, &app).await;
    let tokens = tokens(&s, &app).await;
    let doomed = AppKey::new("doomed", "app").unwrap();
    s.node
        .create_app(&doomed, s.node.config.app_defaults.clone())
        .await
        .unwrap();
    let mut wrong = Vec::new();
    let mut tried = 0;
    // The app's own calls go last: they change what the paths name
    // (alice is deleted); the others are refused before anything changes
    // or change nothing that matters (an upload).
    for pass in [false, true] {
        for route in ROUTES.iter().filter(|r| r.access != Access::Socket) {
            let method = Method::from_bytes(route.method.as_bytes()).unwrap();
            for path in expand(route.path) {
                let url = fill(&fx, &path);
                let mut answers = Vec::new();
                for caller in CALLERS {
                    if (caller == Caller::TheApp) != pass {
                        continue;
                    }
                    let body = body_for(route.access, &method);
                    let (status, v) = call(&s, method.clone(), &url, tokens.of(caller), body).await;
                    tried += 1;
                    answers.push(status);
                    let want = expect(route.access, caller);
                    if !meets(want, status) {
                        wrong.push(format!(
                            "{caller:?} {method} {url}: want {want:?}, got {status} {v}"
                        ));
                    }
                }
                if expect(route.access, Caller::Nobody) == Expect::Same {
                    answers.dedup();
                    if answers.len() > 1 {
                        wrong.push(format!(
                            "{method} {url}: the bearer changed the answer: {answers:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(tried > 600, "{tried} calls");
}

/// Every op of `/ws` with arguments it accepts.
fn ops() -> Vec<(&'static str, Value)> {
    let g = json!({"group": "1"});
    let gu = json!({"group": "1", "users": ["bob"]});
    let r = json!({"chatroom": "1"});
    let ru = json!({"chatroom": "1", "users": ["bob"]});
    let u = json!({"user": "bob"});
    let msg = json!({"chat": "single", "to": "bob", "msg_id": "1"});
    vec![
        (
            "send",
            json!({"chat": "single", "to": "bob", "body": {"type": "txt", "msg": "hi"}}),
        ),
        ("sync", json!({})),
        ("join", r.clone()),
        ("leave", r.clone()),
        ("group_apply", g.clone()),
        (
            "group_decide",
            json!({"group": "1", "user": "bob", "accept": true}),
        ),
        ("group_invite", gu.clone()),
        ("group_answer", json!({"group": "1", "accept": true})),
        ("group_leave", g.clone()),
        ("group_add", gu.clone()),
        ("group_remove", gu.clone()),
        ("group_mute", gu.clone()),
        ("group_unmute", gu.clone()),
        ("group_block", gu.clone()),
        ("group_admin", json!({"group": "1", "user": "bob"})),
        ("group_dismiss", g.clone()),
        ("group_info", g.clone()),
        ("chatroom_create", json!({})),
        ("chatroom_info", r.clone()),
        ("chatroom_destroy", r.clone()),
        ("chatroom_remove", ru.clone()),
        ("chatroom_mute", ru.clone()),
        ("chatroom_unmute", ru.clone()),
        ("chatroom_mute_all", r.clone()),
        ("chatroom_block", ru.clone()),
        ("chatroom_unblock", ru.clone()),
        ("chatroom_admin", json!({"chatroom": "1", "user": "bob"})),
        ("chatroom_announce", r.clone()),
        ("history", json!({"chat": "single", "with": "bob"})),
        ("conversations", json!({})),
        ("read", json!({"chat": "single", "to": "bob"})),
        ("delivered", msg.clone()),
        ("recall", msg.clone()),
        (
            "edit",
            json!({"chat": "single", "to": "bob", "msg_id": "1", "body": {"type": "txt", "msg": "x"}}),
        ),
        ("group_read_count", json!({"group": "1", "msg_id": "1"})),
        ("contact_add", u.clone()),
        ("contact_accept", u.clone()),
        ("contact_decline", u.clone()),
        ("contact_remove", u.clone()),
        ("contacts", json!({})),
        ("block", u.clone()),
        ("unblock", u.clone()),
        ("blocks", json!({})),
        ("presence_set", json!({"status": "1"})),
        (
            "presence_subscribe",
            json!({"users": ["bob"], "expiry": 60}),
        ),
        ("presence_unsubscribe", json!({"users": ["bob"]})),
        ("presence_get", json!({"users": ["bob"]})),
        ("presence_subscriptions", json!({})),
        ("attributes_set", json!({"attributes": {"nickname": "a"}})),
        ("attributes_get", json!({"users": ["bob"], "keys": []})),
    ]
}

#[tokio::test]
async fn every_socket_op_needs_a_login_and_only_live_users_of_the_app_log_in() {
    let s = TestServer::start_with(|c| c.admin.secret = OPERATOR_SECRET.into()).await;
    let app = s.app_token().await;
    Fixtures::make(&s, &app).await;
    let tokens = tokens(&s, &app).await;

    // Before a login every op but `auth` and `ping` gets 201.
    let c = WsClient::connect(&s.ws_url(), false).await.unwrap();
    for (op, args) in ops() {
        let reply = c.request(op, args).await.unwrap();
        assert_eq!(code(&reply), 201, "{op} before a login: {reply}");
    }
    assert_eq!(code(&c.request("ping", json!({})).await.unwrap()), 0);

    // Logins: the app's own user (by token and by password) is let in;
    // a deactivated user (207 by password, 202 by token), another app's
    // token, and the app token (not a user's) are not.
    let cases = [
        (json!({"token": tokens.alice}), 0),
        (
            json!({"appkey": "demo#chat", "user": "alice", "password": "pw-alice"}),
            0,
        ),
        (
            json!({"appkey": "demo#chat", "user": "carol", "password": "pw-carol"}),
            207,
        ),
        (json!({"token": tokens.carol}), 207),
        (json!({"token": tokens.other_app}), 202),
        (json!({"token": tokens.app}), 202),
        (json!({"token": "garbage"}), 202),
    ];
    for (args, want) in cases {
        let c = WsClient::connect(&s.ws_url(), false).await.unwrap();
        let reply = c.request("auth", args.clone()).await.unwrap();
        assert_eq!(code(&reply), want, "auth {args}: {reply}");
    }
}
