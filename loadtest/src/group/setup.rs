//! Creating the `group` scenario's group over REST, idempotently: the group
//! has a fixed id (`{prefix}-g{K}`), owner `{prefix}0` and members
//! `{prefix}1..{prefix}K-1`. Running it again finds the group and the
//! members already there; the member list is read back and checked.

use crate::rest::{self, Credentials};
use crate::setup::user_name;
use crate::target::Target;
use crate::Error;
use serde::Serialize;
use serde_json::{json, Value};

/// Most users one add-members request may carry.
const ADD_BATCH: usize = 60;
/// Most members the server allows in a group (`group_max_users` default).
pub const MAX_MEMBERS: u32 = 3000;
/// Page size of the member list read back.
const PAGE: usize = 1000;

/// The group id the scenario uses for `members` members.
pub fn group_id(prefix: &str, members: u32) -> String {
    format!("{prefix}-g{members}")
}

/// What creating the group did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct GroupSetupReport {
    pub group: String,
    /// False if the group was already there.
    pub created: bool,
    /// Members added by this run (owner excluded).
    pub added: u64,
    /// Members the group has now (owner included), read back.
    pub members: u64,
}

async fn json_of(resp: reqwest::Response) -> Result<(reqwest::StatusCode, Value), Error> {
    let status = resp.status();
    let v: Value = resp.json().await?;
    Ok((status, v))
}

/// Creates the group with `members` members (owner included) unless it
/// exists, adds the members it lacks, and checks the count.
pub async fn ensure(
    target: &Target,
    creds: &Credentials,
    prefix: &str,
    members: u32,
) -> Result<GroupSetupReport, Error> {
    if !(2..=MAX_MEMBERS).contains(&members) {
        return Err(Error::Usage(format!(
            "--group-members must be 2..={MAX_MEMBERS}"
        )));
    }
    let http = reqwest::Client::new();
    let token = rest::app_token(&http, target, creds).await?;
    let gid = group_id(prefix, members);
    let mut report = GroupSetupReport {
        group: gid.clone(),
        ..GroupSetupReport::default()
    };
    let body = json!({"owner": user_name(prefix, 0), "public": true, "groupname": gid,
        "maxusers": members, "groupid": gid});
    let (status, v) = json_of(
        http.post(target.app_url("/chatgroups"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await?,
    )
    .await?;
    if status.is_success() {
        report.created = true;
    } else {
        // A group id that exists is refused with 400; make sure that is why.
        let (st, _) = json_of(
            http.get(target.app_url(&format!("/chatgroups/{gid}")))
                .bearer_auth(&token)
                .send()
                .await?,
        )
        .await?;
        if !st.is_success() {
            return Err(Error::Server(format!(
                "creating group {gid} answered {status}: {v}"
            )));
        }
    }
    let others: Vec<String> = (1..members).map(|i| user_name(prefix, i)).collect();
    for chunk in others.chunks(ADD_BATCH) {
        let (status, v) = json_of(
            http.post(target.app_url(&format!("/chatgroups/{gid}/users")))
                .bearer_auth(&token)
                .json(&json!({"usernames": chunk}))
                .send()
                .await?,
        )
        .await?;
        if status.is_success() {
            report.added += v
                .pointer("/data/newmembers")
                .and_then(Value::as_array)
                .map_or(0, Vec::len) as u64;
        } else if status != reqwest::StatusCode::FORBIDDEN {
            // 403: every one of them is a member already (checked below).
            return Err(Error::Server(format!(
                "adding members to {gid} answered {status}: {v}"
            )));
        }
    }
    for page in 1..=(members as usize / PAGE + 1) {
        let (status, v) = json_of(
            http.get(target.app_url(&format!(
                "/chatgroups/{gid}/users?pagenum={page}&pagesize={PAGE}"
            )))
            .bearer_auth(&token)
            .send()
            .await?,
        )
        .await?;
        let n = v.get("data").and_then(Value::as_array).map_or(0, Vec::len);
        if !status.is_success() {
            return Err(Error::Server(format!(
                "listing members of {gid} answered {status}: {v}"
            )));
        }
        report.members += n as u64;
        if n < PAGE {
            break;
        }
    }
    if report.members != u64::from(members) {
        return Err(Error::Server(format!(
            "group {gid} has {} members, wanted {members} (are {prefix}0..{prefix}{} registered?)",
            report.members,
            members - 1
        )));
    }
    Ok(report)
}
