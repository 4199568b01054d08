//! Offline push as the domain sees it: the app's credentials for the push
//! providers, the tokens users' devices bind, their notification
//! settings, and the notification a user's entity queues when a message
//! reaches it with no device online. The gateway (`src/push/`) sends the
//! queued notifications through each provider's API.
//!
//! - [`credentials`]: an app's credential per provider (REST §14.4).
//! - [`settings`]: display style, types, quiet intervals and durations,
//!   and whether a message is pushed.
//! - [`job`]: device bindings and the queued notification with its text.

pub mod credentials;
pub mod job;
pub mod settings;

pub use credentials::{ProviderConfig, PushCredential};
pub use job::{PushBinding, PushJob, PushTarget};
pub use settings::{NotifyType, PushProfile, PushSetting};
