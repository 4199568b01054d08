//! The push courier of one app: takes the app's queued notifications
//! (outbox lane 0) in order, sends each to every device it names through
//! the credential the device's binding names (up to `push.concurrency`
//! notifications at once, each device tried up to `push.max_attempts`
//! times `push.retry_ms` apart), unbinds a token its provider refuses,
//! and deletes the notification. A notification is late by nature: one
//! whose attempts all failed is dropped and counted, never retried
//! forever. It must never panic.

use super::{apns, fcm, honor, huawei, meizu, oppo, vivo, webhook, xiaomi, Outcome};
use crate::hooks::reader::{Entry, LaneReader};
use crate::hooks::stats::{Failure, LaneStats};
use crate::hooks::LaneInbox;
use crate::node::Node;
use futures_util::StreamExt;
use imcloud_actors::app::AppRecord;
use imcloud_actors::hooks::LaneKey;
use imcloud_actors::ids::AppKey;
use imcloud_actors::push::{ProviderConfig, PushJob, PushTarget};
use imcloud_actors::user::DropPushToken;
use imcloud_shards::{codec, EntityKey, EntityKind};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Notifications read per shard at a time.
const PAGE: usize = 256;

/// Sends `job` to one device; `Outcome` of the last attempt.
async fn to_device(node: &Node, record: &AppRecord, job: &PushJob, target: &PushTarget) -> Outcome {
    let Some(cred) = record
        .push_credentials
        .iter()
        .find(|c| c.name == target.notifier_name)
    else {
        return Outcome::BadToken(format!("no credential named {}", target.notifier_name));
    };
    let cfg = &node.config.push;
    let mut last = Outcome::Failed("not tried".into());
    for attempt in 0..cfg.max_attempts {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(cfg.retry_ms)).await;
        }
        last = match &cred.config {
            ProviderConfig::Apns {
                team_id,
                key_id,
                p8,
                bundle_id,
                sandbox,
            } => {
                let key = apns::Key {
                    team_id,
                    key_id,
                    p8,
                    bundle_id,
                    sandbox: *sandbox,
                };
                apns::send(node, &key, job, target).await
            }
            ProviderConfig::Fcm {
                project_id,
                client_email,
                private_key,
                token_uri,
            } => {
                let acc = fcm::Account {
                    project_id,
                    client_email,
                    private_key,
                    token_uri,
                };
                fcm::send(node, &acc, job, target).await
            }
            ProviderConfig::Webhook { url, secret } => {
                let body = webhook::body(&record.appkey, job, target, secret);
                webhook::send(node, url, &body).await
            }
            ProviderConfig::Huawei { app_id, app_secret } => {
                let app = huawei::App { app_id, app_secret };
                huawei::send(node, &app, job, target).await
            }
            ProviderConfig::Honor {
                app_id,
                client_id,
                client_secret,
            } => {
                let app = honor::App {
                    app_id,
                    client_id,
                    client_secret,
                };
                honor::send(node, &app, job, target).await
            }
            ProviderConfig::Xiaomi {
                app_secret,
                package_name,
            } => {
                let app = xiaomi::App {
                    app_secret,
                    package_name,
                };
                xiaomi::send(node, &app, job, target).await
            }
            ProviderConfig::Oppo {
                app_key,
                master_secret,
            } => {
                let app = oppo::App {
                    app_key,
                    master_secret,
                };
                oppo::send(node, &app, job, target).await
            }
            ProviderConfig::Vivo {
                app_id,
                app_key,
                app_secret,
            } => {
                let app = vivo::App {
                    app_id,
                    app_key,
                    app_secret,
                };
                vivo::send(node, &app, job, target).await
            }
            ProviderConfig::Meizu { app_id, app_secret } => {
                let app = meizu::App { app_id, app_secret };
                meizu::send(node, &app, job, target).await
            }
        };
        if !matches!(last, Outcome::Failed(_)) {
            break;
        }
    }
    last
}

/// Sends one queued notification to all its devices.
async fn deliver(node: &Node, record: &AppRecord, entry: &Entry, stats: &LaneStats) {
    let Ok(job) = codec::decode::<PushJob>(&entry.bytes) else {
        stats.dropped.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let mut all_sent = true;
    for target in &job.targets {
        match to_device(node, record, &job, target).await {
            Outcome::Sent => {}
            Outcome::BadToken(why) => {
                all_sent = false;
                tracing::info!(app = %record.appkey, user = %job.user, device = %target.device_id, why = %why, "push token refused: unbinding it");
                let user =
                    EntityKey::new(record.appkey.clone(), EntityKind::User, job.user.clone());
                let drop = DropPushToken {
                    device_id: target.device_id.clone(),
                    device_token: target.device_token.clone(),
                };
                if let Err(e) = node.ask(user, drop).await {
                    tracing::warn!(error = %e, "unbinding a refused push token failed");
                }
            }
            Outcome::Failed(error) => {
                all_sent = false;
                stats.failed.fetch_add(1, Ordering::Relaxed);
                stats.record(Failure {
                    at: node.clock.now_ms(),
                    status: None,
                    error,
                    events: 1,
                    first_call_id: format!("{}_{}", record.appkey, job.msg_id),
                });
            }
        }
    }
    if all_sent {
        stats.delivered.fetch_add(1, Ordering::Relaxed);
    } else {
        stats.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

pub async fn run(node: Node, key: LaneKey, inbox: Arc<LaneInbox>, stats: Arc<LaneStats>) {
    let Ok(app) = AppKey::parse(&key.app) else {
        tracing::error!(app = %key.app, "push notifications of no valid app; left alone");
        return;
    };
    let concurrency = node.config.push.concurrency.max(1);
    let mut reader = LaneReader::new(node.clone(), key.app.clone(), key.lane);
    // Re-checks the disk at this pace when a read failed.
    let mut tick = tokio::time::interval(Duration::from_millis(node.config.hooks.tick_ms));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        for (shard, newest) in inbox.take() {
            reader.durable(shard, newest);
        }
        if !reader.pending() {
            inbox.wait().await;
            continue;
        }
        if let Err(e) = reader.fill(PAGE).await {
            tracing::warn!(app = %key.app, error = %e, "reading queued push notifications failed");
            tick.tick().await;
            continue;
        }
        let batch = reader.peek(PAGE * 4);
        if batch.is_empty() {
            continue;
        }
        let record = match node.app(&app).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(app = %key.app, error = %e, "reading the app for push failed");
                tick.tick().await;
                continue;
            }
        };
        futures_util::stream::iter(batch.iter())
            .for_each_concurrent(concurrency, |e| deliver(&node, &record, e, &stats))
            .await;
        reader.consume(&batch).await;
        stats.unqueue(batch.len() as u64);
    }
}
