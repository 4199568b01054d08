//! Key layouts of the domain's tree families inside a shard's keyspace. Each
//! family is a one-byte prefix; the shard runtime owns `L` (log) and `E`
//! (entity snapshots).

pub mod created_index;
pub mod dedupe;
pub mod group_members;
pub mod list_created;
pub mod room_owners;
pub mod timeline;
pub mod user_groups;
pub mod user_index;
