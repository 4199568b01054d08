//! `[push]`: where each push provider is reached (configurable, so tests
//! and private deployments point them at their own endpoints) and how
//! notifications are retried.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// APNs (HTTP/2): production and sandbox. An `http://` URL speaks
    /// HTTP/2 without TLS (prior knowledge), for local test servers.
    pub apns_url: String,
    pub apns_sandbox_url: String,
    /// FCM HTTP v1 (`{fcm_url}/v1/projects/{project}/messages:send`).
    pub fcm_url: String,
    /// Where FCM's OAuth JWT is exchanged; empty: the service account's
    /// `token_uri`.
    pub fcm_token_url: String,
    /// Huawei Push Kit: OAuth token endpoint and push API.
    pub huawei_token_url: String,
    pub huawei_url: String,
    /// Honor Push: OAuth token endpoint and push API.
    pub honor_token_url: String,
    pub honor_url: String,
    /// Xiaomi, OPPO, vivo and Meizu push APIs.
    pub xiaomi_url: String,
    pub oppo_url: String,
    pub vivo_url: String,
    pub meizu_url: String,
    /// How long one provider request may take, ms.
    pub request_timeout_ms: u64,
    /// Attempts per device and notification (a late notification is
    /// worth little: after these it is dropped and counted).
    pub max_attempts: u32,
    /// Wait before another attempt, ms.
    pub retry_ms: u64,
    /// Notifications of one app sent at once.
    pub concurrency: usize,
}

impl PushConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.request_timeout_ms == 0 || self.max_attempts == 0 || self.concurrency == 0 {
            return Err("bad config: push.request_timeout_ms, max_attempts and concurrency must be positive".into());
        }
        Ok(())
    }
}
