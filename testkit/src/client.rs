//! A small async client of the `/ws` protocol for tests: connect, send
//! requests and await their replies by id, receive pushes, send raw
//! frames, see how the socket closed. (The load harness has its own lean
//! client; this one favours convenience: replies and pushes are JSON
//! values.)

use futures_util::stream::{SplitSink, StreamExt};
use futures_util::SinkExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Sink = SplitSink<WebSocketStream<MaybeTlsStream<TcpStream>>, Message>;
type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<Value>>>>;

/// Client errors: the socket failed, closed, or a reply did not come in time.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("websocket: {0}")]
    Ws(String),
    #[error("socket closed")]
    Closed,
    #[error("no reply within {0:?}")]
    Timeout(Duration),
}

/// What the reader task saw when the socket ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    pub code: Option<u16>,
    pub reason: String,
}

pub struct WsClient {
    sink: tokio::sync::Mutex<Sink>,
    waiters: Waiters,
    pushes: tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>,
    closed: tokio::sync::Mutex<Option<oneshot::Receiver<CloseInfo>>>,
    next_id: AtomicU64,
    msgpack: bool,
    timeout: Duration,
}

fn decode(msg: &Message) -> Option<Value> {
    match msg {
        Message::Text(t) => serde_json::from_str(t).ok(),
        Message::Binary(b) => rmp_serde::from_slice(b).ok(),
        _ => None,
    }
}

