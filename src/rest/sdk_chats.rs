//! The conversation calls Easemob's Web SDK makes over REST as its user
//! (with the user's token; the app's token works too): the conversation
//! list (`getServerConversations`, and the older `getConversationlist`)
//! and the roaming history (`getHistoryMessages`). They read the same
//! server copy as `/ws`'s `conversations` and `history`
//! (`device::conversations::Reader`), in the shapes the SDK parses: a
//! conversation's last message as Easemob's REST message (`payload` a JSON
//! string), a history message as an msync `Meta` in base64, which the SDK
//! decodes as it decodes a pulled one.

use super::envelope::Envelope;
use super::extract::{AppCtx, Authed, Body};
use super::parse_json;
use crate::device::conversations::{Conversation, Reader};
use crate::error::ApiError;
use crate::msync::frames::{self, CONFERENCE_DOMAIN, USER_DOMAIN};
use crate::routes::Register as _;
use actix_web::{web, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use imcloud_actors::ids::UserId;
use imcloud_actors::message::{ChatType, StoredMessage};
use prost::Message as _;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Messages per roaming page: the SDK's default and the most one takes.
const ROAMING_DEFAULT: usize = 20;
const ROAMING_MAX: usize = 50;
/// History pages read to fill one filtered roaming page at most.
const FILTER_PAGES: usize = 10;
/// Conversations per page of the SDK's list: its default and the most.
const LIST_DEFAULT: usize = 20;
const LIST_MAX: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.get("/{org}/{app}/sdk/user/{username}/user_channels/list", list)
        .get("/{org}/{app}/users/{username}/user_channels", legacy_list)
        .get(
            "/{org}/{app}/users/{username}/user_channels/page",
            legacy_list,
        )
        .post("/{org}/{app}/users/{username}/messageroaming", roaming);
}

#[derive(Deserialize)]
struct UserPath {
    username: String,
}

/// The reader of the path's user, once the caller may act for it.
fn reader(auth: &Authed, username: &str) -> Result<Reader, ApiError> {
    let user = UserId::parse(username)?;
    auth.act_for(&user)?;
    Ok(Reader {
        node: auth.ctx.node.get_ref().clone(),
        app: auth.ctx.app.clone(),
        user,
    })
}

fn chat_type_name(chat: ChatType) -> &'static str {
    match chat {
        ChatType::Single => "chat",
        ChatType::Group => "groupchat",
        ChatType::Chatroom => "chatroom",
    }
}

/// An imcloud body as Easemob's REST body: the same fields, but a custom
/// body's `event` / `params` are `customEvent` / `customExts` (a list of
/// one-key objects).
fn easemob_body(body: &Value) -> Value {
    let Some(b) = body.as_object() else {
        return body.clone();
    };
    if b.get("type").and_then(Value::as_str) != Some("custom") {
        return body.clone();
    }
    let mut out = Map::new();
    out.insert("type".into(), json!("custom"));
    out.insert(
        "customEvent".into(),
        b.get("event").cloned().unwrap_or(json!("")),
    );
    let exts: Vec<Value> = b
        .get("params")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| json!({ k.clone(): v })).collect())
        .unwrap_or_default();
    out.insert("customExts".into(), Value::Array(exts));
    Value::Object(out)
}

/// A message as Easemob's REST message: what the SDK reads as a
/// conversation's `lastMessage` (`payload` is a JSON string).
fn rest_message(m: &StoredMessage) -> Value {
    let payload = json!({
        "from": m.from,
        "to": m.to,
        "type": chat_type_name(m.chat),
        "bodies": [easemob_body(&m.body)],
        "ext": m.ext.as_deref().cloned().unwrap_or_else(|| json!({})),
    });
    let to = match m.chat {
        ChatType::Single => m.to.clone(),
        _ => format!("{}@{CONFERENCE_DOMAIN}", m.to),
    };
    json!({
        "id": m.msg_id.to_string(),
        "from": m.from,
        "to": to,
        "timestamp": m.ts,
        "payload": payload.to_string(),
    })
}

