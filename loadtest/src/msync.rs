//! msync, the Web SDK's protocol on `/websocket`, as far as the harness
//! speaks it: a Provision with a user token (from `POST /token`), 1:1 text
//! sends carrying the [`Stamp`] in `ext.lt` and their acks, and the
//! receiving side's notice-then-pull (pull the queue a NOTICE names,
//! acknowledge each page with its `nextKey` until the empty last page).
//! The prost messages below are the subset of the SDK's schema these
//! frames use (field numbers as in `msync.proto`).

use crate::target::Target;
use crate::wire::Stamp;
use crate::Error;
use futures_util::{SinkExt, StreamExt};
use prost::Message as _;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// The device resource the harness logs in with: a stable one, so the
/// server's delivery cursor of a receiver carries over between runs.
pub const RESOURCE: &str = "loadtest";

const CMD_SYNC: i32 = 0;
const CMD_NOTICE: i32 = 2;
const CMD_PROVISION: i32 = 3;
const NS_CHAT: i32 = 1;
const BODY_CHAT: i32 = 1;
const CONTENT_TEXT: i32 = 0;
const VALUE_JSON_STRING: i32 = 8;
const USER_DOMAIN: &str = "easemob.com";

#[derive(Clone, PartialEq, prost::Message)]
pub struct MSync {
    #[prost(message, optional, tag = "2")]
    pub guid: Option<Jid>,
    #[prost(string, optional, tag = "3")]
    pub auth: Option<String>,
    #[prost(int32, optional, tag = "8")]
    pub command: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "9")]
    pub payload: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Provision {
    #[prost(string, optional, tag = "2")]
    pub version: Option<String>,
    #[prost(message, optional, tag = "8")]
    pub status: Option<Status>,
    #[prost(string, optional, tag = "13")]
    pub resource: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    #[prost(int32, optional, tag = "1")]
    pub error_code: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub reason: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Jid {
    #[prost(string, optional, tag = "1")]
    pub app_key: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub domain: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub client_resource: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CommSyncUl {
    #[prost(message, optional, tag = "1")]
    pub meta: Option<Meta>,
    #[prost(uint64, optional, tag = "2")]
    pub key: Option<u64>,
    #[prost(message, optional, tag = "3")]
    pub queue: Option<Jid>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CommSyncDl {
    #[prost(message, optional, tag = "1")]
    pub status: Option<Status>,
    #[prost(uint64, optional, tag = "2")]
    pub meta_id: Option<u64>,
    #[prost(uint64, optional, tag = "3")]
    pub server_id: Option<u64>,
    #[prost(message, repeated, tag = "4")]
    pub metas: Vec<Meta>,
    #[prost(uint64, optional, tag = "5")]
    pub next_key: Option<u64>,
    #[prost(message, optional, tag = "6")]
    pub queue: Option<Jid>,
    #[prost(bool, optional, tag = "7")]
    pub is_last: Option<bool>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CommNotice {
    #[prost(message, optional, tag = "1")]
    pub queue: Option<Jid>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Meta {
    #[prost(uint64, optional, tag = "1")]
    pub id: Option<u64>,
    #[prost(message, optional, tag = "3")]
    pub to: Option<Jid>,
    #[prost(int32, optional, tag = "5")]
    pub ns: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "6")]
    pub payload: Option<Vec<u8>>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MessageBody {
    #[prost(int32, optional, tag = "1")]
    pub r#type: Option<i32>,
    #[prost(message, optional, tag = "2")]
    pub from: Option<Jid>,
    #[prost(message, optional, tag = "3")]
    pub to: Option<Jid>,
    #[prost(message, repeated, tag = "4")]
    pub contents: Vec<Content>,
    #[prost(message, repeated, tag = "5")]
    pub ext: Vec<KeyValue>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Content {
    #[prost(int32, optional, tag = "1")]
    pub r#type: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub text: Option<String>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValue {
    #[prost(string, optional, tag = "1")]
    pub key: Option<String>,
    #[prost(int32, optional, tag = "2")]
    pub r#type: Option<i32>,
    #[prost(string, optional, tag = "6")]
    pub string_value: Option<String>,
}

fn jid(appkey: &str, name: &str) -> Jid {
    Jid {
        app_key: Some(appkey.to_string()),
        name: Some(name.to_string()),
        domain: Some(USER_DOMAIN.to_string()),
        client_resource: None,
    }
}

fn frame(command: i32, payload: Vec<u8>) -> Message {
    let m = MSync {
        command: Some(command),
        payload: Some(payload),
        ..Default::default()
    };
    Message::Binary(m.encode_to_vec())
}

/// `POST /token` (password grant): `user`'s token.
pub async fn user_token(
    http: &reqwest::Client,
    target: &Target,
    user: &str,
) -> Result<String, Error> {
    let body =
        json!({"grant_type": "password", "username": user, "password": crate::password_for(user)});
    crate::rest::grant(http, target, &body, &format!("token of {user}")).await
}

/// A token, a socket to `/websocket` on the HTTP port (from `source`
/// when given), and the Provision as device `resource`, within `timeout`.
pub async fn login(
    http: &reqwest::Client,
    target: &Target,
    user: &str,
    resource: &str,
    source: Option<std::net::Ipv4Addr>,
    timeout: Duration,
) -> Result<crate::conn::Ws, Error> {
    let go = async {
        let token = user_token(http, target, user).await?;
        let url = format!("ws://{}/websocket", target.addr);
        let t = target.clone().with_ws_url(&url)?;
        let mut ws = crate::conn::open(&t, source).await?;
        let provision = Provision {
            version: Some("imcloud-loadtest".into()),
            resource: Some(resource.into()),
            ..Default::default()
        };
        let m = MSync {
            guid: Some(Jid {
                client_resource: Some(resource.into()),
                ..jid(&target.appkey, user)
            }),
            auth: Some(format!("$t${token}")),
            command: Some(CMD_PROVISION),
            payload: Some(provision.encode_to_vec()),
        };
        ws.send(Message::Binary(m.encode_to_vec())).await?;
        while let Some(msg) = ws.next().await {
            let Message::Binary(b) = msg? else { continue };
            let Ok(m) = MSync::decode(&b[..]) else {
                continue;
            };
            if m.command != Some(CMD_PROVISION) {
                continue;
            }
            let p = Provision::decode(m.payload.as_deref().unwrap_or_default())
                .map_err(|e| Error::Server(format!("Provision reply: {e}")))?;
            let st = p.status.unwrap_or_default();
            return match st.error_code {
                Some(0) => Ok(ws),
                code => Err(Error::Server(format!(
                    "Provision of {user} failed: {code:?} {}",
                    st.reason.unwrap_or_default()
                ))),
            };
        }
        Err(Error::Ws(format!(
            "socket closed before the Provision of {user}"
        )))
    };
    tokio::time::timeout(timeout, go)
        .await
        .map_err(|_| Error::Timeout(format!("msync login of {user}")))?
}

/// One sender's text sends to `to`: a meta id made unique per run (the
/// server keeps a resent id's first ack), a text of `payload_bytes`, and
/// the stamp in `ext.lt`.
#[derive(Debug, Clone)]
pub struct SendTemplate {
    appkey: String,
    from: String,
    to: String,
    text: String,
    /// Meta ids are `base + k`.
    base: u64,
}

impl SendTemplate {
    pub fn new(appkey: &str, from: &str, to: &str, payload_bytes: usize, run_id: u64) -> Self {
        SendTemplate {
            appkey: appkey.to_string(),
            from: from.to_string(),
            to: to.to_string(),
            text: "x".repeat(payload_bytes.max(1)),
            // 24 bits of k, 39 of run: distinct between runs, positive.
            base: (run_id & ((1 << 39) - 1)) << 24,
        }
    }

    /// The frame of send `stamp.k`.
    pub fn frame(&self, stamp: Stamp) -> Result<Message, String> {
        let lt = serde_json::to_string(&stamp).map_err(|e| e.to_string())?;
        let body = MessageBody {
            r#type: Some(BODY_CHAT),
            from: Some(Jid {
                name: Some(self.from.clone()),
                ..Default::default()
            }),
            to: Some(Jid {
                name: Some(self.to.clone()),
                ..Default::default()
            }),
            contents: vec![Content {
                r#type: Some(CONTENT_TEXT),
                text: Some(self.text.clone()),
            }],
            ext: vec![KeyValue {
                key: Some("lt".into()),
                r#type: Some(VALUE_JSON_STRING),
                string_value: Some(lt),
            }],
        };
        let meta = Meta {
            id: Some(self.base + stamp.k),
            to: Some(jid(&self.appkey, &self.to)),
            ns: Some(NS_CHAT),
            payload: Some(body.encode_to_vec()),
        };
        let ul = CommSyncUl {
            meta: Some(meta),
            ..Default::default()
        };
        Ok(frame(CMD_SYNC, ul.encode_to_vec()))
    }

    /// The send an ack answers, and the server's msg id or the failure.
    pub fn ack(&self, msg: &Message) -> Option<(u64, Result<u64, String>)> {
        let Incoming::Ack { meta_id, result } = decode(msg)? else {
            return None;
        };
        Some((meta_id.checked_sub(self.base)?, result))
    }
}

/// What the server wrote, as far as the harness reads it.
pub enum Incoming {
    Ack {
        meta_id: u64,
        result: Result<u64, String>,
    },
    Notice(Jid),
    Page {
        queue: Jid,
        /// `(msg id, stamp)` of each text in the page.
        messages: Vec<(u64, Option<Stamp>)>,
        next_key: Option<u64>,
        is_last: bool,
    },
}

fn stamp_of(meta: &Meta) -> Option<Stamp> {
    let body = MessageBody::decode(meta.payload.as_deref()?).ok()?;
    let lt = body.ext.iter().find(|kv| kv.key.as_deref() == Some("lt"))?;
    serde_json::from_str(lt.string_value.as_deref()?).ok()
}

/// Decodes one frame (`None`: nothing the harness reads).
pub fn decode(msg: &Message) -> Option<Incoming> {
    let Message::Binary(b) = msg else {
        return None;
    };
    let m = MSync::decode(&b[..]).ok()?;
    let payload = m.payload.as_deref().unwrap_or_default();
    match m.command? {
        CMD_NOTICE => Some(Incoming::Notice(CommNotice::decode(payload).ok()?.queue?)),
        CMD_SYNC => {
            let dl = CommSyncDl::decode(payload).ok()?;
            if let Some(meta_id) = dl.meta_id {
                let st = dl.status.unwrap_or_default();
                let result = match (st.error_code, dl.server_id) {
                    (Some(0), Some(id)) => Ok(id),
                    (code, _) => Err(format!("msync_{}", code.unwrap_or(-1))),
                };
                return Some(Incoming::Ack { meta_id, result });
            }
            let messages = dl
                .metas
                .iter()
                .filter(|m| m.ns == Some(NS_CHAT))
                .map(|m| (m.id.unwrap_or(0), stamp_of(m)))
                .collect();
            Some(Incoming::Page {
                queue: dl.queue?,
                messages,
                next_key: dl.next_key,
                is_last: dl.is_last.unwrap_or(false),
            })
        }
        _ => None,
    }
}

/// A pull of `queue`, acknowledging up to `key`.
pub fn pull(queue: Jid, key: Option<u64>) -> Message {
    let ul = CommSyncUl {
        queue: Some(queue),
        key,
        ..Default::default()
    };
    frame(CMD_SYNC, ul.encode_to_vec())
}

/// The receiver's own queue (its user's JID).
pub fn own_queue(appkey: &str, user: &str) -> Jid {
    jid(appkey, user)
}

/// Pulls the user's own queue to its end, acknowledging every page, so a
/// run starts with the cursor at the head (what earlier runs left is not
/// this run's to count). Gives up after `timeout`.
pub async fn catch_up(
    ws: &mut crate::conn::Ws,
    appkey: &str,
    user: &str,
    timeout: Duration,
) -> Result<(), Error> {
    let go = async {
        ws.send(pull(own_queue(appkey, user), None)).await?;
        while let Some(msg) = ws.next().await {
            match decode(&msg?) {
                Some(Incoming::Page {
                    queue,
                    next_key,
                    is_last: false,
                    ..
                }) => ws.send(pull(queue, next_key)).await?,
                Some(Incoming::Page { is_last: true, .. }) => return Ok(()),
                _ => {}
            }
        }
        Err(Error::Ws(format!(
            "socket of {user} closed while catching up"
        )))
    };
    tokio::time::timeout(timeout, go)
        .await
        .map_err(|_| Error::Timeout(format!("catching up {user}")))?
}
