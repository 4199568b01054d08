//! The gateway's one error type and the one table that maps every error to
//! its client-protocol code, HTTP status and Easemob `error` / `exception`
//! strings. Internal causes are logged where they happen; clients see a
//! stable code and a generic message. Errors that ask the client to come
//! back later carry a `Retry-After` header.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use imcloud_actors::attributes::AttributesRefusal;
use imcloud_actors::error::RecallRefusal;
use imcloud_actors::presence::PresenceRefusal;
use imcloud_actors::roster::Scope;
use imcloud_actors::DomainError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// No token, or an expired one.
    #[error("Unable to authenticate due to expired access token")]
    TokenExpired,
    /// A token that does not parse or belongs to another app.
    #[error("Unable to authenticate due to corrupt access token")]
    TokenCorrupt,
    /// A well-formed token this server did not sign.
    #[error("Unable to authenticate")]
    TokenForged,
    /// A user token on an endpoint that needs the app token.
    #[error("Unable to authenticate due to corrupt access token")]
    NeedAppToken,
    /// A user token on a call about another user (a device acts only
    /// for its own user).
    #[error("a user token acts only for its own user, not for {0}")]
    OtherUser(String),
    #[error("Could not find application for {0} from URI")]
    AppNotFound(String),
    #[error("Request body is invalid. Please check body is correct.")]
    InvalidBody(String),
    #[error("{0}")]
    IllegalArgument(String),
    /// A required body field is missing (U18's `username`).
    #[error("{0}")]
    RequiredProperty(String),
    #[error("{0}")]
    InvalidGrant(String),
    #[error("user not found")]
    GrantUserNotFound,
    /// Registering a username the app already has.
    #[error("Application {app} Entity user requires that property named username be unique, value of {name} exists")]
    IllegalArgumentDuplicate { app: String, name: String },
    #[error("{0}")]
    MessageSend(String),
    /// A roaming-deletion call over its limits (REST H2).
    #[error("{0}")]
    RoamingParam(String),
    /// A rewrite request missing a field (REST W1).
    #[error("{0}")]
    RewriteParam(String),
    /// A recall request missing a field (REST).
    #[error("{0}")]
    RecallParam(String),
    #[error("Service resource not found")]
    NotFound,
    /// An operator endpoint while `[admin] secret` is empty.
    #[error("Service resource not found")]
    OperatorOff,
    /// An operator endpoint without the operator secret.
    #[error("Unable to authenticate: the operator secret is missing or wrong")]
    OperatorUnauthorized,
    /// Creating an app whose key is taken (or whose deletion is not
    /// finished).
    #[error("app {0} already exists")]
    AppExists(String),
    /// An upload over `rest.max_file_bytes`.
    #[error("file exceeding maximum limit")]
    FileTooLarge,
    #[error("file may not exists")]
    FileNotFound,
    /// An hourly export with no messages (§5.8).
    #[error("{0}")]
    ExportNotFound(String),
    /// An export download link that is not valid or has expired.
    #[error("{0}")]
    ExportLinkRefused(&'static str),
    /// A restricted file fetched without its share-secret.
    #[error("this file is access-restricted: send its share-secret")]
    FileRestricted,
    /// A REST body over `rest.max_body_bytes`.
    #[error("Request body is larger than the limit of {0} bytes")]
    BodyTooLarge(usize),
    /// A REST call over its endpoint class's budget (§9).
    #[error("This request has reached api limit")]
    RateLimited { retry_after_secs: u64 },
    /// A REST call from an address the app's allow-list does not hold
    /// (§10.1).
    #[error("ip {0} is not in the app's REST allow-list")]
    NotInAllowList(String),
    /// The node has `rest.max_inflight` REST requests in flight.
    #[error("The server is busy: too many requests in flight. Retry later")]
    Overloaded,
    /// The node is shutting down (SIGTERM): nothing new is taken.
    #[error("the server is shutting down; retry (another node, or this one once it is back)")]
    ShuttingDown,
    // ---- client protocol only ----
    #[error("frame is not a JSON or MessagePack object: {0}")]
    BadFrame(String),
    #[error("unknown op `{0}`")]
    UnknownOp(String),
    #[error("not logged in: the first frame must be auth")]
    NotLoggedIn,
    #[error("already logged in")]
    AlreadyLoggedIn,
    #[error("{0} is not available yet")]
    NotSupported(String),
}

