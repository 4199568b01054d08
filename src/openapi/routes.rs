//! The documented routes: for every HTTP route the server registers, its
//! method, path, who may call it and what it does. The OpenAPI document
//! is built from this table, the authorization matrix test checks every
//! row's `access` against the running server, and a test keeps the table
//! and the registered routes equal.

/// Who may call a route (the answers per kind of caller are in
/// `docs/rest.md`, "Who may call what").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, readiness and metrics (guard them by network).
    Public,
    /// Anyone who sends the app's credentials or a user's password in the
    /// body (`POST /token`).
    Credentials,
    /// The app token.
    App,
    /// The app token; or no token for a single user when the app has
    /// open registration.
    AppOrOpenRegistration,
    /// The app token or a live token of one of the app's users.
    AppOrUser,
    /// Whoever holds the link (an export link signed by the server, an
    /// attachment's uuid plus its share secret when restricted).
    Link,
    /// A WebSocket upgrade; the first frame logs in.
    Socket,
}

/// One route as documented.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    pub method: &'static str,
    /// The path as registered (`{kind:chatgroups|chatrooms}` stands for
    /// both).
    pub path: &'static str,
    pub access: Access,
    /// The OpenAPI tag.
    pub tag: &'static str,
    pub summary: &'static str,
}

const fn r(
    method: &'static str,
    path: &'static str,
    access: Access,
    tag: &'static str,
    summary: &'static str,
) -> RouteDoc {
    RouteDoc {
        method,
        path,
        access,
        tag,
        summary,
    }
}

use Access::*;

/// A path under a group or a room (`roster` serves both).
macro_rules! concat_roster {
    ($rest:literal) => {
        concat!("/{org}/{app}/{kind:chatgroups|chatrooms}/{id}", $rest)
    };
}

