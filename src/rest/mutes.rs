//! How groups and chatrooms show mutes (G21–G23, R16c): the mute list and
//! the per-user answers of mute and unmute. Both keep a mute as its end in
//! ms, `i64::MAX` meaning for good.

use super::user_batch::Outcomes;
use crate::error::ApiError;
use serde_json::{json, Value};

/// A mute's end as Easemob shows it: ms, or -1 for good.
pub fn expire(until: i64) -> i64 {
    if until == i64::MAX {
        -1
    } else {
        until
    }
}

/// The mutes still in force at `now`, as Easemob's list entries.
pub fn in_force<'a>(mutes: impl Iterator<Item = (&'a String, i64)>, now: i64) -> Vec<Value> {
    mutes
        .filter(|(_, until)| *until > now)
        .map(|(u, until)| json!({"user": u, "expire": expire(until)}))
        .collect()
}

/// The answer of a mute until `until`: per user, its end or the reason it
/// failed.
pub fn muted(list: Outcomes, until: i64) -> Vec<Value> {
    list.into_iter()
        .map(|(u, r)| match r {
            Ok(()) => json!({"result": true, "expire": expire(until), "user": u}),
            Err(e) => {
                json!({"result": false, "reason": ApiError::Domain(e).public_message(), "user": u})
            }
        })
        .collect()
}

/// The answer of an unmute: per user, whether it worked.
pub fn unmuted(list: Outcomes) -> Vec<Value> {
    list.into_iter()
        .map(|(u, r)| json!({"result": r.is_ok(), "user": u}))
        .collect()
}
