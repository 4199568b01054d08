//! Tokens: `base64url(claims JSON) . base64url(HMAC-SHA256(claims))`, signed
//! with the app's own key, so any node verifies them without a lookup beyond
//! the app record. User tokens carry the user's token epoch; bumping it
//! (password change, forced logout) revokes them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use imcloud_actors::app::AppRecord;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Who a token speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    /// The app server (client credentials): admin rights on its app.
    #[serde(rename = "app")]
    App,
    /// One user of the app.
    #[serde(rename = "user")]
    User {
        name: String,
        uid: String,
        epoch: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// App key the token was issued for.
    pub app: String,
    pub sub: Subject,
    /// Expiry, Unix seconds; 0 = never.
    pub exp: u64,
}

/// Why a token was refused (mapped to Easemob's 401 bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
    Expired,
}

pub(crate) fn mac(key: &str) -> Option<HmacSha256> {
    let key = URL_SAFE_NO_PAD.decode(key).ok()?;
    HmacSha256::new_from_slice(&key).ok()
}

/// Signs `claims` with the app's key.
pub fn issue(app: &AppRecord, claims: &Claims) -> Result<String, TokenError> {
    let body =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).map_err(|_| TokenError::Malformed)?);
    let mut m = mac(&app.token_key).ok_or(TokenError::Malformed)?;
    m.update(body.as_bytes());
    Ok(format!(
        "{body}.{}",
        URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    ))
}

/// Reads the claims without checking the signature (to find the app).
pub fn peek(token: &str) -> Result<Claims, TokenError> {
    let (body, _) = token.split_once('.').ok_or(TokenError::Malformed)?;
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

/// Checks the signature and expiry of `token` against `app`.
pub fn verify(app: &AppRecord, token: &str, now_secs: u64) -> Result<Claims, TokenError> {
    let (body, sig) = token.split_once('.').ok_or(TokenError::Malformed)?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| TokenError::Malformed)?;
    let mut m = mac(&app.token_key).ok_or(TokenError::Malformed)?;
    m.update(body.as_bytes());
    m.verify_slice(&sig).map_err(|_| TokenError::BadSignature)?;
    let claims = peek(token)?;
    if claims.app != app.appkey {
        return Err(TokenError::BadSignature);
    }
    if claims.exp != 0 && claims.exp <= now_secs {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(key: &str, name: &str) -> AppRecord {
        AppRecord {
            appkey: name.into(),
            uuid: "u".into(),
            client_id: "c".into(),
            client_secret: "s".into(),
            token_key: URL_SAFE_NO_PAD.encode(key.as_bytes()),
            created: 0,
            settings: Default::default(),
            chatroom_super_admins: Default::default(),
            version: 0,
            deleting: false,
            word_count: 0,
            callbacks: Vec::new(),
            last_callback_id: 0,
            push_credentials: Vec::new(),
        }
    }

    #[test]
    fn tokens_verify_only_for_their_app_and_until_expiry() {
        let a = app("key-a-0123456789", "o#a");
        let b = app("key-b-0123456789", "o#b");
        let claims = Claims {
            app: "o#a".into(),
            sub: Subject::User {
                name: "alice".into(),
                uid: "u-1".into(),
                epoch: 2,
            },
            exp: 100,
        };
        let t = issue(&a, &claims).unwrap();
        assert_eq!(verify(&a, &t, 50).unwrap(), claims);
        assert_eq!(verify(&a, &t, 100), Err(TokenError::Expired));
        assert_eq!(verify(&b, &t, 50), Err(TokenError::BadSignature));
        // Claims changed after signing (a later expiry) fail the signature.
        let (_, sig) = t.split_once('.').unwrap();
        let longer = Claims {
            exp: 999,
            ..claims.clone()
        };
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&longer).unwrap());
        let forged = format!("{body}.{sig}");
        assert_eq!(verify(&a, &forged, 50), Err(TokenError::BadSignature));
        assert_eq!(verify(&a, "garbage", 50), Err(TokenError::Malformed));
        assert_eq!(peek(&t).unwrap().app, "o#a");
    }
}