/// Every route, grouped as `docs/rest.md` is.
#[rustfmt::skip]
pub const ROUTES: &[RouteDoc] = &[
    // Operations.
    r("GET", "/healthz", Public, "operations", "Liveness: the process answers"),
    r("GET", "/readyz", Public, "operations", "Readiness: 503 while starting or draining"),
    r("GET", "/metrics", Public, "operations", "Prometheus metrics"),
    r("GET", "/openapi.json", Public, "operations", "This document"),
    r("GET", "/ws", Socket, "sockets", "imcloud's client protocol (JSON or MessagePack frames)"),
    r("GET", "/websocket", Socket, "sockets", "Easemob Web SDK protocol (msync, protobuf frames)"),
    // The browser side (src/web): static files compiled into the binary.
    r("GET", "/sdk/imcloud.js", Public, "web", "imcloud.js, the JavaScript client of /ws (docs/imcloud-js.md)"),
    r("GET", "/demo", Public, "web", "The web chat demo (a page on imcloud.js)"),
    r("GET", "/demo/demo.js", Public, "web", "The demo's script: sign-in, conversations, the chat view"),
    r("GET", "/demo/demo-images.js", Public, "web", "The demo's script: images"),
    r("GET", "/demo/demo-messages.js", Public, "web", "The demo's script: sending, editing, recalling, pushes"),
    r("GET", "/demo/demo-people.js", Public, "web", "The demo's script: contacts, presence, rooms"),
    r("GET", "/demo/demo.css", Public, "web", "The demo's style sheet"),
    // Tokens and users.
    r("POST", "/{org}/{app}/token", Credentials, "users", "App token (client credentials) or user token (password)"),
    r("POST", "/{org}/{app}/users", AppOrOpenRegistration, "users", "Register one user or up to 60"),
    r("GET", "/{org}/{app}/users", App, "users", "List users by cursor"),
    r("POST", "/{org}/{app}/users/batch/status", App, "users", "Online status of up to 100 users"),
    r("GET", "/{org}/{app}/users/{username}", App, "users", "Get a user"),
    r("DELETE", "/{org}/{app}/users/{username}", App, "users", "Delete a user and its data"),
    r("PUT", "/{org}/{app}/users/{username}/password", App, "users", "Set a user's password (revokes its tokens)"),
    r("POST", "/{org}/{app}/users/{username}/password", App, "users", "Set a user's password (revokes its tokens)"),
    r("GET", "/{org}/{app}/users/{username}/status", App, "users", "Whether a user has a device online"),
    r("GET", "/{org}/{app}/users/{username}/offline_msg_count", App, "users", "Messages waiting for a user"),
    r("POST", "/{org}/{app}/users/{username}/deactivate", App, "users", "Deactivate a user (logs it out)"),
    r("POST", "/{org}/{app}/users/{username}/activate", App, "users", "Activate a user"),
    r("GET", "/{org}/{app}/users/{username}/resources", App, "users", "A user's online devices"),
    r("GET", "/{org}/{app}/users/{username}/disconnect", App, "users", "Log out all of a user's devices"),
    r("GET", "/{org}/{app}/users/{username}/disconnect/{resource}", App, "users", "Log out one device"),
    r("DELETE", "/{org}/{app}/users/{username}/disconnect/{resource}", App, "users", "Log out one device"),
    r("POST", "/{org}/{app}/mutes", App, "users", "Mute a user app-wide (1:1, groups, rooms)"),
    r("GET", "/{org}/{app}/mutes", App, "users", "List app-wide mutes"),
    r("GET", "/{org}/{app}/mutes/{username}", App, "users", "A user's app-wide mutes"),
    // Contacts and block lists.
    r("GET", "/{org}/{app}/users/{owner}/contacts/users", App, "contacts", "A user's contacts"),
    r("POST", "/{org}/{app}/users/{owner}/contacts/users/{friend}", App, "contacts", "Make two users contacts"),
    r("DELETE", "/{org}/{app}/users/{owner}/contacts/users/{friend}", App, "contacts", "Remove a contact (both sides)"),
    r("GET", "/{org}/{app}/user/{owner}/contacts", App, "contacts", "A user's contacts, paged, with remarks"),
    r("PUT", "/{org}/{app}/user/{owner}/contacts/users/{friend}", App, "contacts", "Set a contact's remark"),
    r("POST", "/{org}/{app}/users/{owner}/contacts/import", App, "contacts", "Import contacts"),
    r("POST", "/{org}/{app}/users/{owner}/blocks/users", App, "contacts", "Block users"),
    r("GET", "/{org}/{app}/users/{owner}/blocks/users", App, "contacts", "A user's block list"),
    r("DELETE", "/{org}/{app}/users/{owner}/blocks/users/{blocked}", App, "contacts", "Unblock a user"),
    // Messages.
    r("POST", "/{org}/{app}/messages/users", App, "messages", "Send to users"),
    r("POST", "/{org}/{app}/messages/chatgroups", App, "messages", "Send to groups"),
    r("POST", "/{org}/{app}/messages/chatrooms", App, "messages", "Send to chatrooms"),
    r("POST", "/{org}/{app}/messages", App, "messages", "Send (legacy form with target_type)"),
    r("POST", "/{org}/{app}/messages/msg_recall", App, "messages", "Recall a message"),
    r("POST", "/{org}/{app}/messages/recall", App, "messages", "Recall messages"),
    r("PUT", "/{org}/{app}/messages/rewrite/{msg_id}", App, "messages", "Edit a text or custom message"),
    r("POST", "/{org}/{app}/chatfiles", AppOrUser, "messages", "Upload an attachment"),
    r("GET", "/{org}/{app}/chatfiles/{uuid}", Link, "messages", "Download an attachment (or its thumbnail)"),
    r("GET", "/{org}/{app}/chatmessages/{time}", App, "messages", "Link to an hour of history (export)"),
    r("GET", "/{org}/{app}/chatmessages/files/{link}", Link, "messages", "Download an hour of history"),
    // Roaming history.
    r("DELETE", "/{org}/{app}/users/{username}/user_channel", App, "history", "Delete a conversation (and its history with delete_roam)"),
    r("DELETE", "/{org}/{app}/rest/message/roaming/chat/user/{username}", App, "history", "Delete 1:1 messages from a user's history"),
    r("DELETE", "/{org}/{app}/rest/message/roaming/chat/user/{username}/time", App, "history", "Delete a user's 1:1 history up to a time"),
    r("POST", "/{org}/{app}/rest/message/roaming/chat/user/{username}/time", App, "history", "Delete a user's 1:1 history up to a time"),
    r("DELETE", "/{org}/{app}/rest/message/roaming/group/user/{username}", App, "history", "Delete group messages from a member's history"),
    r("DELETE", "/{org}/{app}/rest/message/roaming/group/user/{username}/time", App, "history", "Delete a member's group history up to a time"),
    r("POST", "/{org}/{app}/rest/message/roaming/group/user/{username}/time", App, "history", "Delete a member's group history up to a time"),
    r("POST", "/{org}/{app}/rest/message/roaming/user/{username}/delete/all", App, "history", "Delete every conversation of a user"),
    // Groups.
    r("POST", "/{org}/{app}/chatgroups", App, "groups", "Create a group"),
    r("GET", "/{org}/{app}/chatgroups", App, "groups", "List groups by cursor"),
    r("GET", "/{org}/{app}/chatgroups/{ids}", App, "groups", "Get groups"),
    r("PUT", "/{org}/{app}/chatgroups/{id}", App, "groups", "Change a group"),
    r("DELETE", "/{org}/{app}/chatgroups/{id}", App, "groups", "Dismiss a group"),
    r("GET", "/{org}/{app}/chatgroups/user/{username}", App, "groups", "A user's groups, paged"),
    r("GET", "/{org}/{app}/users/{username}/joined_chatgroups", App, "groups", "A user's groups"),
    r("GET", "/{org}/{app}/chatgroups/{id}/user/{username}/is_joined", App, "groups", "Whether a user is a member"),
    r("POST", "/{org}/{app}/chatgroups/{id}/user/{username}/is_joined", App, "groups", "Whether a user is a member"),
    // Chatrooms.
    r("POST", "/{org}/{app}/chatrooms", App, "chatrooms", "Create a chatroom"),
    r("GET", "/{org}/{app}/chatrooms", App, "chatrooms", "List chatrooms"),
    r("GET", "/{org}/{app}/chatrooms/{ids}", App, "chatrooms", "Get chatrooms"),
    r("PUT", "/{org}/{app}/chatrooms/{id}", App, "chatrooms", "Change a chatroom"),
    r("DELETE", "/{org}/{app}/chatrooms/{id}", App, "chatrooms", "Delete a chatroom"),
    r("POST", "/{org}/{app}/chatrooms/super_admin", App, "chatrooms", "Make a user a chatroom super admin"),
    r("GET", "/{org}/{app}/chatrooms/super_admin", App, "chatrooms", "List chatroom super admins"),
    r("DELETE", "/{org}/{app}/chatrooms/super_admin/{username}", App, "chatrooms", "Revoke a chatroom super admin"),
    // The roster calls groups and chatrooms share.
    r("GET", concat_roster!("/users"), App, "groups and chatrooms", "Members, paged"),
    r("POST", concat_roster!("/users"), App, "groups and chatrooms", "Add members"),
    r("POST", concat_roster!("/users/{username}"), App, "groups and chatrooms", "Add a member"),
    r("DELETE", concat_roster!("/users/{usernames}"), App, "groups and chatrooms", "Remove members"),
    r("GET", concat_roster!("/admin"), App, "groups and chatrooms", "Admins"),
    r("POST", concat_roster!("/admin"), App, "groups and chatrooms", "Add an admin"),
    r("DELETE", concat_roster!("/admin/{username}"), App, "groups and chatrooms", "Remove an admin"),
    r("GET", concat_roster!("/blocks/users"), App, "groups and chatrooms", "Block list"),
    r("POST", concat_roster!("/blocks/users"), App, "groups and chatrooms", "Block users"),
    r("POST", concat_roster!("/blocks/users/{username}"), App, "groups and chatrooms", "Block a user"),
    r("DELETE", concat_roster!("/blocks/users/{usernames}"), App, "groups and chatrooms", "Unblock users"),
    r("GET", concat_roster!("/mute"), App, "groups and chatrooms", "Muted members"),
    r("POST", concat_roster!("/mute"), App, "groups and chatrooms", "Mute members"),
    r("DELETE", concat_roster!("/mute/{usernames}"), App, "groups and chatrooms", "Unmute members"),
    r("POST", concat_roster!("/ban"), App, "groups and chatrooms", "Mute everyone"),
    r("DELETE", concat_roster!("/ban"), App, "groups and chatrooms", "End mute-all"),
    r("GET", concat_roster!("/announcement"), App, "groups and chatrooms", "The announcement"),
    r("POST", concat_roster!("/announcement"), App, "groups and chatrooms", "Set the announcement"),
    // Presence and attributes.
    r("POST", "/{org}/{app}/users/{username}/presence/{resource}/{status}", App, "presence", "Set a device's presence"),
    r("POST", "/{org}/{app}/users/{username}/presence/{expiry}", App, "presence", "Subscribe to users' presence"),
    r("POST", "/{org}/{app}/users/{username}/presence", App, "presence", "Presence of users"),
    r("DELETE", "/{org}/{app}/users/{username}/presence", App, "presence", "Unsubscribe from users' presence"),
    r("GET", "/{org}/{app}/users/{username}/presence/sublist", App, "presence", "A user's presence subscriptions"),
    r("GET", "/{org}/{app}/presence/online/{group_id}/type/{kind}", App, "presence", "Members of a group online"),
    r("GET", "/{org}/{app}/metadata/user/capacity", App, "presence", "Bytes of attributes the app holds"),
    r("POST", "/{org}/{app}/metadata/user/get", App, "presence", "Attributes of up to 100 users"),
    r("PUT", "/{org}/{app}/metadata/user/{username}", App, "presence", "Set a user's attributes"),
    r("GET", "/{org}/{app}/metadata/user/{username}", App, "presence", "A user's attributes"),
    r("DELETE", "/{org}/{app}/metadata/user/{username}", App, "presence", "Delete a user's attributes"),
    // App settings (imcloud's own, §14).
    r("GET", "/{org}/{app}/settings", App, "settings", "The app's settings"),
    r("PUT", "/{org}/{app}/settings", App, "settings", "Change some settings (all or nothing)"),
    r("GET", "/{org}/{app}/sensitive_words", App, "settings", "Sensitive words, paged"),
    r("POST", "/{org}/{app}/sensitive_words", App, "settings", "Add sensitive words"),
    r("DELETE", "/{org}/{app}/sensitive_words", App, "settings", "Remove sensitive words"),
];
