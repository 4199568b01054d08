//! The user's own presence at its entity. Each attached device has a
//! status, kept in memory beside its socket (a restart loses both); the
//! presence text and the time of the last change are persisted (`o`),
//! loaded when first needed. Every change (a device attaches, goes, or
//! sets its status; the text changes) stamps `last_time`, writes the
//! record, and after the flush pushes the new presence to the user's live
//! subscribers: one notice per shard holding subscribers, which reaches
//! only those with a device online (`crate::notices`). The work per
//! change is one scan of at most the subscriber limit and one notice per
//! shard.

use super::{GetPresence, SetPresence, UserState};
use crate::command::Answer;
use crate::error::DomainError;
use crate::presence::{self, DeviceRef, PresenceRecord, PresenceStatus, OFFLINE, ONLINE};
use crate::session::{Push, SessionAddr};
use crate::trees::presence as tree;
use crate::ChatEntity;
use imcloud_shards::entity::ShardStore;
use imcloud_shards::{EntityKey, EntityKind, StepCtx};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The presence of the user's devices, and its persisted part.
#[derive(Debug, Default)]
pub(super) struct Presence {
    /// Each attached device's `(device id, status)`, by session id. A
    /// device leaves it only through a change that is announced.
    devices: HashMap<u64, (String, String)>,
    /// Loaded from `o` when first needed.
    record: Option<PresenceRecord>,
}

impl UserState {
    fn presence_record(&mut self, store: &ShardStore) -> &mut PresenceRecord {
        let key = &self.key;
        self.presence.record.get_or_insert_with(|| {
            match store.get_decoded::<PresenceRecord>(&tree::record_key(key)) {
                Ok(r) => r.unwrap_or_default(),
                Err(e) => {
                    // Shown as never changed until the next change rewrites it.
                    tracing::error!(user = %key, error = %e, "stored presence does not decode");
                    PresenceRecord::default()
                }
            }
        })
    }

    /// The user's presence now: each device online with its status.
    pub(super) fn presence_view(&mut self, store: &ShardStore) -> PresenceStatus {
        let status = self.device_statuses();
        let user = self.key.id.clone();
        let record = self.presence_record(store);
        PresenceStatus {
            user,
            status,
            ext: record.ext.clone(),
            last_time: record.last_time,
        }
    }

    fn device_statuses(&self) -> BTreeMap<String, String> {
        self.presence
            .devices
            .values()
            .map(|(device, status)| (device.clone(), status.clone()))
            .collect()
    }

    /// A device attached (after the session list changed): it is online,
    /// and any device that went meanwhile is announced gone with it.
    pub(super) fn presence_attached(
        &mut self,
        session: &SessionAddr,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) {
        let gone = self.forget_departed_devices();
        self.presence
            .devices
            .insert(session.id, (session.device.clone(), ONLINE.to_string()));
        self.announce_presence(gone, ctx);
    }

    /// Devices may have left the session list (detached, logged out):
    /// announces those that did.
    pub(super) fn presence_departed(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        let gone = self.forget_departed_devices();
        if !gone.is_empty() {
            self.announce_presence(gone, ctx);
        }
    }

    /// Drops the statuses of sessions no longer attached; their device ids.
    fn forget_departed_devices(&mut self) -> Vec<String> {
        let mut gone = Vec::new();
        let sessions = &self.sessions;
        self.presence.devices.retain(|id, (device, _)| {
            let attached = sessions.iter().any(|s| s.id() == *id);
            if !attached {
                gone.push(device.clone());
            }
            attached
        });
        gone
    }

    pub(super) fn set_presence(&mut self, req: SetPresence, ctx: &mut StepCtx<'_, ChatEntity>) {
        let result = self.apply_presence(req, ctx);
        match result {
            Ok(()) => ctx.answer::<SetPresence>(Ok(())),
            Err(e) => ctx.answer_now::<SetPresence>(Err(e)),
        }
    }

    fn apply_presence(
        &mut self,
        req: SetPresence,
        ctx: &mut StepCtx<'_, ChatEntity>,
    ) -> Result<(), DomainError> {
        if self.record.is_none() {
            return Err(DomainError::UserNotFound);
        }
        if let Some(s) = &req.status {
            presence::check_status(s)?;
        }
        if let Some(e) = &req.ext {
            presence::check_ext(e)?;
        }
        let device = self
            .presence
            .devices
            .iter_mut()
            .find(|(id, (device, _))| match &req.device {
                DeviceRef::Session(s) => *id == s,
                DeviceRef::Resource(r) => device == r,
            });
        let Some((_, (_, status))) = device else {
            let named = match &req.device {
                DeviceRef::Session(_) => "this device".to_string(),
                DeviceRef::Resource(r) => format!("device {r}"),
            };
            return Err(DomainError::InvalidArgument(format!(
                "{named} of {} is not online",
                self.key.id
            )));
        };
        if let Some(s) = req.status {
            *status = s;
        }
        if let Some(e) = req.ext {
            self.presence_record(ctx.store()).ext = e;
        }
        self.announce_presence(Vec::new(), ctx);
        Ok(())
    }

    pub(super) fn get_presence(&mut self, ctx: &mut StepCtx<'_, ChatEntity>) {
        if self.record.is_none() {
            return ctx.answer_now::<GetPresence>(Err(DomainError::UserNotFound));
        }
        let view = self.presence_view(ctx.store());
        // After the flush: the text may come from a change not yet on disk.
        ctx.answer::<GetPresence>(Ok(view));
    }

    /// Stamps the change, stages the record (an existing user's), and
    /// after the flush pushes the presence to the live subscribers; devices
    /// in `gone` show as offline in that push unless attached again.
    fn announce_presence(&mut self, gone: Vec<String>, ctx: &mut StepCtx<'_, ChatEntity>) {
        let now = ctx.env().clock.now_secs() as i64;
        let record = self.presence_record(ctx.store());
        record.last_time = now;
        let record = record.clone();
        if self.record.is_some() {
            ctx.put(tree::record_key(&self.key), &record);
        }
        let mut status = self.device_statuses();
        for device in gone {
            status.entry(device).or_insert_with(|| OFFLINE.to_string());
        }
        let push = PresenceStatus {
            user: self.key.id.clone(),
            status,
            ext: record.ext,
            last_time: record.last_time,
        };
        let subscribers: Vec<EntityKey> = self
            .live_subscribers(ctx)
            .into_iter()
            .map(|u| EntityKey::new(self.key.app.clone(), EntityKind::User, u))
            .collect();
        if subscribers.is_empty() {
            return;
        }
        let targets = crate::notices::by_shard(ctx.router(), subscribers);
        crate::notices::send_after_commit(Push::Presence(Arc::new(push)), None, targets, ctx);
    }
}
