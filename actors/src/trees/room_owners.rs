//! The shard's index of chatrooms by owner, so that deleting a user can find
//! the rooms it owns (each shard is asked; the index of a room is written
//! in the room's own shard, in the same batch as the room's record).
//!
//! - `K` + app + 0x00 + owner + 0x00 + room id → empty

use super::families::ROOMS_BY_OWNER;

pub fn owner_prefix(app: &str, owner: &str) -> Vec<u8> {
    let mut k = vec![ROOMS_BY_OWNER];
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k.extend_from_slice(owner.as_bytes());
    k.push(0);
    k
}

pub fn key(app: &str, owner: &str, room: &str) -> Vec<u8> {
    let mut k = owner_prefix(app, owner);
    k.extend_from_slice(room.as_bytes());
    k
}

/// The room id of an index key under `owner_prefix`.
pub fn parse(prefix_len: usize, key: &[u8]) -> Option<String> {
    std::str::from_utf8(key.get(prefix_len..)?)
        .ok()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_prefix_does_not_cover_a_longer_name() {
        let p = owner_prefix("o#a", "bob");
        assert!(key("o#a", "bob", "42").starts_with(&p));
        assert!(!key("o#a", "bobby", "42").starts_with(&p));
        assert_eq!(
            parse(p.len(), &key("o#a", "bob", "42")).as_deref(),
            Some("42")
        );
    }
}
