//! `/websocket` under bad input, with raw frames: garbage, a text frame, a
//! valid frame before the Provision, a frame over the size limit, wrong,
//! expired, mismatched and foreign tokens each get the SDK's error or a
//! close, never a panic; the server then still serves a good login whose
//! heartbeat (UNREAD) is answered.

use crate::common::{TestServer, WAIT};
use futures_util::{SinkExt, StreamExt};
use imcloud::msync::proto::code::{command, status as st};
use imcloud::msync::proto::{CommUnreadDl, Jid, MSync, Provision};
use imcloud_actors::ids::AppKey;
use prost::Message as _;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(s: &TestServer) -> Socket {
    let url = format!("ws://{}/websocket", s.addr);
    tokio_tungstenite::connect_async(url)
        .await
        .expect("connect")
        .0
}

/// The next frame: `Ok(bytes)` for a binary one, `Err(close code)` once
/// the server closed (0: closed without a code).
async fn next(ws: &mut Socket) -> Result<Vec<u8>, u16> {
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame in time");
        match frame {
            Some(Ok(Message::Binary(b))) => return Ok(b.to_vec()),
            Some(Ok(Message::Close(c))) => return Err(c.map_or(0, |c| u16::from(c.code))),
            Some(Ok(_)) => continue,
            None | Some(Err(_)) => return Err(0),
        }
    }
}

fn provision_frame(appkey: &str, user: &str, token: &str) -> Vec<u8> {
    let p = Provision {
        resource: Some("raw_test".into()),
        version: Some("4.21.1".into()),
        ..Default::default()
    };
    MSync {
        command: Some(command::PROVISION),
        guid: Some(Jid {
            app_key: Some(appkey.into()),
            name: Some(user.into()),
            domain: Some("easemob.com".into()),
            client_resource: Some("raw_test".into()),
        }),
        auth: Some(format!("$t${token}")),
        payload: Some(p.encode_to_vec()),
        ..Default::default()
    }
    .encode_to_vec()
}

/// Sends a Provision and returns the reply's status (code, reason) and
/// how the socket ends up (`None`: still open).
async fn provision(
    s: &TestServer,
    appkey: &str,
    user: &str,
    token: &str,
) -> ((i32, String), Option<u16>, Socket) {
    let mut ws = connect(s).await;
    ws.send(Message::Binary(provision_frame(appkey, user, token)))
        .await
        .expect("send");
    let reply = next(&mut ws).await.expect("a Provision reply");
    let m = MSync::decode(&reply[..]).expect("msync");
    assert_eq!(m.command, Some(command::PROVISION));
    let p = Provision::decode(m.payload.as_deref().unwrap_or_default()).expect("provision");
    let status = p.status.expect("a status is always set");
    let code = status.error_code.unwrap_or(-1);
    let closed = if code == st::OK {
        None
    } else {
        next(&mut ws).await.err()
    };
    ((code, status.reason.unwrap_or_default()), closed, ws)
}