fn channel_info(appkey: &str, c: &Conversation) -> Value {
    let domain = match c.chat {
        ChatType::Single => USER_DOMAIN,
        _ => CONFERENCE_DOMAIN,
    };
    json!({
        "session_to": c.with,
        "session_type": chat_type_name(c.chat),
        "channel_id": format!("{appkey}_{}@{domain}", c.with),
        "unread_num": c.unread,
        "is_top": false,
        "update_top_status_time": 0,
        "meta": c.last.as_deref().map(rest_message).unwrap_or_else(|| json!({})),
    })
}

fn number(ctx: &AppCtx, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    match ctx.param(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::IllegalArgument(format!("{name} must be 1-{max}"))),
    }
}

/// `getServerConversations`: a page of the user's conversations, newest
/// activity first: `data: {"channel_infos", "cursor"}` (`cursor` empty on
/// the last page). Conversations without a message (a group nothing was
/// said in since the user joined) only with `needEmptySession=true`;
/// pinned ones (`is_top=true`): none (imcloud does not pin).
async fn list(auth: Authed, path: web::Path<UserPath>) -> Result<HttpResponse, ApiError> {
    let reader = reader(&auth, &path.username)?;
    let ctx = auth.ctx;
    let limit = number(&ctx, "limit", LIST_DEFAULT, LIST_MAX)?;
    let cursor = ctx.param("cursor").filter(|c| !c.is_empty());
    let empty_too = ctx.param("needEmptySession") == Some("true");
    let appkey = ctx.app.to_string();
    let (infos, next) = if ctx.param("is_top") == Some("true") {
        (Vec::new(), None)
    } else {
        let page = reader.conversations(Some(limit), cursor)?.await?;
        let infos: Vec<Value> = page
            .conversations
            .iter()
            .filter(|c| empty_too || c.last.is_some())
            .map(|c| channel_info(&appkey, c))
            .collect();
        (infos, page.cursor)
    };
    Ok(Envelope::new(&ctx)
        .data(json!({"channel_infos": infos, "cursor": next.unwrap_or_default()}))
        .finish())
}

