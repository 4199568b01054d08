//! Key layouts of the domain's tree families inside a shard's keyspace.
//! Each family is a one-byte prefix from [`families`] (the runtime owns
//! the log and the snapshots); each file here builds and parses one
//! family's keys.

pub mod archive;
pub mod attributes;
pub mod contacts;
pub mod conversations;
pub mod created_index;
pub mod dedupe;
pub mod families;
pub mod files;
pub mod global_mutes;
pub mod group_acks;
pub mod group_members;
pub mod hidden_group_messages;
pub mod msg_index;
pub mod msync_cursors;
pub mod outbox;
pub mod presence;
pub mod push_bindings;
pub mod recalled;
pub mod room_owners;
pub mod sensitive_words;
pub mod timeline;
pub mod user_groups;
pub mod user_index;