async fn user_token(s: &TestServer, appkey_path: &str, user: &str, password: &str) -> String {
    let body =
        serde_json::json!({"grant_type": "password", "username": user, "password": password});
    let r = s
        .http()
        .post(s.url(&format!("{appkey_path}/token")))
        .json(&body)
        .send()
        .await
        .expect("token");
    let v: serde_json::Value = r.json().await.expect("json");
    v["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

#[tokio::test]
async fn bad_frames_are_closed_and_bad_logins_refused_and_the_server_goes_on() {
    let s = TestServer::start_manual(|_| {}).await;
    s.create_users(&["alice", "bob"]).await;

    // Garbage: not an msync frame.
    let mut ws = connect(&s).await;
    ws.send(Message::Binary(vec![0xff, 0xff, 0xff, 0x0f, 0x01]))
        .await
        .expect("send");
    assert_eq!(next(&mut ws).await, Err(1002));

    // A text frame.
    let mut ws = connect(&s).await;
    ws.send(Message::Text("{\"op\":\"auth\"}".into()))
        .await
        .expect("send");
    assert_eq!(next(&mut ws).await, Err(1003));

    // A valid frame before the Provision (a heartbeat).
    let mut ws = connect(&s).await;
    let unread = MSync {
        command: Some(command::UNREAD),
        ..Default::default()
    }
    .encode_to_vec();
    ws.send(Message::Binary(unread.clone()))
        .await
        .expect("send");
    assert_eq!(next(&mut ws).await, Err(1008));

    // A frame over ws.max_frame_bytes.
    let mut ws = connect(&s).await;
    let huge = vec![0u8; s.node.config.ws.max_frame_bytes + 1];
    // The server may close before the whole frame is written.
    let _ = ws.send(Message::Binary(huge)).await;
    assert_eq!(next(&mut ws).await, Err(1009));

    // Wrong tokens: garbage, forged, and one naming another user.
    let bad = "Sorry, token or password does not match login info".to_string();
    let (status, closed, _) = provision(&s, "demo#chat", "alice", "not-a-token").await;
    assert_eq!((status, closed), ((st::FAIL, bad.clone()), Some(4002)));
    let alice = user_token(&s, "/demo/chat", "alice", "pw-alice").await;
    let forged = format!("{}x", &alice[..alice.len() - 1]);
    let (status, closed, _) = provision(&s, "demo#chat", "alice", &forged).await;
    assert_eq!((status, closed), ((st::FAIL, bad.clone()), Some(4002)));
    let (status, _, _) = provision(&s, "demo#chat", "bob", &alice).await;
    assert_eq!(
        status,
        (st::FAIL, bad.clone()),
        "alice's token does not log bob in"
    );

    // Another app's token: refused in this app, and it names its own app.
    let other = AppKey::new("other", "app").expect("app key");
    let record = s
        .node
        .create_app(&other, s.node.config.app_defaults.clone())
        .await
        .expect("other app");
    let other_app_token = crate::common::app_token(
        s.http(),
        &s.url("/other/app/token"),
        &record.client_id,
        &record.client_secret,
    )
    .await;
    let r = s
        .http()
        .post(s.url("/other/app/users"))
        .bearer_auth(&other_app_token)
        .json(&serde_json::json!({"username": "alice", "password": "pw-other"}))
        .send()
        .await
        .expect("register");
    assert!(r.status().is_success());
    let foreign = user_token(&s, "/other/app", "alice", "pw-other").await;
    let (status, _, _) = provision(&s, "demo#chat", "alice", &foreign).await;
    assert_eq!(status, (st::FAIL, bad.clone()), "another app's token");

    // An expired token.
    s.clock
        .advance(Duration::from_secs(record.settings.token_ttl_secs + 1));
    let (status, closed, _) = provision(&s, "demo#chat", "alice", &alice).await;
    assert_eq!(
        (status, closed),
        ((st::FAIL, "Sorry, token expired".into()), Some(4002))
    );

    // The server goes on: a good login, and its heartbeat is answered.
    let fresh = user_token(&s, "/demo/chat", "alice", "pw-alice").await;
    let ((code, _), _, mut ws) = provision(&s, "demo#chat", "alice", &fresh).await;
    assert_eq!(code, st::OK);
    ws.send(Message::Binary(unread)).await.expect("send");
    let reply = next(&mut ws).await.expect("an UNREAD reply");
    let m = MSync::decode(&reply[..]).expect("msync");
    assert_eq!(m.command, Some(command::UNREAD));
    let dl = CommUnreadDl::decode(m.payload.as_deref().unwrap_or_default()).expect("unread");
    assert_eq!(dl.status.and_then(|s| s.error_code), Some(st::OK));
    assert!(dl.timestamp.is_some());
    // Garbage after the login closes too.
    ws.send(Message::Binary(vec![0x0a, 0xff]))
        .await
        .expect("send");
    assert_eq!(next(&mut ws).await, Err(1002));
}
