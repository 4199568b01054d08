//! Entity key → shard. The hash (xxh3) is stable across builds and platforms,
//! and the shard count is fixed when a data directory is created, so a key
//! maps to the same shard for the life of the data.

use crate::key::EntityKey;
use xxhash_rust::xxh3::Xxh3;

/// Index of a shard, `0..shard_count`.
pub type ShardId = u32;

/// The shard that owns `key` among `shard_count` shards: xxh3-64 of the
/// key's byte form, fed in its pieces (no allocation on the routing path;
/// the same digest as hashing the joined bytes).
pub fn shard_of(key: &EntityKey, shard_count: u32) -> ShardId {
    let mut h = Xxh3::new();
    for part in key.byte_parts() {
        h.update(part);
    }
    // shard_count is validated to be ≥ 1 when the config is loaded.
    (h.digest() % u64::from(shard_count.max(1))) as ShardId
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::EntityKind;

    #[test]
    fn placement_is_stable_and_spreads() {
        let a = EntityKey::new("demo#chat", EntityKind::User, "alice");
        assert_eq!(shard_of(&a, 64), shard_of(&a.clone(), 64));
        let mut seen = std::collections::HashSet::new();
        for i in 0..1000 {
            seen.insert(shard_of(
                &EntityKey::new("demo#chat", EntityKind::User, format!("u{i}")),
                64,
            ));
        }
        assert_eq!(
            seen.len(),
            64,
            "1000 keys should touch every one of 64 shards"
        );
    }

    #[test]
    fn placement_is_the_hash_of_the_joined_key_bytes() {
        // Data dirs depend on it: a key must keep its shard forever.
        for (app, kind, id) in [
            ("demo#chat", EntityKind::User, "alice"),
            ("o#a", EntityKind::Group, "g-1"),
            ("x#y", EntityKind::Chatroom, "386397444511895552"),
            ("x#y", EntityKind::App, ""),
        ] {
            let k = EntityKey::new(app, kind, id);
            let joined = xxhash_rust::xxh3::xxh3_64(&k.to_bytes());
            assert_eq!(shard_of(&k, 1 << 16), (joined % (1 << 16)) as ShardId);
        }
    }

    #[test]
    fn same_id_in_two_apps_are_different_keys() {
        let a = EntityKey::new("a#x", EntityKind::User, "bob").to_bytes();
        let b = EntityKey::new("b#x", EntityKind::User, "bob").to_bytes();
        assert_ne!(a, b);
    }
}
