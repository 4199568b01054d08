//! Password hashing with argon2id. Hashing costs tens of milliseconds on
//! purpose, so it runs on the blocking pool, never on a worker or shard
//! thread.

use crate::config::AuthConfig;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use imcloud_actors::DomainError;

/// Longest password, in characters (Easemob: 64).
pub const MAX_PASSWORD_CHARS: usize = 64;

/// Why a new password is refused, in Easemob's words where it has them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadPassword {
    #[error("password or pin must provided")]
    Missing,
    #[error("PASSWORD_TOO_LONG")]
    TooLong,
    #[error("password must not be only whitespace")]
    Blank,
    #[error("password must not hold control characters")]
    ControlCharacter,
}

/// The rules every new password passes, wherever it is set: 1–64
/// characters, not only whitespace, no control characters (NUL included).
pub fn check_new_password(password: &str) -> Result<(), BadPassword> {
    if password.is_empty() {
        return Err(BadPassword::Missing);
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(BadPassword::TooLong);
    }
    if password.chars().any(char::is_control) {
        return Err(BadPassword::ControlCharacter);
    }
    if password.trim().is_empty() {
        return Err(BadPassword::Blank);
    }
    Ok(())
}

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl PasswordHasher {
    pub fn new(cfg: &AuthConfig) -> Result<Self, String> {
        let params = Params::new(cfg.argon2_memory_kib, cfg.argon2_iterations, 1, None)
            .map_err(|e| format!("bad config: auth: {e}"))?;
        Ok(PasswordHasher { params })
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes `password` off the async threads.
    pub async fn hash(&self, password: String) -> Result<String, DomainError> {
        let argon = self.argon();
        let hashed = actix_web::web::block(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await;
        match hashed {
            Ok(Ok(h)) => Ok(h),
            _ => Err(DomainError::Internal),
        }
    }

    /// Checks `password` against a stored hash off the async threads.
    pub async fn verify(&self, password: String, hash: String) -> bool {
        let argon = self.argon();
        actix_web::web::block(move || {
            PasswordHash::new(&hash)
                .map(|h| argon.verify_password(password.as_bytes(), &h).is_ok())
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod rules {
    use super::*;

    #[test]
    fn passwords_that_are_empty_blank_control_or_long_are_refused() {
        assert_eq!(check_new_password(""), Err(BadPassword::Missing));
        assert_eq!(check_new_password(" "), Err(BadPassword::Blank));
        assert_eq!(
            check_new_password("\u{3000}\t "),
            Err(BadPassword::ControlCharacter)
        );
        assert_eq!(check_new_password("\0"), Err(BadPassword::ControlCharacter));
        assert_eq!(
            check_new_password("ab\u{7}c"),
            Err(BadPassword::ControlCharacter)
        );
        assert_eq!(check_new_password("\u{3000}"), Err(BadPassword::Blank));
        assert_eq!(
            check_new_password(&"x".repeat(65)),
            Err(BadPassword::TooLong)
        );
        assert_eq!(check_new_password(&"密".repeat(64)), Ok(()));
        assert_eq!(check_new_password(" pass word "), Ok(()));
    }
}
