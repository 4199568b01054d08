//! Contacts between users of an app: friends (always both ways), friend
//! requests, remarks and per-user block lists; the `contact` push; and
//! their limits. The User entity keeps them (`user/contacts.rs`).

use serde::{Deserialize, Serialize};

/// Most users one user may block (Easemob: 500).
pub const MAX_BLOCKS: usize = 500;
/// Most friend requests a user may have waiting for an answer; the next
/// one is refused until some are answered.
pub const MAX_PENDING_REQUESTS: usize = 1_000;
/// Longest friend remark, in characters (Easemob: 100).
pub const MAX_REMARK_CHARS: usize = 100;
/// Longest reason of a friend request, in characters.
pub const MAX_REASON_CHARS: usize = 256;

/// What a `contact` push says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// `user` asks to be this user's friend.
    Request,
    /// `user` and this user are now friends.
    Accepted,
    /// `user` declined this user's request.
    Declined,
    /// `user` and this user are no longer friends.
    Removed,
}

/// The `contact` push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPush {
    pub kind: ContactKind,
    pub user: String,
    pub reason: Option<String>,
}

/// One friend of a user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendRecord {
    #[serde(default)]
    pub remark: String,
    /// When they became friends, ms.
    #[serde(default)]
    pub since: i64,
}

/// A friend request waiting for the user's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRequest {
    #[serde(default)]
    pub reason: String,
    /// When it was made, ms.
    #[serde(default)]
    pub at: i64,
}

/// A user's friends (by name, with remarks) and the requests waiting for
/// it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactList {
    pub friends: Vec<(String, FriendRecord)>,
    pub requests: Vec<(String, ContactRequest)>,
}

/// Which limit a contact change would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContactLimit {
    /// The app's `friends_per_user`.
    Friends,
    /// [`MAX_BLOCKS`].
    Blocks,
    /// [`MAX_PENDING_REQUESTS`] at the user asked.
    Requests,
}

impl ContactLimit {
    pub fn describe(self) -> &'static str {
        match self {
            ContactLimit::Friends => "user contact number exceed limit",
            ContactLimit::Blocks => "user blocklist exceed limit",
            ContactLimit::Requests => "the user has too many friend requests waiting",
        }
    }
}

/// Checks a remark or a reason: at most `max` characters.
pub fn check_text(what: &str, text: &str, max: usize) -> Result<(), crate::DomainError> {
    if text.chars().count() > max {
        return Err(crate::DomainError::InvalidArgument(format!(
            "{what} must be at most {max} characters"
        )));
    }
    Ok(())
}
