//! Setting an app up for `direct` with the governance switches on
//! (`setup --friend-pairs P [--words N] [--blocks B]`): the app's friend
//! check on and pairs `i < P` (users `2i` and `2i + 1`, as `direct` pairs
//! them) made friends; `N` sensitive words listed with the filter set to
//! `replace`; each receiver `2i + 1` blocking `B` users outside the pairs
//! (`{prefix}{2P}..{prefix}{2P+B-1}`, which `--users` must cover). Every
//! step is idempotent.

use crate::rest::{self, Credentials};
use crate::setup::user_name;
use crate::target::Target;
use crate::Error;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::{json, Value};

/// Friend and block calls in flight at once.
const CONCURRENCY: usize = 8;
/// Most words one call adds (the server's limit).
const WORDS_PER_CALL: usize = 10_000;

/// What to switch on.
#[derive(Debug, Clone)]
pub struct GovernanceOptions {
    pub pairs: u32,
    pub words: u32,
    pub blocks: u32,
}

/// What the setup did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct GovernanceReport {
    pub friend_pairs: u32,
    pub words_added: u64,
    pub blocks_per_receiver: u32,
}

/// Word `i` of the made-up list: Latin and CJK alternately, none of which
/// the harness's own messages hold.
pub fn word(i: u32) -> String {
    const CJK: [char; 8] = ['禁', '词', '敏', '感', '违', '规', '广', '告'];
    if i.is_multiple_of(2) {
        format!("zq{i}word")
    } else {
        let a = CJK[i as usize % CJK.len()];
        let b = CJK[(i as usize / CJK.len()) % CJK.len()];
        format!("{a}{b}{i}")
    }
}

async fn call(req: reqwest::RequestBuilder, token: &str, what: &str) -> Result<Value, Error> {
    let resp = req.bearer_auth(token).send().await?;
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(Error::Server(format!("{what} answered {status}: {v}")));
    }
    Ok(v)
}

/// Switches the governance on for the `direct` pairs.
pub async fn ensure(
    target: &Target,
    creds: &Credentials,
    prefix: &str,
    opts: &GovernanceOptions,
) -> Result<GovernanceReport, Error> {
    let http = reqwest::Client::new();
    let token = rest::app_token(&http, target, creds).await?;
    let mode = if opts.words > 0 { "replace" } else { "off" };
    let settings = json!({"friend_check": true, "sensitive_words": mode});
    call(
        http.put(target.app_url("/settings")).json(&settings),
        &token,
        "PUT /settings",
    )
    .await?;
    let mut words_added = 0;
    let all: Vec<String> = (0..opts.words).map(word).collect();
    for chunk in all.chunks(WORDS_PER_CALL) {
        let v = call(
            http.post(target.app_url("/sensitive_words"))
                .json(&json!({ "words": chunk })),
            &token,
            "POST /sensitive_words",
        )
        .await?;
        words_added += v["data"]["added"].as_u64().unwrap_or(0);
    }
    let outsiders: Vec<String> = (0..opts.blocks)
        .map(|j| user_name(prefix, 2 * opts.pairs + j))
        .collect();
    stream::iter(0..opts.pairs)
        .map(|i| {
            let (sender, receiver) = (user_name(prefix, 2 * i), user_name(prefix, 2 * i + 1));
            let (http, token, outsiders) = (&http, &token, &outsiders);
            async move {
                let path = format!("/users/{sender}/contacts/users/{receiver}");
                call(http.post(target.app_url(&path)), token, &path).await?;
                if !outsiders.is_empty() {
                    let path = format!("/users/{receiver}/blocks/users");
                    let body = json!({ "usernames": outsiders });
                    call(http.post(target.app_url(&path)).json(&body), token, &path).await?;
                }
                Ok::<(), Error>(())
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(GovernanceReport {
        friend_pairs: opts.pairs,
        words_added,
        blocks_per_receiver: opts.blocks,
    })
}
