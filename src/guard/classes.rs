//! The REST endpoint classes of spec §9 and their budgets: one table from a
//! matched route (method + pattern) to its class, one from a class to its
//! budget. Every class has its own budget per app; the endpoints of one
//! class (a row of §9) share it.
//!
//! **Scaling.** §9's budgets are for an app at the default
//! `rest_rate_per_s` of 100. An app that sets another rate has every
//! class scaled by `rest_rate_per_s / 100` (rounded down, at least one
//! call per period), so the default class is exactly `rest_rate_per_s`
//! and the others keep their proportion to it: at 300 (plan `pro`),
//! `POST /token` allows 900/s and `GET /chatmessages/{time}` 30/min.

use actix_web::http::Method;

/// The rate of §9's default class, which the other budgets are given at.
const BASE_RATE: u64 = 100;

/// A set of endpoints that share one budget per app (a row of §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointClass {
    /// Every endpoint §9 does not list: `rest_rate_per_s`.
    Default,
    /// `POST /token`.
    Token,
    /// `POST /users`, single and batch together.
    RegisterUsers,
    /// `DELETE /users` (batch, U6; applies once the endpoint lands).
    DeleteUsers,
    /// `POST /users/batch/status`.
    UsersStatus,
    /// A user's block list, get, add and remove (`/users/{u}/blocks/users…`;
    /// applies once the endpoints land).
    UserBlocklist,
    /// `POST /messages/users`.
    SendToUsers,
    /// `POST /messages/chatgroups`.
    SendToGroups,
    /// `POST /messages/chatrooms`.
    SendToRooms,
    /// `GET /chatmessages/{time}`: the hourly export's link.
    Export,
    /// `DELETE /users/{u}/user_channel`.
    DeleteChannel,
    /// `GET /chatgroups/user/{u}`.
    UserGroups,
    /// `GET /chatrooms`, `GET /users/{u}/joined_chatrooms`, `POST /chatrooms`.
    Chatrooms,
    /// Presence, `/users/{u}/presence…` (applies once the endpoints land).
    Presence,
}

/// How many calls a class allows per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub calls: u32,
    pub per: Period,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Second,
    Minute,
}

impl EndpointClass {
    /// Every class, in the order limiters are kept.
    pub const ALL: [EndpointClass; 14] = [
        EndpointClass::Default,
        EndpointClass::Token,
        EndpointClass::RegisterUsers,
        EndpointClass::DeleteUsers,
        EndpointClass::UsersStatus,
        EndpointClass::UserBlocklist,
        EndpointClass::SendToUsers,
        EndpointClass::SendToGroups,
        EndpointClass::SendToRooms,
        EndpointClass::Export,
        EndpointClass::DeleteChannel,
        EndpointClass::UserGroups,
        EndpointClass::Chatrooms,
        EndpointClass::Presence,
    ];

    /// This class's place in [`EndpointClass::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The class of a matched route: `pattern` is actix's
    /// `match_pattern()`, e.g. `/{org}/{app}/users/{username}`; a request
    /// that matched no route is in the default class.
    pub fn of(method: &Method, pattern: Option<&str>) -> EndpointClass {
        let Some(pattern) = pattern else {
            return EndpointClass::Default;
        };
        // The segments after `/{org}/{app}`, any path parameter as `*`.
        let segments: Vec<&str> = pattern
            .split('/')
            .filter(|s| !s.is_empty())
            .skip(2)
            .map(|s| if s.starts_with('{') { "*" } else { s })
            .collect();
        use EndpointClass as C;
        let (get, post, delete) = (Method::GET, Method::POST, Method::DELETE);
        match segments.as_slice() {
            ["token"] if *method == post => C::Token,
            ["users"] if *method == post => C::RegisterUsers,
            ["users"] if *method == delete => C::DeleteUsers,
            ["users", "batch", "status"] if *method == post => C::UsersStatus,
            ["users", "*", "blocks", "users", ..] => C::UserBlocklist,
            ["messages", "users"] if *method == post => C::SendToUsers,
            ["messages", "chatgroups"] if *method == post => C::SendToGroups,
            ["messages", "chatrooms"] if *method == post => C::SendToRooms,
            ["chatmessages", "*"] if *method == get => C::Export,
            ["users", "*", "user_channel"] if *method == delete => C::DeleteChannel,
            ["chatgroups", "user", "*"] if *method == get => C::UserGroups,
            ["chatrooms"] if *method == get || *method == post => C::Chatrooms,
            ["users", "*", "joined_chatrooms"] if *method == get => C::Chatrooms,
            ["users", "*", "presence", ..] => C::Presence,
            _ => C::Default,
        }
    }

