//! `auth`: by user token, or by appkey + user + password.

use super::Dispatch;
use crate::device::{Credentials, Device};
use crate::error::ApiError;
use crate::ws::codec::OkBody;
use crate::ws::frames::AuthArgs;
use imcloud_actors::DomainError;

/// The protocol version this server speaks.
const PROTOCOL_VERSION: u64 = 1;

pub(super) async fn handle(device: &mut Device, a: AuthArgs) -> Dispatch {
    match login(device, a).await {
        Ok(done) => done,
        Err(e) => Dispatch::Done(Err(e)),
    }
}

async fn login(device: &mut Device, a: AuthArgs) -> Result<Dispatch, ApiError> {
    if device.is_logged_in() {
        return Err(ApiError::AlreadyLoggedIn);
    }
    if let Some(v) = a.v.filter(|v| *v != PROTOCOL_VERSION) {
        return Err(DomainError::InvalidArgument(format!(
            "protocol version {v} is not supported; this server speaks {PROTOCOL_VERSION}"
        ))
        .into());
    }
    let creds = match (a.token, a.appkey, a.user, a.password) {
        (Some(t), ..) => Credentials::Token(t),
        (None, Some(appkey), Some(user), Some(password)) => Credentials::Password {
            appkey,
            user,
            password,
        },
        _ => {
            return Err(DomainError::InvalidArgument(
                "auth needs `token`, or `appkey` + `user` + `password`".into(),
            )
            .into())
        }
    };
    let done = device.login(creds, a.device).await?;
    let body = OkBody::Auth {
        user: done.user,
        device: done.device,
        server_time: done.server_time,
    };
    Ok(Dispatch::LoggedIn(body, done.inbox))
}
