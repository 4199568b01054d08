//! Offline push at the gateway: the notifications the User entities queue
//! (outbox lane 0, `imcloud_actors::push`) are sent by one courier per
//! app through the credential each device's binding names.
//!
//! - [`config`]: the `[push]` settings (providers' URLs, attempts).
//! - [`courier`]: delivering an app's notifications, unbinding tokens a
//!   provider refuses.
//! - [`apns`]: Apple (HTTP/2, ES256 JWT from the `.p8` key).
//! - [`fcm`]: Firebase (HTTP v1, OAuth token from the service account).
//! - [`huawei`], [`honor`], [`xiaomi`], [`oppo`], [`vivo`], [`meizu`]:
//!   the phone vendors' push services, each through its documented HTTP
//!   API ([`vendor`]: what they share; [`tokens`]: the access tokens
//!   providers hand out).
//! - [`webhook`]: the app's own push service (JSON).
//! - here: which providers this build can send to, and the check of a
//!   credential's keys before it is stored.

pub mod apns;
pub mod config;
pub mod courier;
pub mod fcm;
pub mod honor;
pub mod huawei;
pub mod meizu;
pub mod oppo;
pub mod tokens;
pub mod vendor;
pub mod vivo;
pub mod webhook;
pub mod xiaomi;

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

/// Checks what can be checked of a credential before it is stored (the
/// fields' presence and length are the entity's check): that its key
/// parses, and that a vivo app id is a number.
pub fn check_credential(config: &ProviderConfig) -> Result<(), String> {
    match config {
        ProviderConfig::Apns { p8, .. } => apns::signing_key(p8).map(|_| ()),
        ProviderConfig::Fcm { private_key, .. } => fcm::signing_key(private_key).map(|_| ()),
        ProviderConfig::Vivo { app_id, .. } => vivo::check_app_id(app_id).map(|_| ()),
        _ => Ok(()),
    }
}
