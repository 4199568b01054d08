//! The one table from imcloud's errors to msync's `Status`: the error
//! code and the exact reason strings the SDK matches to raise its own
//! error types (`shared/spec/msync/README.md` §6). Login failures have
//! their own wording (`provision`); a send's refusal is the ack's status.

use super::proto::code::status as st;
use super::proto::Status;
use crate::error::ApiError;
use imcloud_actors::roster::Scope;
use imcloud_actors::DomainError as D;

pub fn ok() -> Status {
    Status {
        error_code: Some(st::OK),
        reason: None,
    }
}

pub fn fail(code: i32, reason: &str) -> Status {
    Status {
        error_code: Some(code),
        reason: Some(reason.to_string()),
    }
}

/// Token or password that does not log in.
pub const BAD_LOGIN: &str = "Sorry, token or password does not match login info";
pub const TOKEN_EXPIRED: &str = "Sorry, token expired";
pub const USER_NOT_FOUND: &str = "Sorry, user not found";

/// Why a Provision failed.
pub fn provision(e: &ApiError) -> Status {
    match e {
        ApiError::TokenExpired => fail(st::FAIL, TOKEN_EXPIRED),
        ApiError::Domain(D::UserNotFound) => fail(st::FAIL, USER_NOT_FOUND),
        ApiError::Domain(D::UserDeactivated) => fail(st::IM_FORBIDDEN, "user is deactivated"),
        ApiError::Domain(D::InvalidArgument(m)) => fail(st::WRONG_PARAMETER, m),
        ApiError::Domain(D::Busy | D::Timeout | D::Internal) => fail(st::FAIL, "server busy"),
        _ => fail(st::FAIL, BAD_LOGIN),
    }
}

/// Why a send (or another meta) was refused.
pub fn send(e: &ApiError) -> Status {
    let ApiError::Domain(d) = e else {
        return fail(st::FAIL, &e.to_string());
    };
    match d {
        D::BlockedByUser => fail(st::FAIL, "blocked"),
        D::NotFriend => fail(st::FAIL, "nonroster"),
        D::NotFound(Scope::Group | Scope::Chatroom) => fail(st::FAIL, "group not found"),
        D::NotMember(_) => fail(st::FAIL, "not in group or chatroom"),
        D::Blocked(_) => fail(st::FAIL, "not in group or chatroom"),
        // App-wide: the SDK's USER_MUTED_BY_ADMIN (219); in a group or
        // room: its SERVICE_NOT_ALLOW_MESSAGING_MUTE (507).
        D::UserMuted => fail(st::PERMISSION_DENIED, "user is mute"),
        D::Muted(_) | D::MutedAll(_) => fail(st::USER_MUTED, "you were muted"),
        D::IllegalContent => fail(st::PERMISSION_DENIED, "sensitive words"),
        D::RateLimited => fail(st::PERMISSION_DENIED, "traffic limit"),
        D::MessageTooLarge => fail(st::PERMISSION_DENIED, "Sorry, data is too large"),
        D::Recall(r) => fail(st::FAIL, &r.to_string()),
        // The SDK's MESSAGE_EXTERNAL_LOGIC_BLOCKED (508), with the app
        // server's reason.
        D::BlockedByCallback(reason) => fail(st::PERMISSION_DENIED_EXTERNAL, reason),
        other => fail(st::FAIL, &other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_the_reasons_the_sdk_matches() {
        let r = |d: D| send(&ApiError::Domain(d));
        assert_eq!(r(D::BlockedByUser), fail(st::FAIL, "blocked"));
        assert_eq!(r(D::NotFriend), fail(st::FAIL, "nonroster"));
        assert_eq!(
            r(D::IllegalContent),
            fail(st::PERMISSION_DENIED, "sensitive words")
        );
        assert_eq!(
            r(D::RateLimited),
            fail(st::PERMISSION_DENIED, "traffic limit")
        );
        assert_eq!(r(D::UserMuted), fail(st::PERMISSION_DENIED, "user is mute"));
        assert_eq!(
            r(D::BlockedByCallback("spam".into())),
            fail(st::PERMISSION_DENIED_EXTERNAL, "spam")
        );
        assert_eq!(r(D::Muted(Scope::Group)).error_code, Some(st::USER_MUTED));
        assert_eq!(
            provision(&ApiError::TokenExpired).reason.as_deref(),
            Some(TOKEN_EXPIRED)
        );
    }
}
