//! Pre-send rules (§8.2): a device's message, before it is routed to any
//! entity, is posted to each of the app's enabled pre-send rules that
//! select its chat and message type, in order; each may let it pass,
//! refuse it, or replace its body or `ext` (the next rule sees the
//! replacement). A rule that does not answer 200 with a JSON object
//! holding a boolean `valid` within its `timeout_ms` has failed: its
//! `fail_policy` lets the message pass or blocks it ("custom internal
//! error"). No retries. Nothing here holds an entity: the device's socket
//! task waits (its other requests go on), and other users are not
//! involved.

use super::render::signature;
use crate::node::Node;
use imcloud_actors::hooks::{CallbackRule, ChatKind, FailPolicy};
use imcloud_actors::message::ChatType;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The longest answer accepted (§8: 1,000 characters).
const MAX_ANSWER: usize = 1_000;
/// Upper bounds of the latency histogram, ms.
pub const BUCKETS_MS: [u64; 10] = [1, 2, 5, 10, 25, 50, 100, 200, 500, 1000];

/// What the rules decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    /// Pass with this body and `ext` (`None`: no `ext`).
    Replace {
        body: Value,
        ext: Option<Value>,
    },
    /// Refused, with the text the sender is told if `tell`.
    Refuse {
        code: String,
        tell: bool,
    },
}

/// Pre-send calls by outcome, and their latency.
#[derive(Debug, Default)]
pub struct PresendStats {
    pub passed: AtomicU64,
    pub replaced: AtomicU64,
    pub refused: AtomicU64,
    /// The rule failed (timeout, not 200, bad answer) and its policy let
    /// the message pass, or blocked it.
    pub failed_passed: AtomicU64,
    pub failed_blocked: AtomicU64,
    /// Calls at or under each of [`BUCKETS_MS`], and over the last.
    pub buckets: [AtomicU64; BUCKETS_MS.len() + 1],
    pub micros: AtomicU64,
}

impl PresendStats {
    fn time(&self, took: Duration) {
        let us = took.as_micros() as u64;
        let i = BUCKETS_MS
            .iter()
            .position(|b| us <= b * 1000)
            .unwrap_or(BUCKETS_MS.len());
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }
}

/// The message as the rules see it.
pub struct Draft<'a> {
    pub app: &'a str,
    pub chat: ChatType,
    pub from: &'a str,
    pub to: &'a str,
    pub msg_id: u64,
    /// When the server received it (Unix ms).
    pub received: i64,
    pub body: Value,
    pub ext: Option<Value>,
}

/// The rules of `rules` that are called for a message of `chat` with
/// `body`.
pub fn rules_for(rules: &[CallbackRule], chat: ChatType, body: &Value) -> Vec<CallbackRule> {
    let type_name = body.get("type").and_then(Value::as_str).unwrap_or("");
    rules
        .iter()
        .filter(|r| r.presends(chat, type_name))
        .cloned()
        .collect()
}

fn request(d: &Draft<'_>, rule: &CallbackRule) -> Value {
    let call_id = format!("{}_{}", d.app, uuid::Uuid::new_v4());
    let chat_type = match ChatKind::of(d.chat) {
        ChatKind::Chat => "chat",
        ChatKind::Groupchat => "groupchat",
        ChatKind::Chatroom => "chatroom",
    };
    let mut v = json!({
        "callId": call_id,
        "timestamp": d.received,
        "chat_type": chat_type,
        "from": d.from,
        "to": d.to,
        "msg_id": d.msg_id.to_string(),
        "payload": {
            "from": d.from,
            "to": d.to,
            "bodies": [&d.body],
            "ext": d.ext.clone().unwrap_or_else(|| json!({})),
        },
        "securityVersion": "1.0.0",
        "security": signature(&call_id, &rule.secret, d.received),
    });
    if d.chat != ChatType::Single {
        v["group_id"] = json!(d.to);
    }
    v
}

