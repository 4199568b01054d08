//! Push credentials (REST §14.4): how the app reaches a push provider,
//! named so a device's binding can say which one its token belongs to
//! (`notifier_name`). Kept in the app's record. Here: the fields of each
//! provider and their presence and length; whether a key parses is
//! checked by the gateway, which signs with it (`src/push/`).

use serde::{Deserialize, Serialize};

/// Most credentials of an app.
pub const MAX_CREDENTIALS: usize = 32;
/// Longest name.
const MAX_NAME: usize = 64;
/// Longest field (a PEM key fits).
const MAX_FIELD: usize = 8 * 1024;

/// One provider's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderConfig {
    /// Apple: HTTP/2 with a JWT (ES256) signed by the `.p8` key.
    Apns {
        team_id: String,
        key_id: String,
        /// The `.p8` file's text (PKCS#8 PEM of a P-256 key).
        p8: String,
        bundle_id: String,
        #[serde(default)]
        sandbox: bool,
    },
    /// Firebase Cloud Messaging, HTTP v1, with an OAuth token from the
    /// service account (RS256 JWT exchange).
    Fcm {
        project_id: String,
        client_email: String,
        /// PEM of the service account's RSA key.
        private_key: String,
        /// Where the JWT is exchanged (the service account's `token_uri`).
        token_uri: String,
    },
    /// Huawei Push Kit (OAuth client credentials: the app id and secret).
    Huawei { app_id: String, app_secret: String },
    /// Honor Push (OAuth client credentials).
    Honor {
        app_id: String,
        client_id: String,
        client_secret: String,
    },
    /// Xiaomi push (the app secret as the `Authorization: key=` header).
    Xiaomi {
        app_secret: String,
        package_name: String,
    },
    /// OPPO push (an auth token from app key, master secret and time).
    Oppo {
        app_key: String,
        master_secret: String,
    },
    /// vivo push (an auth token from app id, key, secret and time).
    Vivo {
        app_id: String,
        app_key: String,
        app_secret: String,
    },
    /// Meizu push (requests signed with the app secret).
    Meizu { app_id: String, app_secret: String },
    /// The app's own push service: the notification as JSON.
    Webhook {
        url: String,
        /// Signs the request like a callback, if set.
        #[serde(default)]
        secret: String,
    },
}

impl ProviderConfig {
    /// The provider's name (`provider` in REST).
    pub fn provider(&self) -> &'static str {
        match self {
            ProviderConfig::Apns { .. } => "apns",
            ProviderConfig::Fcm { .. } => "fcm",
            ProviderConfig::Huawei { .. } => "huawei",
            ProviderConfig::Honor { .. } => "honor",
            ProviderConfig::Xiaomi { .. } => "xiaomi",
            ProviderConfig::Oppo { .. } => "oppo",
            ProviderConfig::Vivo { .. } => "vivo",
            ProviderConfig::Meizu { .. } => "meizu",
            ProviderConfig::Webhook { .. } => "webhook",
        }
    }

    /// Every field with its value and whether it is a secret (left out
    /// when credentials are listed).
    pub fn fields(&self) -> Vec<(&'static str, &str, bool)> {
        match self {
            ProviderConfig::Apns {
                team_id,
                key_id,
                p8,
                bundle_id,
                ..
            } => vec![
                ("team_id", team_id, false),
                ("key_id", key_id, false),
                ("p8", p8, true),
                ("bundle_id", bundle_id, false),
            ],
            ProviderConfig::Fcm {
                project_id,
                client_email,
                private_key,
                token_uri,
            } => vec![
                ("project_id", project_id, false),
                ("client_email", client_email, false),
                ("private_key", private_key, true),
                ("token_uri", token_uri, false),
            ],
            ProviderConfig::Huawei { app_id, app_secret } => {
                vec![("app_id", app_id, false), ("app_secret", app_secret, true)]
            }
            ProviderConfig::Honor {
                app_id,
                client_id,
                client_secret,
            } => vec![
                ("app_id", app_id, false),
                ("client_id", client_id, false),
                ("client_secret", client_secret, true),
            ],
            ProviderConfig::Xiaomi {
                app_secret,
                package_name,
            } => vec![
                ("app_secret", app_secret, true),
                ("package_name", package_name, false),
            ],
            ProviderConfig::Oppo {
                app_key,
                master_secret,
            } => vec![
                ("app_key", app_key, false),
                ("master_secret", master_secret, true),
            ],
            ProviderConfig::Vivo {
                app_id,
                app_key,
                app_secret,
            } => vec![
                ("app_id", app_id, false),
                ("app_key", app_key, false),
                ("app_secret", app_secret, true),
            ],
            ProviderConfig::Meizu { app_id, app_secret } => {
                vec![("app_id", app_id, false), ("app_secret", app_secret, true)]
            }
            ProviderConfig::Webhook { url, .. } => vec![("url", url, false)],
        }
    }
}

/// An app's credential for one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushCredential {
    /// What device bindings name (`notifier_name`).
    pub name: String,
    pub created: i64,
    pub config: ProviderConfig,
}

/// Checks a credential or binding name: 1–64 of `A-Z a-z 0-9 _ - .`.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!("name must be 1-{MAX_NAME} of A-Z a-z 0-9 _ - ."))
    }
}

impl PushCredential {
    /// Checks the name and that every field is present and not too long.
    pub fn check(&self) -> Result<(), String> {
        check_name(&self.name)?;
        for (key, value, _) in self.config.fields() {
            if value.trim().is_empty() {
                return Err(format!("`{key}` is required"));
            }
            if value.len() > MAX_FIELD {
                return Err(format!("`{key}` is longer than {MAX_FIELD} bytes"));
            }
        }
        if let ProviderConfig::Webhook { url, .. } = &self.config {
            crate::hooks::rules::check_url("url", url).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