/// How one error shows to clients.
pub struct ErrorInfo {
    /// Client-protocol error code (Easemob client codes where one fits).
    pub code: u16,
    pub status: StatusCode,
    /// Easemob `error`.
    pub error: &'static str,
    /// Easemob `exception` (a stable class-like name).
    pub exception: &'static str,
}

fn info(code: u16, status: u16, error: &'static str, exception: &'static str) -> ErrorInfo {
    let status = match StatusCode::from_u16(status) {
        Ok(s) => s,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ErrorInfo {
        code,
        status,
        error,
        exception,
    }
}

impl ApiError {
    /// The one table.
    pub fn info(&self) -> ErrorInfo {
        use DomainError as D;
        match self {
            ApiError::Domain(d) => match d {
                D::AppNotFound => info(
                    100,
                    404,
                    "organization_application_not_found",
                    "ApplicationNotFoundException",
                ),
                D::AppExists => info(
                    203,
                    400,
                    "duplicate_unique_property_exists",
                    "DuplicateUniquePropertyExistsException",
                ),
                D::UserNotFound => info(
                    204,
                    404,
                    "service_resource_not_found",
                    "UserNotFoundException",
                ),
                D::UserExists => info(
                    203,
                    400,
                    "duplicate_unique_property_exists",
                    "DuplicateUniquePropertyExistsException",
                ),
                D::InvalidArgument(_) => {
                    info(205, 400, "illegal_argument", "IllegalArgumentException")
                }
                D::AuthFailed => info(202, 400, "invalid_grant", "InvalidGrantException"),
                D::UserDeactivated => info(207, 400, "invalid_grant", "UserNotActivatedException"),
                D::TokenRevoked => info(202, 401, "unauthorized", "UnauthorizedException"),
                D::PermissionDenied => info(210, 403, "forbidden_op", "ForbiddenOpException"),
                D::MessageInvalid(_) => {
                    info(500, 400, "message_send_error", "MessageInvalidException")
                }
                D::MessageTooLarge => {
                    info(510, 400, "message_send_error", "MessageTooLargeException")
                }
                D::MessageNotFound => {
                    info(506, 404, "message_not_found", "MessageNotFoundException")
                }
                D::TooManyEdits => info(
                    511,
                    403,
                    "message_rewrite_error",
                    "MessageRewriteLimitException",
                ),
                D::Recall(r) => match r {
                    RecallRefusal::WindowPassed => info(
                        504,
                        403,
                        "message_recall_error",
                        "MessageRecallTimeLimitException",
                    ),
                    RecallRefusal::NotFound => info(
                        506,
                        403,
                        "message_recall_error",
                        "MessageRecallNotFoundException",
                    ),
                    RecallRefusal::Disabled => {
                        info(505, 403, "forbidden_op", "ServiceNotEnabledException")
                    }
                    RecallRefusal::NotAllowed => {
                        info(210, 403, "forbidden_op", "ForbiddenOpException")
                    }
                },
                D::RateLimited => info(509, 403, "message_send_error", "MessageSendLimitException"),
                D::NotFriend => info(221, 403, "forbidden_op", "UserNotOnRosterException"),
                D::BlockedByUser => info(210, 403, "forbidden_op", "ForbiddenOpException"),
                D::ContactLimit(_) => info(222, 403, "exceed_limit", "ExceedLimitException"),
                D::UserMuted => info(219, 403, "forbidden_op", "UserMutedException"),
                D::IllegalContent => info(
                    501,
                    400,
                    "message_send_error",
                    "MessageIncludeIllegalContentException",
                ),
                D::Busy => info(302, 503, "server_busy", "ServerBusyException"),
                D::Timeout => info(301, 504, "server_timeout", "ServerTimeoutException"),
                D::Internal => info(303, 500, "web_application", "InternalServerErrorException"),
                D::NotFound(Scope::Group) => {
                    info(605, 404, "resource_not_found", "GroupNotFoundException")
                }
                D::NotFound(Scope::Chatroom) => info(
                    700,
                    404,
                    "service_resource_not_found",
                    "ChatroomNotFoundException",
                ),
                D::Exists(_) => info(203, 400, "illegal_argument", "IllegalArgumentException"),
                D::NotMember(Scope::Group) => {
                    info(602, 403, "forbidden_op", "ForbiddenOpException")
                }
                D::NotMember(Scope::Chatroom) => {
                    info(703, 400, "forbidden_op", "ForbiddenOpException")
                }
                D::AlreadyMember(Scope::Group) => {
                    info(601, 403, "forbidden_op", "ForbiddenOpException")
                }
                D::AlreadyMember(Scope::Chatroom) => {
                    info(702, 403, "forbidden_op", "ForbiddenOpException")
                }
                D::Forbidden(Scope::Group, _) => {
                    info(603, 403, "forbidden_op", "ForbiddenOpException")
                }
                D::Forbidden(Scope::Chatroom, _) => {
                    info(701, 403, "forbidden_op", "ForbiddenOpException")
                }
                D::Full(Scope::Group) => info(604, 403, "exceed_limit", "ExceedLimitException"),
                D::Full(Scope::Chatroom) => info(704, 403, "exceed_limit", "ExceedLimitException"),
                D::TooManyGroups => info(614, 403, "exceed_limit", "ExceedLimitException"),
                D::Blocked(Scope::Group) => info(615, 403, "forbidden_op", "ForbiddenOpException"),
                D::Blocked(Scope::Chatroom) => {
                    info(706, 403, "forbidden_op", "ForbiddenOpException")
                }
                D::Muted(_) => info(215, 403, "forbidden_op", "ForbiddenOpException"),
                D::MutedAll(_) => info(507, 403, "forbidden_op", "ForbiddenOpException"),
                D::RoomOverloaded(_) => info(707, 503, "server_busy", "ServerBusyException"),
                D::CallbackLimit => info(205, 403, "exceed_limit", "ExceedLimitException"),
                // Not `ResourceNotFoundException`: that one says the route
                // does not exist.
                D::RuleNotFound(_) => info(
                    404,
                    404,
                    "service_resource_not_found",
                    "CallbackRuleNotFoundException",
                ),
                D::CredentialNotFound(_) => info(
                    404,
                    404,
                    "service_resource_not_found",
                    "PushCredentialNotFoundException",
                ),
                D::RuleExists(_) => info(
                    203,
                    400,
                    "duplicate_unique_property_exists",
                    "DuplicateUniquePropertyExistsException",
                ),
                D::BlockedByCallback(_) => info(
                    508,
                    403,
                    "message_send_error",
                    "MessageExternalLogicBlockedException",
                ),
                D::Attributes(AttributesRefusal::TooLarge) => {
                    info(901, 400, "metadata_error", "MetadataSizeExceededException")
                }
                D::Attributes(AttributesRefusal::TooManyUsers) => {
                    info(900, 400, "illegal_argument", "IllegalArgumentException")
                }
                D::Presence(PresenceRefusal::TooLong(_)) => info(
                    1100,
                    400,
                    "illegal_argument",
                    "PresenceParamExceededException",
                ),
                D::Presence(
                    PresenceRefusal::TooManySubscriptions(_)
                    | PresenceRefusal::TooManySubscribers(..),
                ) => info(4, 403, "exceed_limit", "ExceedLimitException"),
            },
            ApiError::TokenExpired => info(202, 401, "unauthorized", "UnauthorizedException"),
            ApiError::TokenCorrupt | ApiError::NeedAppToken => {
                info(202, 401, "auth_bad_access_token", "SecurityException")
            }
            ApiError::TokenForged => info(202, 401, "auth_bad_access_token", "SecurityException"),
            ApiError::AppNotFound(_) => info(
                100,
                404,
                "organization_application_not_found",
                "ApplicationNotFoundException",
            ),
            ApiError::InvalidBody(_) => info(
                205,
                400,
                "invalid_request_body",
                "InvalidRequestBodyException",
            ),
            ApiError::IllegalArgument(_) => {
                info(205, 400, "illegal_argument", "IllegalArgumentException")
            }
            ApiError::RequiredProperty(_) => info(
                205,
                400,
                "required_property_not_found",
                "RequiredPropertyNotFoundException",
            ),
            ApiError::InvalidGrant(_) => info(202, 400, "invalid_grant", "InvalidGrantException"),
            ApiError::IllegalArgumentDuplicate { .. } => info(
                203,
                400,
                "duplicate_unique_property_exists",
                "DuplicateUniquePropertyExistsException",
            ),
            ApiError::GrantUserNotFound => info(204, 404, "invalid_grant", "InvalidGrantException"),
            ApiError::MessageSend(_) => {
                info(500, 400, "message_send_error", "MessageSendException")
            }
            ApiError::RoamingParam(_) => info(205, 400, "param exception", "ParamException"),
            ApiError::RewriteParam(_) => {
                info(205, 400, "message_rewrite_error", "MessageRewriteException")
            }
            ApiError::RecallParam(_) => {
                info(205, 400, "message_recall_error", "MessageRecallException")
            }
            ApiError::FileTooLarge => info(
                413,
                413,
                "request_entity_too_large",
                "RequestEntityTooLargeException",
            ),
            ApiError::OtherUser(_) => info(210, 403, "forbidden_op", "ForbiddenOpException"),
            ApiError::FileNotFound => info(404, 404, "entity_not_found", "EntityNotFoundException"),
            ApiError::FileRestricted => info(401, 401, "unauthorized", "UnauthorizedException"),
            ApiError::ExportNotFound(_) => info(
                404,
                404,
                "storage_object_not_found",
                "StorageObjectNotFoundException",
            ),
            ApiError::ExportLinkRefused(_) => {
                info(401, 401, "unauthorized", "UnauthorizedException")
            }
            ApiError::NotFound => info(
                404,
                404,
                "service_resource_not_found",
                "ResourceNotFoundException",
            ),
            ApiError::OperatorOff => info(
                404,
                404,
                "service_resource_not_found",
                "OperatorEndpointsOffException",
            ),
            ApiError::OperatorUnauthorized => {
                info(202, 401, "unauthorized", "UnauthorizedException")
            }
            ApiError::AppExists(_) => info(
                203,
                400,
                "duplicate_unique_property_exists",
                "DuplicateUniquePropertyExistsException",
            ),
            ApiError::BodyTooLarge(_) => info(
                413,
                413,
                "request_entity_too_large",
                "RequestEntityTooLargeException",
            ),
            ApiError::RateLimited { .. } => {
                info(429, 429, "reach_limit", "RateLimitExceededException")
            }
            ApiError::NotInAllowList(_) => info(403, 403, "forbidden_op", "IpNotAllowedException"),
            ApiError::Overloaded => info(302, 429, "server_busy", "TooManyRequestsException"),
            ApiError::ShuttingDown => info(
                304,
                503,
                "server_shutting_down",
                "ServiceUnavailableException",
            ),
            ApiError::BadFrame(_) => info(1001, 400, "invalid_request_body", "BadFrameException"),
            ApiError::UnknownOp(_) => info(1002, 400, "illegal_argument", "UnknownOpException"),
            ApiError::NotLoggedIn => info(201, 401, "unauthorized", "NotLoggedInException"),
            ApiError::AlreadyLoggedIn => {
                info(200, 400, "illegal_argument", "AlreadyLoggedInException")
            }
            ApiError::NotSupported(_) => info(
                505,
                501,
                "unsupported_service_operation",
                "UnsupportedServiceOperationException",
            ),
        }
    }

    /// Seconds a client should wait before retrying (`Retry-After`).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ApiError::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            ApiError::Overloaded | ApiError::ShuttingDown => Some(1),
            _ => None,
        }
    }

    /// The message shown to clients: internal errors say nothing more.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Domain(DomainError::UserNotFound) => "Service resource not found".into(),
            ApiError::Domain(DomainError::InvalidArgument(m)) => m.clone(),
            ApiError::Domain(DomainError::Forbidden(_, m)) => m.clone(),
            ApiError::InvalidBody(detail) if !detail.is_empty() => {
                format!("Request body is invalid. Please check body is correct. ({detail})")
            }
            other => other.to_string(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.info().status
    }

    fn error_response(&self) -> HttpResponse {
        let info = self.info();
        // An error body has no node at hand; its timestamp is informative
        // only, so it reads the system clock.
        let now = imcloud_shards::Clock::system().now_ms();
        let mut response = HttpResponse::build(info.status);
        if let Some(secs) = self.retry_after_secs() {
            response.insert_header((actix_web::http::header::RETRY_AFTER, secs));
        }
        response.json(serde_json::json!({
            "error": info.error,
            "exception": info.exception,
            "error_description": self.public_message(),
            "timestamp": now,
            "duration": 0,
        }))
    }
}