/// How one rule answered.
enum Answer {
    Valid {
        body: Option<Value>,
        ext: Option<Value>,
    },
    Invalid {
        code: Option<String>,
    },
    Failed(String),
}

async fn ask(node: &Node, rule: &CallbackRule, body: &Value) -> Answer {
    let timeout = Duration::from_millis(u64::from(rule.timeout_ms));
    let sent = node
        .hooks
        .http
        .post(&rule.url)
        .json(body)
        .timeout(timeout)
        .send();
    // The whole exchange, answer included, within the rule's time.
    let answer = tokio::time::timeout(timeout, async {
        let r = sent.await.map_err(|e| e.to_string())?;
        if r.status().as_u16() != 200 {
            return Err(format!("HTTP {}", r.status().as_u16()));
        }
        let bytes = r.bytes().await.map_err(|e| e.to_string())?;
        if bytes.len() > MAX_ANSWER {
            return Err(format!("answer longer than {MAX_ANSWER} characters"));
        }
        serde_json::from_slice::<Value>(&bytes).map_err(|e| format!("answer is not JSON: {e}"))
    })
    .await;
    let v = match answer {
        Err(_) => return Answer::Failed("no answer in time".into()),
        Ok(Err(e)) => return Answer::Failed(e),
        Ok(Ok(v)) => v,
    };
    let Some(valid) = v.get("valid").and_then(Value::as_bool) else {
        return Answer::Failed("the answer has no boolean `valid`".into());
    };
    if !valid {
        return Answer::Invalid {
            code: v.get("code").and_then(Value::as_str).map(str::to_string),
        };
    }
    let payload = v.get("payload").filter(|p| p.is_object());
    Answer::Valid {
        body: payload
            .and_then(|p| p.get("bodies"))
            .and_then(|b| b.get(0))
            .filter(|b| b.is_object())
            .cloned(),
        ext: payload
            .and_then(|p| p.get("ext"))
            .filter(|e| e.is_object())
            .cloned(),
    }
}

/// Runs `rules` on the message, in order.
pub async fn run(node: &Node, rules: &[CallbackRule], mut d: Draft<'_>) -> Verdict {
    let stats = &node.hooks.presend;
    let mut replaced = false;
    for rule in rules {
        let started = Instant::now();
        let mut answer = ask(node, rule, &request(&d, rule)).await;
        stats.time(started.elapsed());
        if let Answer::Valid { body: Some(b), .. } = &answer {
            if b.get("type") != d.body.get("type") {
                answer = Answer::Failed("the payload changes the message's type".into());
            }
        }
        match answer {
            Answer::Valid { body, ext } => {
                if body.is_some() || ext.is_some() {
                    replaced = true;
                    stats.replaced.fetch_add(1, Ordering::Relaxed);
                } else {
                    stats.passed.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(b) = body {
                    d.body = b;
                }
                if ext.is_some() {
                    d.ext = ext;
                }
            }
            Answer::Invalid { code } => {
                stats.refused.fetch_add(1, Ordering::Relaxed);
                let code = match code {
                    None => "custom logic denied".to_string(),
                    Some(c) if c.is_empty() => "Message blocked by external logic".to_string(),
                    Some(c) => c,
                };
                return Verdict::Refuse {
                    code,
                    tell: rule.report_error,
                };
            }
            Answer::Failed(why) => {
                tracing::debug!(rule = %rule.name, why = %why, "pre-send rule failed");
                match rule.fail_policy {
                    FailPolicy::Pass => {
                        stats.failed_passed.fetch_add(1, Ordering::Relaxed);
                    }
                    FailPolicy::Block => {
                        stats.failed_blocked.fetch_add(1, Ordering::Relaxed);
                        return Verdict::Refuse {
                            code: "custom internal error".into(),
                            tell: rule.report_error,
                        };
                    }
                }
            }
        }
    }
    if replaced {
        Verdict::Replace {
            body: d.body,
            ext: d.ext,
        }
    } else {
        Verdict::Pass
    }
}
