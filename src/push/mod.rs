//! Offline push at the gateway: the notifications the User entities queue
//! (outbox lane 0, `imcloud_actors::push`) are sent by one courier per
//! app through the credential each device's binding names.
//!
//! - [`config`]: the `[push]` settings (providers' URLs, attempts).
//! - [`courier`]: delivering an app's notifications, unbinding tokens a
//!   provider refuses.
//! - [`apns`]: Apple (HTTP/2, ES256 JWT from the `.p8` key).
//! - [`fcm`]: Firebase (HTTP v1, OAuth token from the service account).
//! - [`webhook`]: the app's own push service (JSON).
//! - here: which providers this build can send to, and the check of a
//!   credential's keys before it is stored.

pub mod apns;
pub mod config;
pub mod courier;
pub mod fcm;
pub mod webhook;

use imcloud_actors::push::ProviderConfig;

/// How one provider request ended.
#[derive(Debug)]
pub enum Outcome {
    Sent,
    /// The provider says the token is not (or no longer) valid: unbind it.
    BadToken(String),
    /// Anything else; tried again up to `push.max_attempts`.
    Failed(String),
}

/// Checks what can be checked of a credential before it is stored: that
/// its provider is one this build sends to, and that its key parses.
pub fn check_credential(config: &ProviderConfig) -> Result<(), String> {
    match config {
        ProviderConfig::Apns { p8, .. } => apns::signing_key(p8).map(|_| ()),
        ProviderConfig::Fcm { private_key, .. } => fcm::signing_key(private_key).map(|_| ()),
        ProviderConfig::Webhook { .. } => Ok(()),
        other => Err(format!(
            "provider {} is not supported yet (apns, fcm and webhook are)",
            other.provider()
        )),
    }
}
