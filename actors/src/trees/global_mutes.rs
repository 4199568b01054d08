//! The app's users muted app-wide (REST U18–U20), kept beside each
//! user's entity (so in the user's shard) only while some mute is set, so
//! U20 lists them by asking every shard.
//!
//! - `u` + app + 0 + username → `GlobalMutes` (each scope's end, ms).

use super::families::GLOBAL_MUTES;

pub fn app_prefix(app: &str) -> Vec<u8> {
    let mut k = vec![GLOBAL_MUTES];
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k
}

pub fn key(app: &str, user: &str) -> Vec<u8> {
    let mut k = app_prefix(app);
    k.extend_from_slice(user.as_bytes());
    k
}

/// The username of a key under `app_prefix` of length `prefix_len`.
pub fn parse(prefix_len: usize, key: &[u8]) -> Option<String> {
    key.get(prefix_len..)
        .and_then(|b| std::str::from_utf8(b).ok())
        .map(str::to_string)
}
