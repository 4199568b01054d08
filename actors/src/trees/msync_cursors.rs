//! Delivery cursors of msync devices (Easemob's Web SDK, `/websocket`),
//! kept at the user's entity: an msync client never says how far it got
//! in a stream, it acknowledges pages ("ack up to key"), so the server
//! remembers, per device resource and stream, the last seq that device
//! acknowledged.
//!
//! - `m` + user entity key bytes + resource + 0 + stream → seq (u64 BE).
//!   `stream` is `u` for the user's own timeline, `g` + group id for a
//!   group's timeline. A resource is 1-64 of `A-Z a-z 0-9 _ - .` (never 0).

use super::families::MSYNC_CURSORS;
use imcloud_shards::EntityKey;

/// The stream of the user's own timeline.
pub const USER_STREAM: &str = "u";
/// Group streams start with this, then the group id.
pub const GROUP_STREAM: &str = "g";

/// Every cursor of `user`.
pub fn user_prefix(user: &EntityKey) -> Vec<u8> {
    let mut k = vec![MSYNC_CURSORS];
    user.write_bytes(&mut k);
    k
}

/// Every cursor of one resource of `user`.
pub fn resource_prefix(user: &EntityKey, resource: &str) -> Vec<u8> {
    let mut k = user_prefix(user);
    k.extend_from_slice(resource.as_bytes());
    k.push(0);
    k
}

pub fn key(user: &EntityKey, resource: &str, stream: &str) -> Vec<u8> {
    let mut k = resource_prefix(user, resource);
    k.extend_from_slice(stream.as_bytes());
    k
}

/// The stream of an entry under `resource_prefix` (of length `prefix_len`).
pub fn stream_of(prefix_len: usize, key: &[u8]) -> Option<&str> {
    std::str::from_utf8(key.get(prefix_len..)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use imcloud_shards::EntityKind;

    #[test]
    fn keys_of_one_resource_share_its_prefix_and_no_other() {
        let user = EntityKey {
            app: "o#a".into(),
            kind: EntityKind::User,
            id: "bob".into(),
        };
        let p = resource_prefix(&user, "web");
        let k = key(&user, "web", "g42");
        assert!(k.starts_with(&p));
        assert_eq!(stream_of(p.len(), &k), Some("g42"));
        assert!(!key(&user, "web2", USER_STREAM).starts_with(&p));
    }
}
