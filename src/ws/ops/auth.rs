//! `auth`: by user token, or by appkey + user + password. Attaches the socket
//! to the user's entity; pushes then go in this frame's encoding.

use super::args;
use crate::auth::token::{self, Subject};
use crate::error::ApiError;
use crate::ws::codec::Encoding;
use crate::ws::session::{Authed, SocketState};
use imcloud_actors::command::TokenCheck;
use imcloud_actors::ids::{AppKey, UserId};
use imcloud_actors::session::SessionRef;
use imcloud_actors::{Command, DomainError};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Map, Value};

/// The protocol version this server speaks.
const PROTOCOL_VERSION: u64 = 1;
const MAX_DEVICE_LEN: usize = 64;

#[derive(Deserialize)]
struct AuthArgs {
    token: Option<String>,
    appkey: Option<String>,
    user: Option<String>,
    password: Option<String>,
    device: Option<String>,
    v: Option<u64>,
}

fn device_id(requested: Option<String>) -> Result<String, ApiError> {
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
        ))
        .into()),
    }
}

/// Who the credentials name: app, user and (for tokens) what the token says
/// about the user, checked by the user's entity.
async fn identify(
    state: &SocketState,
    a: &AuthArgs,
) -> Result<(AppKey, UserId, Option<TokenCheck>), ApiError> {
    let node = &state.node;
    if let Some(t) = &a.token {
        let claims = token::peek(t).map_err(|_| ApiError::Domain(DomainError::AuthFailed))?;
        let app =
            AppKey::parse(&claims.app).map_err(|_| ApiError::Domain(DomainError::AuthFailed))?;
        let record = node
            .app(&app)
            .await
            .map_err(|_| ApiError::Domain(DomainError::AuthFailed))?;
        let claims = token::verify(&record, t, token::now_secs())
            .map_err(|_| ApiError::Domain(DomainError::AuthFailed))?;
        let Subject::User { name, uid, epoch } = claims.sub else {
            return Err(DomainError::AuthFailed.into());
        };
        let user = UserId::parse(&name).map_err(|_| ApiError::Domain(DomainError::AuthFailed))?;
        return Ok((
            app,
            user,
            Some(TokenCheck {
                user_uuid: uid,
                epoch,
            }),
        ));
    }
    let (Some(appkey), Some(user), Some(password)) = (&a.appkey, &a.user, &a.password) else {
        return Err(DomainError::InvalidArgument(
            "auth needs `token`, or `appkey` + `user` + `password`".into(),
        )
        .into());
    };
    let app = AppKey::parse(appkey).map_err(|_| ApiError::Domain(DomainError::AppNotFound))?;
    node.app(&app).await?;
    let user = UserId::parse(user)?;
    let creds = node
        .ask(app.user_key(&user), |reply| Command::GetCredentials {
            reply,
        })
        .await?;
    if !node
        .passwords
        .verify(password.clone(), creds.password_hash)
        .await
    {
        return Err(DomainError::AuthFailed.into());
    }
    Ok((app, user, None))
}

pub async fn handle(
    state: &mut SocketState,
    raw: Value,
    enc: Encoding,
) -> Result<Map<String, Value>, ApiError> {
    if state.authed.is_some() {
        return Err(ApiError::AlreadyLoggedIn);
    }
    let a: AuthArgs = args(raw)?;
    if a.v.is_some_and(|v| v != PROTOCOL_VERSION) {
        return Err(DomainError::InvalidArgument(format!(
            "protocol version {} is not supported; this server speaks {PROTOCOL_VERSION}",
            a.v.unwrap_or(0)
        ))
        .into());
    }
    let device = device_id(a.device.clone())?;
    let (app, user, token) = identify(state, &a).await?;
    let node = state.node.clone();
    let (session, inbox) = SessionRef::new(device.clone(), node.config.limits.session_queue);
    let session_id = session.id;
    let key = app.user_key(&user);
    let kept = session.downgrade();
    node.ask(key.clone(), |reply| Command::Attach {
        session,
        token,
        reply,
    })
    .await?;
    node.gateway
        .sessions
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    state.authed = Some(Authed {
        app,
        user: user.to_string(),
        key,
        session_id,
        session: kept,
        rooms: Vec::new(),
        encoding: enc,
        inbox: Some(inbox),
    });
    Ok(Map::from_iter([
        ("user".to_string(), Value::from(user.to_string())),
        ("device".to_string(), Value::from(device)),
        (
            "server_time".to_string(),
            Value::from(imcloud_actors::ids::now_ms()),
        ),
    ]))
}
