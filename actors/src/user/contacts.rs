//! A user's contacts at its entity: friends (always made and removed on
//! both sides, this user's side first, then the other's), the friend
//! requests waiting for its answer, and its block list. Each part is read
//! from the user's keys the first time a step needs it and kept in memory
//! while the entity is active: the 1:1 path checks friends (with the app's
//! friend check on) at the sender and blocks at the recipient.

use super::{
    Befriend, BlockUsers, DeclineContact, FriendGone, FriendVia, FriendsMade, ListBlocks,
    ListContacts, MakeFriends, RemoveContact, RequestContact, SetRemark, UnblockUser, Unfriend,
    UserState,
};
use crate::command::{Answer, Command};
use crate::contact::{
    check_text, ContactKind, ContactLimit, ContactList, ContactPush, ContactRequest, FriendRecord,
    MAX_BLOCKS, MAX_PENDING_REQUESTS, MAX_REASON_CHARS, MAX_REMARK_CHARS,
};
use crate::error::DomainError;
use crate::session::Push;
use crate::trees::contacts::ContactTree;
use crate::ChatEntity;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{codec, EntityKey, EntityKind, ReplyTo, StepCtx, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// Most entries one part loads: above every limit of that part.
const LOAD_LIMIT: usize = 20_000;

/// The parts of a user's contacts read so far, and the friendships this
/// user is making whose other side has not answered yet.
#[derive(Default)]
pub(super) struct ContactState {
    friends: Option<HashMap<String, FriendRecord>>,
    requests: Option<HashMap<String, ContactRequest>>,
    blocks: Option<HashMap<String, i64>>,
    /// Callers of `MakeFriends` by the other user, answered by
    /// `FriendsMade`.
    making: HashMap<String, Vec<ReplyTo>>,
}

impl ContactState {
    /// Forgets everything read (the user was deleted); callers still
    /// waiting are dropped, which answers them `NoReply`.
    pub(super) fn clear(&mut self) {
        *self = ContactState::default();
    }

    /// Whether no friendship is half made (the entity may passivate).
    pub(super) fn is_idle(&self) -> bool {
        self.making.is_empty()
    }
}

fn load<T: serde::de::DeserializeOwned>(
    store: &ShardStore,
    tree: ContactTree,
    user: &EntityKey,
) -> Result<HashMap<String, T>, StoreError> {
    let prefix = tree.prefix(user);
    let mut out = HashMap::new();
    for (k, v) in store.scan(&prefix, &[], LOAD_LIMIT)? {
        let name = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
        out.insert(name, codec::decode(&v)?);
    }
    Ok(out)
}

fn load_blocks(store: &ShardStore, user: &EntityKey) -> Result<HashMap<String, i64>, StoreError> {
    let prefix = ContactTree::Blocks.prefix(user);
    let mut out = HashMap::new();
    for (k, v) in store.scan(&prefix, &[], LOAD_LIMIT)? {
        let name = String::from_utf8_lossy(&k[prefix.len()..]).into_owned();
        let at = v
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(i64::from_be_bytes)
            .unwrap_or(0);
        out.insert(name, at);
    }
    Ok(out)
}

fn store_failed(user: &EntityKey, e: StoreError) -> DomainError {
    tracing::error!(user = %user, error = %e, "reading contacts failed");
    DomainError::Internal
}

impl UserState {
    fn friends(
        &mut self,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<&mut HashMap<String, FriendRecord>, DomainError> {
        if self.contacts.friends.is_none() {
            let loaded = load(ctx.store(), ContactTree::Friends, &self.key)
                .map_err(|e| store_failed(&self.key, e))?;
            self.contacts.friends = Some(loaded);
        }
        Ok(self.contacts.friends.get_or_insert_with(HashMap::new))
    }

    fn requests(
        &mut self,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<&mut HashMap<String, ContactRequest>, DomainError> {
        if self.contacts.requests.is_none() {
            let loaded = load(ctx.store(), ContactTree::Requests, &self.key)
                .map_err(|e| store_failed(&self.key, e))?;
            self.contacts.requests = Some(loaded);
        }
        Ok(self.contacts.requests.get_or_insert_with(HashMap::new))
    }

    fn blocks(
        &mut self,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<&mut HashMap<String, i64>, DomainError> {
        if self.contacts.blocks.is_none() {
            let loaded =
                load_blocks(ctx.store(), &self.key).map_err(|e| store_failed(&self.key, e))?;
            self.contacts.blocks = Some(loaded);
        }
        Ok(self.contacts.blocks.get_or_insert_with(HashMap::new))
    }

    /// Refuses a 1:1 message to `to` unless they are friends (the app's
    /// friend check; a message to oneself always passes).
    pub(super) fn check_friend(
        &mut self,
        to: &str,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        if to == self.key.id || self.friends(ctx)?.contains_key(to) {
            return Ok(());
        }
        Err(DomainError::NotFriend)
    }

    /// Refuses what `from` sends this user when this user blocked it.
    pub(super) fn check_not_blocked(
        &mut self,
        from: &str,
        ctx: &StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        if self.blocks(ctx)?.contains_key(from) {
            return Err(DomainError::BlockedByUser);
        }
        Ok(())
    }

    fn user_key(&self, name: &str) -> EntityKey {
        EntityKey::new(self.key.app.clone(), EntityKind::User, name)
    }

    fn account_exists(&self) -> Result<(), DomainError> {
        match self.record {
            Some(_) => Ok(()),
            None => Err(DomainError::UserNotFound),
        }
    }

    /// Pushes `kind` about `user` to this user's devices but `skip`, after
    /// the commit.
    fn push_contact(
        &self,
        kind: ContactKind,
        user: &str,
        reason: Option<String>,
        skip: Option<u64>,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let push = Push::Contact(Arc::new(ContactPush {
            kind,
            user: user.to_string(),
            reason,
        }));
        self.push_after_commit(push, skip, ctx);
    }

    /// Queues a `roster` post-send event: `from` did `operation` to `to`.
    fn report_roster(
        &self,
        operation: &str,
        from: String,
        to: String,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let operation = operation.to_string();
        crate::hooks::emit_new(ctx, &self.key.app, |event_id| {
            crate::hooks::HookEvent::Roster {
                from,
                to,
                operation,
                event_id,
            }
        });
    }

    pub(super) fn request_contact(
        &mut self,
        req: RequestContact,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        match self.store_request(&req, ctx) {
            Ok(()) => ctx.answer::<RequestContact>(Ok(())),
            Err(e) => ctx.answer_now::<RequestContact>(Err(e)),
        }
    }

    fn store_request(
        &mut self,
        req: &RequestContact,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        self.account_exists()?;
        check_text("reason", &req.reason, MAX_REASON_CHARS)?;
        if req.from == self.key.id {
            return Err(DomainError::InvalidArgument(
                "a user cannot be its own friend".into(),
            ));
        }
        self.check_not_blocked(&req.from, ctx)?;
        if self.friends(ctx)?.contains_key(&req.from) {
            return Err(DomainError::InvalidArgument(format!(
                "{} is already a friend",
                req.from
            )));
        }
        let requests = self.requests(ctx)?;
        if !requests.contains_key(&req.from) && requests.len() >= MAX_PENDING_REQUESTS {
            return Err(DomainError::ContactLimit(ContactLimit::Requests));
        }
        let record = ContactRequest {
            reason: req.reason.clone(),
            at: ctx.env().clock.now_ms(),
        };
        requests.insert(req.from.clone(), record.clone());
        ctx.put(ContactTree::Requests.key(&self.key, &req.from), &record);
        let reason = Some(req.reason.clone()).filter(|r| !r.is_empty());
        self.push_contact(ContactKind::Request, &req.from, reason, None, ctx);
        self.report_roster("add", req.from.clone(), self.key.id.clone(), ctx);
        Ok(())
    }

    /// Adds `friend` on this side (within `limit`) and drops its request;
    /// `Ok(false)` when it was a friend already.
    fn add_friend(
        &mut self,
        friend: &str,
        limit: u32,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<bool, DomainError> {
        if friend == self.key.id {
            return Err(DomainError::InvalidArgument(
                "a user cannot be its own friend".into(),
            ));
        }
        let now = ctx.env().clock.now_ms();
        let friends = self.friends(ctx)?;
        if friends.contains_key(friend) {
            return Ok(false);
        }
        if friends.len() >= limit as usize {
            return Err(DomainError::ContactLimit(ContactLimit::Friends));
        }
        let record = FriendRecord {
            remark: String::new(),
            since: now,
        };
        friends.insert(friend.to_string(), record.clone());
        ctx.put(ContactTree::Friends.key(&self.key, friend), &record);
        if self.requests(ctx)?.remove(friend).is_some() {
            ctx.delete(ContactTree::Requests.key(&self.key, friend));
        }
        Ok(true)
    }

    /// Removes `friend` on this side; whether it was one.
    fn drop_friend(&mut self, friend: &str, ctx: &mut StepCtx<'_, ChatEntity>) -> bool {
        let removed = self
            .contacts
            .friends
            .as_mut()
            .map(|f| f.remove(friend).is_some());
        // Not loaded: the key may still be on disk; deleting is harmless.
        ctx.delete(ContactTree::Friends.key(&self.key, friend));
        removed.unwrap_or(true)
    }

    pub(super) fn make_friends(&mut self, req: MakeFriends, ctx: &mut StepCtx<'_, ChatEntity>) {
        if let Err(e) = self.befriend_first(&req, ctx) {
            return ctx.answer_now::<MakeFriends>(Err(e));
        }
        self.push_contact(ContactKind::Accepted, &req.with, None, req.session, ctx);
        let operation = match req.via {
            FriendVia::Accept => "accept",
            FriendVia::App => "add",
        };
        self.report_roster(operation, self.key.id.clone(), req.with.clone(), ctx);
        // The other side in its own commit; the caller hears once both are
        // settled (`FriendsMade`). Refused there (its limit, no such user):
        // this side goes back first.
        if let Some(caller) = ctx.take_reply() {
            self.contacts
                .making
                .entry(req.with.clone())
                .or_default()
                .push(caller);
        }
        let other = self.user_key(&req.with);
        let with = req.with.clone();
        let befriend = Befriend {
            friend: self.key.id.clone(),
            limit: req.limit,
        };
        ctx.ask_then(
            other,
            befriend.into(),
            move |result: Result<(), DomainError>| {
                Some(Command::from(FriendsMade { with, result }))
            },
        );
    }

    pub(super) fn friends_made(&mut self, req: FriendsMade, ctx: &mut StepCtx<'_, ChatEntity>) {
        if req.result.is_err() && self.drop_friend(&req.with, ctx) {
            self.push_contact(ContactKind::Removed, &req.with, None, None, ctx);
        }
        for caller in self.contacts.making.remove(&req.with).unwrap_or_default() {
            ctx.reply_later(caller, req.result.clone());
        }
    }

    fn befriend_first(
        &mut self,
        req: &MakeFriends,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        self.account_exists()?;
        if req.via == FriendVia::Accept && !self.requests(ctx)?.contains_key(&req.with) {
            return Err(DomainError::InvalidArgument(format!(
                "no friend request from {}",
                req.with
            )));
        }
        self.add_friend(&req.with, req.limit, ctx).map(|_| ())
    }

    pub(super) fn befriend(&mut self, req: Befriend, ctx: &mut StepCtx<'_, ChatEntity>) {
        let added = self
            .account_exists()
            .and_then(|()| self.add_friend(&req.friend, req.limit, ctx));
        match added {
            Ok(added) => {
                if added {
                    self.push_contact(ContactKind::Accepted, &req.friend, None, None, ctx);
                }
                ctx.answer::<Befriend>(Ok(()));
            }
            Err(e) => ctx.answer_now::<Befriend>(Err(e)),
        }
    }

    pub(super) fn decline_contact(
        &mut self,
        req: DeclineContact,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let had = self
            .account_exists()
            .and_then(|()| Ok(self.requests(ctx)?.remove(&req.from).is_some()));
        match had {
            Ok(true) => {}
            Ok(false) => {
                return ctx.answer_now::<DeclineContact>(Err(DomainError::InvalidArgument(
                    format!("no friend request from {}", req.from),
                )))
            }
            Err(e) => return ctx.answer_now::<DeclineContact>(Err(e)),
        }
        ctx.delete(ContactTree::Requests.key(&self.key, &req.from));
        self.report_roster("decline", self.key.id.clone(), req.from.clone(), ctx);
        // The requester's devices hear of it once this is on disk.
        let (requester, me) = (self.user_key(&req.from), self.key.id.clone());
        let push = Push::Contact(Arc::new(ContactPush {
            kind: ContactKind::Declined,
            user: me,
            reason: None,
        }));
        let notice: Command = super::PushToDevices { push }.into();
        let router = ctx.router().clone();
        ctx.after_commit(move || {
            // Best effort, as every push: a full mailbox drops it.
            let _ = router.tell(requester, notice);
        });
        ctx.answer::<DeclineContact>(Ok(()));
    }

    pub(super) fn remove_contact(&mut self, req: RemoveContact, ctx: &mut StepCtx<'_, ChatEntity>) {
        if let Err(e) = self
            .account_exists()
            .and_then(|()| self.friends(ctx).map(|_| ()))
        {
            return ctx.answer_now::<RemoveContact>(Err(e));
        }
        if self.drop_friend(&req.friend, ctx) {
            self.push_contact(ContactKind::Removed, &req.friend, None, req.session, ctx);
            self.report_roster("remove", self.key.id.clone(), req.friend.clone(), ctx);
        }
        let caller = ctx.take_reply();
        let other = self.user_key(&req.friend);
        let unfriend = Unfriend {
            friend: self.key.id.clone(),
        };
        ctx.ask_then(other, unfriend.into(), move |r: Result<(), DomainError>| {
            if let Some(caller) = caller {
                // The other user may be gone: this side is done anyway.
                caller.send(r.or_else(|e| match e {
                    DomainError::UserNotFound => Ok(()),
                    e => Err(e),
                }));
            }
            None
        });
    }

    pub(super) fn unfriend(&mut self, req: Unfriend, ctx: &mut StepCtx<'_, ChatEntity>) {
        if let Err(e) = self
            .account_exists()
            .and_then(|()| self.friends(ctx).map(|_| ()))
        {
            return ctx.answer_now::<Unfriend>(Err(e));
        }
        if self.drop_friend(&req.friend, ctx) {
            self.push_contact(ContactKind::Removed, &req.friend, None, None, ctx);
        }
        ctx.answer::<Unfriend>(Ok(()));
    }

    pub(super) fn list_contacts(&mut self, _: ListContacts, ctx: &mut StepCtx<'_, ChatEntity>) {
        let list = self.account_exists().and_then(|()| {
            let mut friends: Vec<_> = self
                .friends(ctx)?
                .iter()
                .map(|(n, r)| (n.clone(), r.clone()))
                .collect();
            friends.sort_by(|a, b| a.0.cmp(&b.0));
            let mut requests: Vec<_> = self
                .requests(ctx)?
                .iter()
                .map(|(n, r)| (n.clone(), r.clone()))
                .collect();
            requests.sort_by(|a, b| a.1.at.cmp(&b.1.at).then(a.0.cmp(&b.0)));
            Ok(ContactList { friends, requests })
        });
        ctx.answer_now::<ListContacts>(list);
    }

    pub(super) fn set_remark(&mut self, req: SetRemark, ctx: &mut StepCtx<'_, ChatEntity>) {
        let set = self.account_exists().and_then(|()| {
            check_text("remark", &req.remark, MAX_REMARK_CHARS)?;
            let friend = self.friends(ctx)?.get_mut(&req.friend).ok_or_else(|| {
                DomainError::InvalidArgument(
                    "updateRemark they are not friends, please add as a friend first.".into(),
                )
            })?;
            friend.remark = req.remark.clone();
            Ok(friend.clone())
        });
        match set {
            Ok(record) => {
                ctx.put(ContactTree::Friends.key(&self.key, &req.friend), &record);
                ctx.answer::<SetRemark>(Ok(()));
            }
            Err(e) => ctx.answer_now::<SetRemark>(Err(e)),
        }
    }

    pub(super) fn block_users(&mut self, req: BlockUsers, ctx: &mut StepCtx<'_, ChatEntity>) {
        let now = ctx.env().clock.now_ms();
        let me = self.key.id.clone();
        let added = self.account_exists().and_then(|()| {
            if req.users.contains(&me) {
                return Err(DomainError::InvalidArgument(
                    "a user cannot block itself".into(),
                ));
            }
            let blocks = self.blocks(ctx)?;
            let new: Vec<&String> = req
                .users
                .iter()
                .filter(|u| !blocks.contains_key(*u))
                .collect();
            if blocks.len() + new.len() > MAX_BLOCKS {
                return Err(DomainError::ContactLimit(ContactLimit::Blocks));
            }
            let new: Vec<String> = new.into_iter().cloned().collect();
            for u in &new {
                blocks.insert(u.clone(), now);
            }
            Ok(new)
        });
        match added {
            Ok(new) => {
                for u in new {
                    ctx.put_raw(
                        ContactTree::Blocks.key(&self.key, &u),
                        now.to_be_bytes().to_vec(),
                    );
                }
                ctx.answer::<BlockUsers>(Ok(req.users));
            }
            Err(e) => ctx.answer_now::<BlockUsers>(Err(e)),
        }
    }

    pub(super) fn unblock_user(&mut self, req: UnblockUser, ctx: &mut StepCtx<'_, ChatEntity>) {
        match self
            .account_exists()
            .and_then(|()| Ok(self.blocks(ctx)?.remove(&req.user)))
        {
            Ok(_) => {
                ctx.delete(ContactTree::Blocks.key(&self.key, &req.user));
                ctx.answer::<UnblockUser>(Ok(()));
            }
            Err(e) => ctx.answer_now::<UnblockUser>(Err(e)),
        }
    }

    pub(super) fn list_blocks(&mut self, _: ListBlocks, ctx: &mut StepCtx<'_, ChatEntity>) {
        let list = self.account_exists().and_then(|()| {
            let mut list: Vec<(String, i64)> = self
                .blocks(ctx)?
                .iter()
                .map(|(n, at)| (n.clone(), *at))
                .collect();
            list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Ok(list)
        });
        ctx.answer_now::<ListBlocks>(list);
    }

    pub(super) fn friend_gone(&mut self, req: FriendGone, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return;
        }
        for tree in [
            ContactTree::Friends,
            ContactTree::Requests,
            ContactTree::Blocks,
        ] {
            ctx.delete(tree.key(&self.key, &req.user));
        }
        if let Some(f) = self.contacts.friends.as_mut() {
            f.remove(&req.user);
        }
        if let Some(r) = self.contacts.requests.as_mut() {
            r.remove(&req.user);
        }
        if let Some(b) = self.contacts.blocks.as_mut() {
            b.remove(&req.user);
        }
    }

    /// At a deleted user: tells every friend to forget it, and deletes its
    /// contact keys.
    pub(super) fn forget_contacts(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let friends: Vec<String> = match self.friends(ctx) {
            Ok(f) => f.keys().cloned().collect(),
            Err(_) => Vec::new(),
        };
        for tree in [
            ContactTree::Friends,
            ContactTree::Requests,
            ContactTree::Blocks,
        ] {
            match ctx.store().scan(&tree.prefix(&self.key), &[], LOAD_LIMIT) {
                Ok(entries) => {
                    for (k, _) in entries {
                        ctx.delete(k);
                    }
                }
                Err(e) => return ctx.fail(e),
            }
        }
        self.contacts.clear();
        let me = self.key.id.clone();
        let keys: Vec<EntityKey> = friends.iter().map(|f| self.user_key(f)).collect();
        let router = ctx.router().clone();
        ctx.after_commit(move || {
            for k in keys {
                // Best effort: a friend whose mailbox is full keeps a
                // stale entry until it next removes or re-adds the name.
                let _ = router.tell(k, FriendGone { user: me.clone() }.into());
            }
        });
    }
}
