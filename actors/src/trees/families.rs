//! The one registry of tree families: each is a one-byte key prefix inside
//! a shard's keyspace, named here and nowhere else, with its layout beside
//! it. The runtime owns the log and the snapshots; the domain owns the
//! rest. A test checks that no two families share a prefix.

use imcloud_shards::entity::{LOG_FAMILY, SNAPSHOT_FAMILY};

/// `L` + shard seq (u64 BE) → event (`events.rs`): the shard log.
pub const LOG: u8 = LOG_FAMILY;
/// `E` + entity key → the entity's snapshot.
pub const SNAPSHOT: u8 = SNAPSHOT_FAMILY;
/// `T` + stream entity key + seq (u64 BE) → `StoredMessage` (a user's or a
/// group's timeline).
pub const TIMELINE: u8 = b'T';
/// `H` + stream entity key → last seq (u64 BE), for streams that keep one.
pub const HEAD: u8 = b'H';
/// `O` + user entity key → messages stored while offline, not yet synced.
pub const OFFLINE: u8 = b'O';
/// `D` + sender entity key + client_msg_id → `SendAck` (1:1); `D` + group
/// entity key + sender + 0 + client_msg_id → `SendAck` (group sends).
pub const DEDUPE: u8 = b'D';
/// `U` + app + 0 + created ms (u64 BE) + username → empty.
pub const USERS_BY_CREATION: u8 = b'U';
/// `M` + group entity key + username → `MemberRecord`.
pub const GROUP_MEMBERS: u8 = b'M';
/// `B` + group entity key + username → empty (blocked from the group).
pub const GROUP_BLOCKS: u8 = b'B';
/// `I` + app + 0 + created ms (u64 BE) + group id → empty.
pub const GROUPS_BY_CREATION: u8 = b'I';
/// `J` + app + 0 + created ms (u64 BE) + room id → empty.
pub const ROOMS_BY_CREATION: u8 = b'J';
/// `K` + app + 0 + owner + 0 + room id → empty.
pub const ROOMS_BY_OWNER: u8 = b'K';
/// `G` + user entity key + group id → join seq (u64 BE).
pub const USER_GROUPS: u8 = b'G';

/// `X` + group entity key + msg_id (u64 BE) → seq (u64 BE) + count: where
/// a message sits in a group's timeline (`msg_index.rs`).
pub const MSG_INDEX: u8 = b'X';
/// `N` + user entity key + kind + peer or group → `ConversationRecord`.
pub const CONVERSATIONS: u8 = b'N';
/// `C` + user entity key + peer + 0 + msg_id (u64 BE) → direction, seq,
/// ts: a 1:1 conversation's messages in the user's timeline.
pub const CONVERSATION_INDEX: u8 = b'C';

/// `R` + group entity key + seq (u64 BE) → empty: a recalled group message.
pub const RECALLED: u8 = b'R';

/// `F` + app + 0 + file uuid → `FileRecord`: an upload (attachments).
pub const FILES: u8 = b'F';

/// `A` + group entity key + seq (u64 BE) → msg id, read count (u64 BE
/// each), sender: a group message sent with `need_group_ack`.
pub const GROUP_ACKS: u8 = b'A';
/// `Q` + group entity key + username → seq (u64 BE): how far a member has
/// read, for the read counts of acked messages.
pub const GROUP_READ_MARKS: u8 = b'Q';

/// `Y` + app + 0 + ts (u64 BE) + msg_id (u64 BE) → `StoredMessage`: the
/// app's archive of every message, for export and retention
/// (`archive.rs`).
pub const ARCHIVE: u8 = b'Y';

/// `Z` + blob sha256 (hex) + 0 + app + 0 + file uuid → empty: which
/// uploads name a blob, so a blob goes only with the last (`files.rs`).
pub const BLOB_REFS: u8 = b'Z';

/// `V` + user entity key + group id + 0 + msg_id (u64 BE) → empty: a
/// group message the member deleted from their history (H3).
pub const HIDDEN_GROUP_MESSAGES: u8 = b'V';

