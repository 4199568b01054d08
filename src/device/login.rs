//! Logging a device in: by a user token, or by app key, user and password
//! (checked like `POST /token`'s password grant). The device's session
//! opens in the node's directory and attaches to the user's entity, which
//! checks the account and the token's epoch.

use super::{Device, Session};
use crate::auth::token::{self, Subject};
use crate::error::ApiError;
use crate::node::Node;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::session::SessionInbox;
use imcloud_actors::user::{self, Attach, GetCredentials, TokenCheck};
use imcloud_actors::DomainError;
use rand::Rng;
use std::sync::atomic::Ordering;

const MAX_DEVICE_LEN: usize = 64;

/// How a device proves who it is.
pub enum Credentials {
    /// A user token from `POST /{org}/{app}/token`.
    Token(String),
    Password {
        appkey: String,
        user: String,
        password: String,
    },
}

/// A device logged in: its pushes arrive on `inbox`.
pub struct LoggedIn {
    pub user: String,
    pub device: String,
    pub server_time: i64,
    pub inbox: SessionInbox,
}

/// The device id a client asked for, or a new one.
fn device_id(requested: Option<String>) -> Result<String, DomainError> {
    match requested {
        None => Ok(format!("dev_{:016x}", rand::thread_rng().gen::<u64>())),
        Some(d)
            if !d.is_empty()
                && d.len() <= MAX_DEVICE_LEN
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')) =>
        {
            Ok(d)
        }
        Some(_) => Err(DomainError::InvalidArgument(format!(
            "device must be 1-{MAX_DEVICE_LEN} of a-z A-Z 0-9 _ - ."
        ))),
    }
}

/// Checks `user`'s password in `app`: its credentials, or `UserNotFound` /
/// `AuthFailed`. Whether a deactivated user may go on is the caller's
/// call.
pub async fn check_password(
    node: &Node,
    app: &AppKey,
    user: &UserId,
    password: String,
) -> Result<user::Credentials, DomainError> {
    let creds = node.ask(app.user_key(user), GetCredentials).await?;
    if !node
        .passwords
        .verify(password, creds.password_hash.clone())
        .await
    {
        return Err(DomainError::AuthFailed);
    }
    Ok(creds)
}

/// Who the credentials name: app, user and (for tokens) what the token says
/// about the user, which the user's entity checks.
async fn identify(
    node: &Node,
    creds: Credentials,
) -> Result<(AppKey, UserId, Option<TokenCheck>), ApiError> {
    match creds {
        Credentials::Token(t) => {
            let failed = ApiError::Domain(DomainError::AuthFailed);
            let claims = token::peek(&t).map_err(|_| failed.clone())?;
            let app = AppKey::parse(&claims.app).map_err(|_| failed.clone())?;
            let record = node.app(&app).await.map_err(|_| failed.clone())?;
            let claims =
                token::verify(&record, &t, node.clock.now_secs()).map_err(|_| failed.clone())?;
            let Subject::User { name, uid, epoch } = claims.sub else {
                return Err(DomainError::AuthFailed.into());
            };
            let user = UserId::parse(&name).map_err(|_| failed)?;
            let check = TokenCheck {
                user_uuid: uid,
                epoch,
            };
            Ok((app, user, Some(check)))
        }
        Credentials::Password {
            appkey,
            user,
            password,
        } => {
            let app =
                AppKey::parse(&appkey).map_err(|_| ApiError::Domain(DomainError::AppNotFound))?;
            node.app(&app).await?;
            let user = UserId::parse(&user)?;
            check_password(node, &app, &user, password).await?;
            Ok((app, user, None))
        }
    }
}

impl Device {
    /// Logs the device in as `creds` names, under the device id it asked
    /// for (or a new one).
    pub async fn login(
        &mut self,
        creds: Credentials,
        device: Option<String>,
    ) -> Result<LoggedIn, ApiError> {
        if self.session.is_some() {
            return Err(ApiError::AlreadyLoggedIn);
        }
        if self.node.shutdown.is_draining() {
            return Err(ApiError::ShuttingDown);
        }
        let device = device_id(device)?;
        let node = self.node.clone();
        let (app, user, token) = identify(&node, creds).await?;
        let (session, inbox) = node
            .env
            .devices
            .open(device.clone(), node.config.limits.session_queue);
        let addr = session.addr.clone();
        let key = app.user_key(&user);
        let attached = node
            .ask(
                key.clone(),
                Attach {
                    session: addr.clone(),
                    token,
                    max_devices: node.app_settings(&app).await?.max_devices as usize,
                },
            )
            .await;
        if attached.is_ok() {
            // So the device is told to reconnect when its user's shard moves
            // (and, in a cluster, its queue stays open here).
            node.env.devices.bind(&session, node.router.shard_of(&key));
        }
        // The user's entity now holds its own handle (or refused): this one
        // must not keep the queue open.
        drop(session);
        if let Err(e) = attached {
            node.env.devices.close(addr.id);
            return Err(e.into());
        }
        node.gateway.sessions.fetch_add(1, Ordering::Relaxed);
        self.session = Some(Session {
            app,
            user: user.clone(),
            key,
            addr,
            rooms: Vec::new(),
        });
        Ok(LoggedIn {
            user: user.to_string(),
            device,
            server_time: node.clock.now_ms(),
            inbox,
        })
    }
}