/// `getConversationlist` (the SDK's older call): the user's conversations
/// with a message, newest first, `data: {"channel_infos"}`; with
/// `pageNum` (from 1) and `pageSize` (`…/user_channels/page`), that page.
async fn legacy_list(auth: Authed, path: web::Path<UserPath>) -> Result<HttpResponse, ApiError> {
    let reader = reader(&auth, &path.username)?;
    let ctx = auth.ctx;
    let size = number(&ctx, "pageSize", LIST_MAX, LIST_MAX)?;
    let num = number(&ctx, "pageNum", 1, 100_000)?;
    let appkey = ctx.app.to_string();
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    // The list is read whole (at most 10,000 conversations a user).
    loop {
        let page = reader.conversations(None, cursor.as_deref())?.await?;
        all.extend(page.conversations.into_iter().filter(|c| c.last.is_some()));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let infos: Vec<Value> = all
        .iter()
        .skip((num - 1).saturating_mul(size))
        .take(size)
        .map(|c| channel_info(&appkey, c))
        .collect();
    Ok(Envelope::new(&ctx)
        .data(json!({ "channel_infos": infos }))
        .finish())
}

#[derive(Deserialize)]
struct RoamingRequest {
    queue: String,
    #[serde(default)]
    start: Option<Value>,
    #[serde(default)]
    pull_number: Option<usize>,
    #[serde(default)]
    is_positive: Option<bool>,
    #[serde(default, rename = "msgType")]
    msg_type: Option<String>,
    #[serde(default, rename = "startTime")]
    start_time: Option<i64>,
    #[serde(default, rename = "endTime")]
    end_time: Option<i64>,
    #[serde(default, rename = "userId")]
    user_id: Option<String>,
}

/// The SDK's search options: message types, a time range, a sender.
struct Filter {
    types: Vec<String>,
    from_ts: Option<i64>,
    until_ts: Option<i64>,
    sender: Option<String>,
}

impl Filter {
    fn is_empty(&self) -> bool {
        self.types.is_empty()
            && self.from_ts.is_none()
            && self.until_ts.is_none()
            && self.sender.is_none()
    }

    fn keeps(&self, m: &StoredMessage) -> bool {
        let kind = m.body.get("type").and_then(Value::as_str).unwrap_or("");
        (self.types.is_empty() || self.types.iter().any(|t| t == kind))
            && self.from_ts.is_none_or(|t| m.ts >= t)
            && self.until_ts.is_none_or(|t| m.ts <= t)
            && self.sender.as_deref().is_none_or(|s| m.from == s)
    }
}

/// `start`: `-1` (or absent, or empty) for the newest, else the msg id
/// the previous page ended at (a number or its string).
fn start_of(v: Option<Value>) -> Result<Option<u64>, ApiError> {
    let bad = || ApiError::IllegalArgument("start must be -1 or a msg id".into());
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.as_i64() == Some(-1) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) if s.is_empty() || s == "-1" => Ok(None),
        Some(Value::String(s)) => s.parse::<u64>().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// `getHistoryMessages`: a page of the conversation named by `queue`
/// (`peer@easemob.com` or `group@conference.easemob.com`), going back
/// from `start`, newest first: `data: {"msgs": [{"msg": base64 Meta}],
/// "next_key", "is_last"}`; the next page starts at `next_key`. The
/// search options (`msgType`, `startTime`, `endTime`, a group's `userId`)
/// filter what is read; `is_positive` (reading forward) is refused.
async fn roaming(
    auth: Authed,
    path: web::Path<UserPath>,
    Body(body): Body,
) -> Result<HttpResponse, ApiError> {
    let reader = reader(&auth, &path.username)?;
    let ctx = auth.ctx;
    let req: RoamingRequest = parse_json(&body)?;
    if req.is_positive == Some(true) {
        return Err(ApiError::IllegalArgument(
            "searchDirection down is not supported: history is read from the newest back".into(),
        ));
    }
    let (with, domain) = req
        .queue
        .split_once('@')
        .ok_or_else(|| ApiError::IllegalArgument("queue must be name@domain".into()))?;
    let chat = if domain.contains("conference") {
        ChatType::Group
    } else {
        ChatType::Single
    };
    let limit = req
        .pull_number
        .unwrap_or(ROAMING_DEFAULT)
        .clamp(1, ROAMING_MAX);
    let filter = Filter {
        types: req
            .msg_type
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        from_ts: req.start_time.filter(|t| *t > 0),
        until_ts: req.end_time.filter(|t| *t > 0),
        sender: req
            .user_id
            .filter(|u| !u.is_empty() && chat == ChatType::Group),
    };
    let mut before = start_of(req.start)?;
    let mut found: Vec<std::sync::Arc<StoredMessage>> = Vec::new();
    // Nothing older is left to read (or could match).
    let mut exhausted = false;
    let pages = if filter.is_empty() { 1 } else { FILTER_PAGES };
    for _ in 0..pages {
        let page = reader.history(chat, with, before, Some(limit))?.await?;
        let mut scanned = 0;
        // Newest first, as the SDK lists them going back.
        for m in page.messages.iter().rev() {
            if found.len() == limit {
                break;
            }
            scanned += 1;
            before = Some(m.msg_id);
            if filter.keeps(m) {
                found.push(m.clone());
            }
        }
        let whole_page = scanned == page.messages.len();
        // Older than the time range: nothing further back can match.
        let too_old = filter
            .from_ts
            .is_some_and(|t| page.messages.first().is_some_and(|m| m.ts < t));
        if whole_page && (!page.more || too_old) {
            exhausted = true;
        }
        if exhausted || found.len() == limit {
            break;
        }
    }
    let appkey = ctx.app.to_string();
    let msgs: Vec<Value> = found
        .iter()
        .map(|m| json!({"msg": STANDARD.encode(frames::meta(&appkey, m).encode_to_vec())}))
        .collect();
    let next_key = before.map(|b| b.to_string()).unwrap_or_default();
    Ok(Envelope::new(&ctx)
        .data(json!({"msgs": msgs, "next_key": next_key, "is_last": exhausted}))
        .finish())
}
