//! Finding or creating the `chatroom` scenario's room over REST: the room
//! is named `{prefix}-r{K}`, owned by `{prefix}0`, with room for K members.
//! Room ids are the server's, so a second run finds the room by name in
//! the list of all rooms instead of creating another.

use crate::rest::{self, Credentials};
use crate::setup::user_name;
use crate::target::Target;
use crate::Error;
use serde::Serialize;
use serde_json::{json, Value};

/// Most members the harness puts in a room (the server's cap is higher).
pub const MAX_MEMBERS: u32 = 100_000;
/// Rooms listed per page, and most pages read while looking for the room.
const PAGE: usize = 1000;
const MAX_PAGES: usize = 100;

/// The room name the scenario uses for `members` members.
pub fn room_name(prefix: &str, members: u32) -> String {
    format!("{prefix}-r{members}")
}

/// What finding or creating the room did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RoomSetupReport {
    pub name: String,
    /// The room id to pass to `chatroom --room`.
    pub id: String,
    /// False if the room was already there.
    pub created: bool,
}

async fn json_of(resp: reqwest::Response) -> Result<(reqwest::StatusCode, Value), Error> {
    let status = resp.status();
    let v: Value = resp.json().await?;
    Ok((status, v))
}

/// The id of the room called `name`, if the app has one.
async fn find(
    http: &reqwest::Client,
    target: &Target,
    token: &str,
    name: &str,
) -> Result<Option<String>, Error> {
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url = target.app_url(&format!("/chatrooms?limit={PAGE}"));
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (status, v) = json_of(http.get(url).bearer_auth(token).send().await?).await?;
        if !status.is_success() {
            return Err(Error::Server(format!(
                "listing chatrooms answered {status}: {v}"
            )));
        }
        let rooms = v.get("data").and_then(Value::as_array);
        let hit = rooms
            .into_iter()
            .flatten()
            .find(|r| r["name"] == json!(name));
        if let Some(id) = hit.and_then(|r| r["id"].as_str()) {
            return Ok(Some(id.to_string()));
        }
        match v.get("cursor").and_then(Value::as_str) {
            Some(c) if !c.is_empty() => cursor = Some(c.to_string()),
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// Finds the room for `members` members, or creates it.
pub async fn ensure(
    target: &Target,
    creds: &Credentials,
    prefix: &str,
    members: u32,
) -> Result<RoomSetupReport, Error> {
    if !(2..=MAX_MEMBERS).contains(&members) {
        return Err(Error::Usage(format!(
            "--chatroom-members must be 2..={MAX_MEMBERS}"
        )));
    }
    let http = reqwest::Client::new();
    let token = rest::app_token(&http, target, creds).await?;
    let name = room_name(prefix, members);
    if let Some(id) = find(&http, target, &token, &name).await? {
        return Ok(RoomSetupReport {
            name,
            id,
            created: false,
        });
    }
    let body = json!({"name": name, "description": "imcloud-loadtest room",
        "owner": user_name(prefix, 0), "maxusers": members});
    let (status, v) = json_of(
        http.post(target.app_url("/chatrooms"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await?,
    )
    .await?;
    let id = v.pointer("/data/id").and_then(Value::as_str);
    match (status.is_success(), id) {
        (true, Some(id)) => Ok(RoomSetupReport {
            name,
            id: id.to_string(),
            created: true,
        }),
        _ => Err(Error::Server(format!(
            "creating chatroom {name} answered {status}: {v}"
        ))),
    }
}
