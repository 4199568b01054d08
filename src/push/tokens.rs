//! Access tokens the providers hand out in exchange for the app's
//! credentials (FCM's OAuth token, Huawei's and Honor's client
//! credentials, OPPO's `auth_token`, vivo's `authToken`): kept per
//! credential until a little before they expire, dropped when the
//! provider says one is no longer good.

use std::collections::HashMap;
use std::sync::Mutex;

/// Tokens by the name of what they were made for: (token, good until ms).
#[derive(Default)]
pub struct Tokens(Mutex<HashMap<String, (String, i64)>>);

impl Tokens {
    pub fn cached(&self, name: &str, now: i64) -> Option<String> {
        let t = self.0.lock().ok()?;
        t.get(name)
            .filter(|(_, until)| *until > now)
            .map(|(tok, _)| tok.clone())
    }

    pub fn keep(&self, name: &str, token: String, until: i64) {
        if let Ok(mut t) = self.0.lock() {
            t.insert(name.to_string(), (token, until));
        }
    }

    pub fn forget(&self, name: &str) {
        if let Ok(mut t) = self.0.lock() {
            t.remove(name);
        }
    }
}
