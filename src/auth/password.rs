//! Password hashing with argon2id. Hashing costs tens of milliseconds on
//! purpose, so it runs on the blocking pool, never on a worker or shard
//! thread.

use crate::config::AuthConfig;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use imcloud_actors::DomainError;

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