    /// The class's budget for an app whose `rest_rate_per_s` is `rate`.
    pub fn budget(self, rate: u32) -> Budget {
        use EndpointClass as C;
        let (base, per) = match self {
            C::Default => (BASE_RATE, Period::Second),
            C::Token => (300, Period::Second),
            C::RegisterUsers | C::SendToUsers | C::DeleteChannel => (100, Period::Second),
            C::DeleteUsers => (30, Period::Second),
            C::UsersStatus | C::UserBlocklist | C::UserGroups | C::Chatrooms | C::Presence => {
                (50, Period::Second)
            }
            C::SendToGroups | C::SendToRooms => (20, Period::Second),
            C::Export => (10, Period::Minute),
        };
        let scaled = (base * u64::from(rate) / BASE_RATE).clamp(1, u64::from(u32::MAX));
        Budget {
            calls: u32::try_from(scaled).unwrap_or(u32::MAX),
            per,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EndpointClass as C;

    fn class(method: Method, pattern: &str) -> EndpointClass {
        EndpointClass::of(&method, Some(pattern))
    }

    #[test]
    fn routes_fall_in_the_classes_of_the_table() {
        let cases = [
            (Method::POST, "/{org}/{app}/token", C::Token),
            (Method::POST, "/{org}/{app}/users", C::RegisterUsers),
            (Method::GET, "/{org}/{app}/users", C::Default),
            (Method::DELETE, "/{org}/{app}/users", C::DeleteUsers),
            (
                Method::POST,
                "/{org}/{app}/users/batch/status",
                C::UsersStatus,
            ),
            (
                Method::DELETE,
                "/{org}/{app}/users/{owner}/blocks/users/{blocked}",
                C::UserBlocklist,
            ),
            (
                Method::GET,
                "/{org}/{app}/users/{u}/blocks/users",
                C::UserBlocklist,
            ),
            (Method::POST, "/{org}/{app}/messages/users", C::SendToUsers),
            (
                Method::POST,
                "/{org}/{app}/messages/chatgroups",
                C::SendToGroups,
            ),
            (
                Method::POST,
                "/{org}/{app}/messages/chatrooms",
                C::SendToRooms,
            ),
            (Method::POST, "/{org}/{app}/messages", C::Default),
            (Method::GET, "/{org}/{app}/chatmessages/{time}", C::Export),
            (
                Method::GET,
                "/{org}/{app}/chatmessages/files/{link}",
                C::Default,
            ),
            (
                Method::DELETE,
                "/{org}/{app}/users/{username}/user_channel",
                C::DeleteChannel,
            ),
            (
                Method::GET,
                "/{org}/{app}/chatgroups/user/{username}",
                C::UserGroups,
            ),
            (Method::GET, "/{org}/{app}/chatrooms", C::Chatrooms),
            (Method::POST, "/{org}/{app}/chatrooms", C::Chatrooms),
            (
                Method::GET,
                "/{org}/{app}/users/{u}/joined_chatrooms",
                C::Chatrooms,
            ),
            (Method::GET, "/{org}/{app}/chatrooms/{ids}", C::Default),
            (
                Method::POST,
                "/{org}/{app}/users/{u}/presence/{resource}/{status}",
                C::Presence,
            ),
            (
                Method::GET,
                "/{org}/{app}/{kind:chatgroups|chatrooms}/{id}/users",
                C::Default,
            ),
            (Method::GET, "/{org}/{app}/settings", C::Default),
        ];
        for (method, pattern, want) in cases {
            assert_eq!(class(method.clone(), pattern), want, "{method} {pattern}");
        }
        assert_eq!(EndpointClass::of(&Method::GET, None), C::Default);
    }

    #[test]
    fn the_class_list_is_in_index_order() {
        for (i, c) in EndpointClass::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }

    #[test]
    fn budgets_scale_with_the_apps_rate_and_never_reach_zero() {
        let at = |c: EndpointClass, rate| c.budget(rate).calls;
        assert_eq!(at(C::Default, 100), 100);
        assert_eq!(at(C::Token, 100), 300);
        assert_eq!(at(C::SendToGroups, 100), 20);
        assert_eq!(
            C::Export.budget(100),
            Budget {
                calls: 10,
                per: Period::Minute
            }
        );
        assert_eq!(at(C::Default, 7), 7);
        assert_eq!(at(C::Token, 300), 900);
        assert_eq!(at(C::Chatrooms, 10), 5);
        assert_eq!(at(C::SendToGroups, 1), 1);
        assert_eq!(at(C::Export, 1), 1);
        assert_eq!(at(C::Token, 1_000_000), 3_000_000);
    }
}