impl WsClient {
    /// Connects to `url` (`ws://host:port/ws`). With `msgpack`, requests go
    /// as MessagePack binary frames.
    pub async fn connect(url: &str, msgpack: bool) -> Result<WsClient, ClientError> {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| ClientError::Ws(e.to_string()))?;
        Ok(Self::from_stream(ws, msgpack))
    }

    /// Wraps an already connected socket.
    pub fn from_stream(ws: WebSocketStream<MaybeTlsStream<TcpStream>>, msgpack: bool) -> WsClient {
        let (sink, mut stream) = ws.split();
        let waiters: Waiters = Arc::default();
        // Pushes are test/harness input consumed as fast as they arrive; the
        // harness bounds them by bounding what it sends.
        let (push_tx, push_rx) = mpsc::unbounded_channel();
        let (close_tx, close_rx) = oneshot::channel();
        let w = waiters.clone();
        tokio::spawn(async move {
            let mut info = CloseInfo {
                code: None,
                reason: String::new(),
            };
            while let Some(item) = stream.next().await {
                let msg = match item {
                    Ok(m) => m,
                    Err(e) => {
                        info.reason = e.to_string();
                        break;
                    }
                };
                if let Message::Close(frame) = &msg {
                    if let Some(f) = frame {
                        info = CloseInfo {
                            code: Some(u16::from(f.code)),
                            reason: f.reason.to_string(),
                        };
                    }
                    break;
                }
                let Some(v) = decode(&msg) else { continue };
                let id = v.get("id").and_then(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .or_else(|| (!i.is_null()).then(|| i.to_string()))
                });
                if v.get("push").is_none() {
                    if let Some(id) = id {
                        if let Some(tx) = w.lock().ok().and_then(|mut m| m.remove(&id)) {
                            // The requester may have timed out.
                            let _ = tx.send(v);
                            continue;
                        }
                    }
                }
                // Unmatched replies (e.g. errors with a null id) go to pushes too.
                if push_tx.send(v).is_err() {
                    break;
                }
            }
            // Requests still waiting get no reply now: they fail at once
            // (`Closed`) instead of at their timeout.
            if let Ok(mut m) = w.lock() {
                m.clear();
            }
            // Nobody may be waiting for the close.
            let _ = close_tx.send(info);
        });
        WsClient {
            sink: tokio::sync::Mutex::new(sink),
            waiters,
            pushes: tokio::sync::Mutex::new(push_rx),
            closed: tokio::sync::Mutex::new(Some(close_rx)),
            next_id: AtomicU64::new(1),
            msgpack,
            timeout: Duration::from_secs(20),
        }
    }

    /// Sends a frame without waiting for anything.
    pub async fn send_frame(&self, frame: &Value) -> Result<(), ClientError> {
        let msg = if self.msgpack {
            Message::Binary(
                rmp_serde::to_vec_named(frame).map_err(|e| ClientError::Ws(e.to_string()))?,
            )
        } else {
            Message::Text(frame.to_string())
        };
        self.send_raw(msg).await
    }

    /// Sends any WebSocket message as is.
    pub async fn send_raw(&self, msg: Message) -> Result<(), ClientError> {
        self.sink
            .lock()
            .await
            .send(msg)
            .await
            .map_err(|e| ClientError::Ws(e.to_string()))
    }

    /// Starts the closing handshake; the server ends the session.
    pub async fn close(&self) -> Result<(), ClientError> {
        self.send_raw(Message::Close(None)).await
    }

    /// Sends `{"id", "op", ...args}` and returns the reply.
    pub async fn request(&self, op: &str, args: Value) -> Result<Value, ClientError> {
        let id = format!("r{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut frame = match args {
            Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        frame.insert("id".into(), json!(id));
        frame.insert("op".into(), json!(op));
        let (tx, rx) = oneshot::channel();
        if let Ok(mut w) = self.waiters.lock() {
            w.insert(id.clone(), tx);
        }
        self.send_frame(&Value::Object(frame)).await?;
        match tokio::time::timeout(self.timeout, rx).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(_)) => Err(ClientError::Closed),
            Err(_) => {
                if let Ok(mut w) = self.waiters.lock() {
                    w.remove(&id);
                }
                Err(ClientError::Timeout(self.timeout))
            }
        }
    }

    /// The next push (or unmatched frame), waiting at most `wait`.
    pub async fn next_push(&self, wait: Duration) -> Option<Value> {
        tokio::time::timeout(wait, self.pushes.lock().await.recv())
            .await
            .ok()
            .flatten()
    }

    /// The next push matching `pred`, skipping others; panics after
    /// [`crate::WAIT`] naming `what`.
    pub async fn push_where(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let until = std::time::Instant::now() + crate::WAIT;
        loop {
            let left = until.saturating_duration_since(std::time::Instant::now());
            match self.next_push(left).await {
                Some(p) if pred(&p) => return p,
                Some(_) => continue,
                None => panic!("timed out waiting for {what}"),
            }
        }
    }

    /// Connects to `/ws` at `addr` and logs `user` in with the test
    /// password (`pw-{user}`) of the demo app.
    pub async fn login_at(addr: std::net::SocketAddr, user: &str) -> WsClient {
        let c = WsClient::connect(&format!("ws://{addr}/ws"), false)
            .await
            .expect("connect");
        let r = c
            .login(crate::APPKEY, user, &format!("pw-{user}"), None)
            .await
            .expect("auth reply");
        assert_eq!(r["ok"], serde_json::json!(true), "{r}");
        c
    }

    /// Waits until the server closes the socket; returns how.
    pub async fn closed(&self, wait: Duration) -> Option<CloseInfo> {
        let rx = self.closed.lock().await.take()?;
        tokio::time::timeout(wait, rx).await.ok()?.ok()
    }

    /// `auth` with appkey + user + password.
    pub async fn login(
        &self,
        appkey: &str,
        user: &str,
        password: &str,
        device: Option<&str>,
    ) -> Result<Value, ClientError> {
        let mut args = json!({"appkey": appkey, "user": user, "password": password});
        if let Some(d) = device {
            args["device"] = json!(d);
        }
        self.request("auth", args).await
    }

    /// A 1:1 text message.
    pub async fn send_text(
        &self,
        to: &str,
        text: &str,
        client_msg_id: Option<&str>,
    ) -> Result<Value, ClientError> {
        let mut args = json!({"chat": "single", "to": to, "body": {"type": "txt", "msg": text}});
        if let Some(c) = client_msg_id {
            args["client_msg_id"] = json!(c);
        }
        self.request("send", args).await
    }

    /// A group text message.
    pub async fn send_group_text(&self, group: &str, text: &str) -> Result<Value, ClientError> {
        self.request(
            "send",
            json!({"chat": "group", "to": group, "body": {"type": "txt", "msg": text}}),
        )
        .await
    }

    /// Syncs the user's timeline from `after` until `more` is false; returns
    /// every message in order and the final cursor. Streams the reply adds
    /// (the user's groups) are named with their new cursors on the next
    /// page, so every page moves every stream forward.
    pub async fn sync_all(&self, after: u64) -> Result<(Vec<Value>, u64), ClientError> {
        let (all, cursors) = self.sync_streams(json!({"user": after})).await?;
        let user = cursors["user"].as_u64().unwrap_or(after);
        Ok((all, user))
    }

    /// Syncs from `cursors` (stream → seq) until `more` is false; returns
    /// every message and the final cursors of every stream.
    pub async fn sync_streams(
        &self,
        mut cursors: Value,
    ) -> Result<(Vec<Value>, Value), ClientError> {
        let mut all = Vec::new();
        loop {
            let r = self.request("sync", json!({"cursors": cursors})).await?;
            if r["ok"] != json!(true) {
                return Err(ClientError::Ws(format!("sync failed: {r}")));
            }
            if let Some(msgs) = r["messages"].as_array() {
                all.extend(msgs.iter().cloned());
            }
            if let (Some(c), Some(new)) = (cursors.as_object_mut(), r["cursors"].as_object()) {
                for (k, v) in new {
                    c.insert(k.clone(), v.clone());
                }
            }
            if r["more"] != json!(true) {
                return Ok((all, cursors));
            }
        }
    }
}