/// `f` + user entity key + friend → `FriendRecord` (`contacts.rs`).
pub const FRIENDS: u8 = b'f';
/// `r` + user entity key + requester → `ContactRequest`: a friend request
/// waiting for the user's answer.
pub const FRIEND_REQUESTS: u8 = b'r';
/// `b` + user entity key + blocked user → when blocked (i64 ms BE).
pub const USER_BLOCKS: u8 = b'b';
/// `W` + app + 0 + lowercased word → empty: the app's sensitive words
/// (`sensitive_words.rs`).
pub const SENSITIVE_WORDS: u8 = b'W';
/// `u` + app + 0 + username → `GlobalMutes`: users muted app-wide, for
/// listing them (`global_mutes.rs`).
pub const GLOBAL_MUTES: u8 = b'u';
/// `a` + user entity key → the user's attributes (a map of strings,
/// `attributes.rs`).
pub const USER_ATTRIBUTES: u8 = b'a';
/// `s` + app + 0 → bytes (u64 BE) of the attributes of the app's users on
/// this shard, moved in the same batch as every attribute change.
pub const ATTRIBUTE_BYTES: u8 = b's';
/// `o` + user entity key → `PresenceRecord` (the user's presence text and
/// last presence change, seconds; `presence.rs`).
pub const PRESENCE: u8 = b'o';
/// `S` + subscriber's user entity key + target username → expiry (unix
/// seconds, i64 BE): the users whose presence a user subscribed to.
pub const SUBSCRIPTIONS: u8 = b'S';
/// `P` + target's user entity key + subscriber username → expiry (unix
/// seconds, i64 BE): who is told about the target's presence.
pub const SUBSCRIBERS: u8 = b'P';

/// `q` + app + 0 + lane (u32 BE) + id (u64 BE) → `QueuedEvent` (a
/// callback rule's lane) or `PushJob` (lane 0): what waits to leave the
/// node, written with the change it reports (`outbox.rs`).
pub const OUTBOX: u8 = b'q';
/// `p` + user entity key + device id → `PushBinding`: the push tokens of
/// a user's devices (`push_bindings.rs`).
pub const PUSH_BINDINGS: u8 = b'p';
/// `d` + user entity key + `u`/`g` + peer or group id → `ConversationPush`:
/// a user's push setting for one conversation (`push_bindings.rs`).
pub const CONVERSATION_PUSH: u8 = b'd';

/// `m` + user entity key + resource + 0 + stream → seq (u64 BE): how far
/// an msync device (`/websocket`) acknowledged a stream
/// (`msync_cursors.rs`).
pub const MSYNC_CURSORS: u8 = b'm';

/// Every family with its name.
pub const ALL: [(&str, u8); 37] = [
    ("log", LOG),
    ("snapshot", SNAPSHOT),
    ("timeline", TIMELINE),
    ("head", HEAD),
    ("offline", OFFLINE),
    ("dedupe", DEDUPE),
    ("users_by_creation", USERS_BY_CREATION),
    ("group_members", GROUP_MEMBERS),
    ("group_blocks", GROUP_BLOCKS),
    ("groups_by_creation", GROUPS_BY_CREATION),
    ("rooms_by_creation", ROOMS_BY_CREATION),
    ("rooms_by_owner", ROOMS_BY_OWNER),
    ("user_groups", USER_GROUPS),
    ("msg_index", MSG_INDEX),
    ("conversations", CONVERSATIONS),
    ("conversation_index", CONVERSATION_INDEX),
    ("recalled", RECALLED),
    ("files", FILES),
    ("group_acks", GROUP_ACKS),
    ("group_read_marks", GROUP_READ_MARKS),
    ("archive", ARCHIVE),
    ("blob_refs", BLOB_REFS),
    ("hidden_group_messages", HIDDEN_GROUP_MESSAGES),
    ("friends", FRIENDS),
    ("friend_requests", FRIEND_REQUESTS),
    ("user_blocks", USER_BLOCKS),
    ("sensitive_words", SENSITIVE_WORDS),
    ("global_mutes", GLOBAL_MUTES),
    ("user_attributes", USER_ATTRIBUTES),
    ("attribute_bytes", ATTRIBUTE_BYTES),
    ("presence", PRESENCE),
    ("subscriptions", SUBSCRIPTIONS),
    ("subscribers", SUBSCRIBERS),
    ("outbox", OUTBOX),
    ("push_bindings", PUSH_BINDINGS),
    ("conversation_push", CONVERSATION_PUSH),
    ("msync_cursors", MSYNC_CURSORS),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_has_its_own_prefix() {
        let mut seen = std::collections::HashMap::new();
        for (name, prefix) in ALL {
            if let Some(other) = seen.insert(prefix, name) {
                panic!("{name} and {other} share the prefix {:?}", prefix as char);
            }
        }
        assert_eq!(seen.len(), ALL.len());
    }
}
