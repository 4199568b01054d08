//! Fan-out notices: users grouped by the shard of their entity, and one
//! notice per shard after the flush (see `Router::notify_shard`), which the
//! shard hands only to the entities it has active. A user with a device
//! online is always active; an offline one is never woken. Groups fan out
//! their messages and events this way, users their presence.

use crate::session::{Notice, Push};
use crate::ChatEntity;
use imcloud_shards::placement::ShardId;
use imcloud_shards::{EntityKey, StepCtx};
use std::collections::HashMap;
use std::sync::Arc;

/// Where pushes go: each shard holding targets, with its targets' keys.
pub type Targets = Arc<Vec<(ShardId, Arc<[EntityKey]>)>>;

/// `keys` grouped by the shard of their entity, shards in order.
pub fn by_shard(router: &crate::Router, keys: Vec<EntityKey>) -> Targets {
    let mut by_shard: HashMap<ShardId, Vec<EntityKey>> = HashMap::new();
    for k in keys {
        by_shard.entry(router.shard_of(&k)).or_default().push(k);
    }
    let mut t: Vec<(ShardId, Arc<[EntityKey]>)> = by_shard
        .into_iter()
        .map(|(s, keys)| (s, Arc::from(keys)))
        .collect();
    t.sort_by_key(|(s, _)| *s);
    Arc::new(t)
}

/// After this step's flush, sends `push` to the devices of `targets`:
/// one notice per shard. `skip_session` is a device that is not pushed
/// (a sender's own).
pub fn send_after_commit(
    push: Push,
    skip_session: Option<u64>,
    targets: Targets,
    ctx: &mut StepCtx<'_, ChatEntity>,
) {
    let router = ctx.router().clone();
    let notice = Arc::new(Notice { push, skip_session });
    ctx.after_commit(move || {
        for (shard, keys) in targets.iter() {
            // A full mailbox drops this notice: pushes are best effort
            // (messages are read again by sync, presence by a get).
            let _ = router.notify_shard(*shard, keys.clone(), notice.clone());
        }
    });
}
