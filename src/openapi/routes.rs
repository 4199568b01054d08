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
    /// The app token or a live token of one of the app's users, who acts
    /// as itself (a group or room checks the user's role; 403 when it has
    /// none for the call).
    AppOrUser,
    /// The app token or a live token of the user the path names (another
    /// user's: 403 `forbidden_op`): the calls a client SDK makes for its
    /// own user.
    AppOrSelf,
    /// Whoever holds the link (an export link signed by the server, an
    /// attachment's uuid plus its share secret when restricted).
    Link,
    /// A WebSocket upgrade; the first frame logs in.
    Socket,
    /// The operator secret (`[admin] secret`); no app or user token. With
    /// no secret configured the route answers 404.
    Operator,
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
    r("GET", "/cluster", Operator, "operations", "The live nodes, the shards each owns, and this node's cluster counters"),
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
    r("GET", "/console", Public, "web", "The admin console (docs/console.md)"),
    r("GET", "/console/console.css", Public, "web", "The console's style sheet"),
    r("GET", "/console/console.js", Public, "web", "The console's script: sign-in, REST calls, apps, app details"),
    r("GET", "/console/console-users.js", Public, "web", "The console's script: users"),
    r("GET", "/console/console-rooms.js", Public, "web", "The console's script: groups and chat rooms"),
    r("GET", "/console/console-settings.js", Public, "web", "The console's script: settings, sensitive words, allow-list"),
    r("GET", "/console/console-hooks.js", Public, "web", "The console's script: callback rules, push credentials"),
    r("GET", "/console/console-metrics.js", Public, "web", "The console's script: live figures from /metrics"),
    // The operator's apps (imcloud's own, §14.5).
    r("GET", "/_admin/apps", Operator, "operator", "Every app, with its creation time and users"),
    r("POST", "/_admin/apps", Operator, "operator", "Create an app with fresh credentials"),
    r("GET", "/_admin/apps/{org}/{app}", Operator, "operator", "An app's credentials, creation time and users"),
    r("DELETE", "/_admin/apps/{org}/{app}", Operator, "operator", "Delete an app and all its data"),
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
    r("GET", "/{org}/{app}/users/{username}/resources", AppOrSelf, "users", "A user's online devices"),
    r("GET", "/{org}/{app}/users/{username}/disconnect", App, "users", "Log out all of a user's devices"),
    r("GET", "/{org}/{app}/users/{username}/disconnect/{resource}", App, "users", "Log out one device"),
    r("DELETE", "/{org}/{app}/users/{username}/disconnect/{resource}", App, "users", "Log out one device"),
    r("POST", "/{org}/{app}/mutes", App, "users", "Mute a user app-wide (1:1, groups, rooms)"),
    r("GET", "/{org}/{app}/mutes", App, "users", "List app-wide mutes"),
    r("GET", "/{org}/{app}/mutes/{username}", App, "users", "A user's app-wide mutes"),
    // Contacts and block lists.
    r("GET", "/{org}/{app}/users/{owner}/contacts/users", AppOrSelf, "contacts", "A user's contacts"),
    r("POST", "/{org}/{app}/users/{owner}/contacts/users/{friend}", App, "contacts", "Make two users contacts"),
    r("DELETE", "/{org}/{app}/users/{owner}/contacts/users/{friend}", AppOrSelf, "contacts", "Remove a contact (both sides)"),
    r("GET", "/{org}/{app}/user/{owner}/contacts", AppOrSelf, "contacts", "A user's contacts, paged, with remarks"),
    r("PUT", "/{org}/{app}/user/{owner}/contacts/users/{friend}", AppOrSelf, "contacts", "Set a contact's remark"),
    r("POST", "/{org}/{app}/users/{owner}/contacts/import", App, "contacts", "Import contacts"),
    r("POST", "/{org}/{app}/users/{owner}/blocks/users", AppOrSelf, "contacts", "Block users"),
    r("GET", "/{org}/{app}/users/{owner}/blocks/users", AppOrSelf, "contacts", "A user's block list"),
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
    r("DELETE", "/{org}/{app}/users/{username}/user_channel", AppOrSelf, "history", "Delete a conversation (and its history with delete_roam)"),
    r("DELETE", "/{org}/{app}/rest/message/roaming/chat/user/{username}", AppOrSelf, "history", "Delete 1:1 messages from a user's history"),
    r("DELETE", "/{org}/{app}/rest/message/roaming/chat/user/{username}/time", AppOrSelf, "history", "Delete a user's 1:1 history up to a time"),
    r("POST", "/{org}/{app}/rest/message/roaming/chat/user/{username}/time", AppOrSelf, "history", "Delete a user's 1:1 history up to a time"),
    r("DELETE", "/{org}/{app}/rest/message/roaming/group/user/{username}", AppOrSelf, "history", "Delete group messages from a member's history"),
    r("DELETE", "/{org}/{app}/rest/message/roaming/group/user/{username}/time", AppOrSelf, "history", "Delete a member's group history up to a time"),
    r("POST", "/{org}/{app}/rest/message/roaming/group/user/{username}/time", AppOrSelf, "history", "Delete a member's group history up to a time"),
    r("POST", "/{org}/{app}/rest/message/roaming/user/{username}/delete/all", AppOrSelf, "history", "Delete every conversation of a user"),
    // Groups.
    r("POST", "/{org}/{app}/chatgroups", AppOrUser, "groups", "Create a group"),
    r("GET", "/{org}/{app}/chatgroups", App, "groups", "List groups by cursor"),
    r("GET", "/{org}/{app}/chatgroups/{ids}", AppOrUser, "groups", "Get groups"),
    r("PUT", "/{org}/{app}/chatgroups/{id}", AppOrUser, "groups", "Change a group"),
    r("DELETE", "/{org}/{app}/chatgroups/{id}", AppOrUser, "groups", "Dismiss a group"),
    r("GET", "/{org}/{app}/chatgroups/user/{username}", AppOrSelf, "groups", "A user's groups, paged"),
    r("GET", "/{org}/{app}/users/{username}/joined_chatgroups", AppOrSelf, "groups", "A user's groups"),
    r("GET", "/{org}/{app}/chatgroups/{id}/user/{username}/is_joined", App, "groups", "Whether a user is a member"),
    r("POST", "/{org}/{app}/chatgroups/{id}/user/{username}/is_joined", App, "groups", "Whether a user is a member"),
    // Chatrooms.
    r("POST", "/{org}/{app}/chatrooms", AppOrUser, "chatrooms", "Create a chatroom"),
    r("GET", "/{org}/{app}/chatrooms", AppOrUser, "chatrooms", "List chatrooms"),
    r("GET", "/{org}/{app}/chatrooms/{ids}", AppOrUser, "chatrooms", "Get chatrooms"),
    r("PUT", "/{org}/{app}/chatrooms/{id}", AppOrUser, "chatrooms", "Change a chatroom"),
    r("DELETE", "/{org}/{app}/chatrooms/{id}", AppOrUser, "chatrooms", "Delete a chatroom"),
    r("POST", "/{org}/{app}/chatrooms/super_admin", App, "chatrooms", "Make a user a chatroom super admin"),
    r("GET", "/{org}/{app}/chatrooms/super_admin", App, "chatrooms", "List chatroom super admins"),
    r("DELETE", "/{org}/{app}/chatrooms/super_admin/{username}", App, "chatrooms", "Revoke a chatroom super admin"),
    // The roster calls groups and chatrooms share.
    r("GET", concat_roster!("/users"), AppOrUser, "groups and chatrooms", "Members, paged"),
    r("POST", concat_roster!("/users"), AppOrUser, "groups and chatrooms", "Add members"),
    r("POST", concat_roster!("/users/{username}"), AppOrUser, "groups and chatrooms", "Add a member"),
    r("DELETE", concat_roster!("/users/{usernames}"), AppOrUser, "groups and chatrooms", "Remove members"),
    r("GET", concat_roster!("/admin"), AppOrUser, "groups and chatrooms", "Admins"),
    r("POST", concat_roster!("/admin"), AppOrUser, "groups and chatrooms", "Add an admin"),
    r("DELETE", concat_roster!("/admin/{username}"), AppOrUser, "groups and chatrooms", "Remove an admin"),
    r("GET", concat_roster!("/blocks/users"), AppOrUser, "groups and chatrooms", "Block list"),
    r("POST", concat_roster!("/blocks/users"), AppOrUser, "groups and chatrooms", "Block users"),
    r("POST", concat_roster!("/blocks/users/{username}"), AppOrUser, "groups and chatrooms", "Block a user"),
    r("DELETE", concat_roster!("/blocks/users/{usernames}"), AppOrUser, "groups and chatrooms", "Unblock users"),
    r("GET", concat_roster!("/mute"), AppOrUser, "groups and chatrooms", "Muted members"),
    r("POST", concat_roster!("/mute"), AppOrUser, "groups and chatrooms", "Mute members"),
    r("DELETE", concat_roster!("/mute/{usernames}"), AppOrUser, "groups and chatrooms", "Unmute members"),
    r("POST", concat_roster!("/ban"), AppOrUser, "groups and chatrooms", "Mute everyone"),
    r("DELETE", concat_roster!("/ban"), AppOrUser, "groups and chatrooms", "End mute-all"),
    r("GET", concat_roster!("/announcement"), AppOrUser, "groups and chatrooms", "The announcement"),
    r("POST", concat_roster!("/announcement"), AppOrUser, "groups and chatrooms", "Set the announcement"),
    // Presence and attributes.
    r("POST", "/{org}/{app}/users/{username}/presence/{resource}/{status}", AppOrSelf, "presence", "Set a device's presence"),
    r("POST", "/{org}/{app}/users/{username}/presence/{expiry}", AppOrSelf, "presence", "Subscribe to users' presence"),
    r("POST", "/{org}/{app}/users/{username}/presence", AppOrSelf, "presence", "Presence of users"),
    r("DELETE", "/{org}/{app}/users/{username}/presence", AppOrSelf, "presence", "Unsubscribe from users' presence"),
    r("GET", "/{org}/{app}/users/{username}/presence/sublist", AppOrSelf, "presence", "A user's presence subscriptions"),
    r("GET", "/{org}/{app}/presence/online/{group_id}/type/{kind}", App, "presence", "Members of a group online"),
    r("GET", "/{org}/{app}/metadata/user/capacity", App, "presence", "Bytes of attributes the app holds"),
    r("POST", "/{org}/{app}/metadata/user/get", AppOrUser, "presence", "Attributes of up to 100 users"),
    r("PUT", "/{org}/{app}/metadata/user/{username}", AppOrSelf, "presence", "Set a user's attributes"),
    r("GET", "/{org}/{app}/metadata/user/{username}", AppOrSelf, "presence", "A user's attributes"),
    r("DELETE", "/{org}/{app}/metadata/user/{username}", App, "presence", "Delete a user's attributes"),
    // The calls the Web SDK makes as its user (docs/rest.md, "Calls a user makes").
    r("GET", "/{org}/{app}/users/{owner}/contacts", AppOrSelf, "sdk", "A user's contacts, paged (the SDK's path)"),
    r("PUT", "/{org}/{app}/users/{owner}/contacts/users/{friend}", AppOrSelf, "sdk", "Set a contact's remark (the SDK's path)"),
    r("POST", "/{org}/{app}/users/{owner}/contacts/apply", AppOrSelf, "sdk", "Ask users to be contacts"),
    r("POST", "/{org}/{app}/users/{owner}/contacts/accept/users/{friend}", AppOrSelf, "sdk", "Accept a contact request"),
    r("POST", "/{org}/{app}/users/{owner}/contacts/decline/users/{friend}", AppOrSelf, "sdk", "Decline a contact request"),
    r("POST", "/{org}/{app}/sdk/user/{owner}/blocks", AppOrSelf, "sdk", "Block users (the SDK's path)"),
    r("DELETE", "/{org}/{app}/sdk/user/{owner}/blocks", AppOrSelf, "sdk", "Unblock users (the SDK's path)"),
    r("DELETE", "/{org}/{app}/user/{username}/user_channel", AppOrSelf, "sdk", "Delete a conversation (the SDK's path)"),
    r("DELETE", "/{org}/{app}/sdk/message/roaming/chat/user/{username}", AppOrSelf, "sdk", "Delete 1:1 messages from the user's history"),
    r("DELETE", "/{org}/{app}/sdk/message/roaming/chat/user/{username}/time", AppOrSelf, "sdk", "Delete the user's 1:1 history up to a time"),
    r("POST", "/{org}/{app}/sdk/message/roaming/chat/user/{username}/time", AppOrSelf, "sdk", "Delete the user's 1:1 history up to a time"),
    r("DELETE", "/{org}/{app}/sdk/message/roaming/group/user/{username}", AppOrSelf, "sdk", "Delete group messages from the user's history"),
    r("DELETE", "/{org}/{app}/sdk/message/roaming/group/user/{username}/time", AppOrSelf, "sdk", "Delete the user's group history up to a time"),
    r("POST", "/{org}/{app}/sdk/message/roaming/group/user/{username}/time", AppOrSelf, "sdk", "Delete the user's group history up to a time"),
    r("POST", "/{org}/{app}/sdk/message/roaming/user/{username}/delete/all", AppOrSelf, "sdk", "Delete every conversation of the user"),
    r("GET", "/{org}/{app}/sdk/user/{username}/user_channels/list", AppOrSelf, "sdk", "The user's conversations"),
    r("GET", "/{org}/{app}/users/{username}/user_channels", AppOrSelf, "sdk", "The user's conversations (older SDK call)"),
    r("GET", "/{org}/{app}/users/{username}/user_channels/page", AppOrSelf, "sdk", "The user's conversations, paged"),
    r("POST", "/{org}/{app}/users/{username}/messageroaming", AppOrSelf, "sdk", "A page of roaming history as msync metas"),
    r("GET", "/{org}/{app}/sdk/users/{username}/token/expires", AppOrSelf, "sdk", "When the user's token expires"),
    r("POST", "/{org}/{app}/chatgroups/{id}/apply", AppOrUser, "sdk", "Ask to join a group"),
    r("POST", "/{org}/{app}/chatgroups/{id}/invite", AppOrUser, "sdk", "Invite users to a group"),
    r("POST", "/{org}/{app}/chatgroups/{id}/apply_verify", AppOrUser, "sdk", "Decide a join request"),
    r("POST", "/{org}/{app}/chatgroups/{id}/invite_verify", AppOrUser, "sdk", "Answer an invitation"),
    r("DELETE", "/{org}/{app}/chatgroups/{id}/quit", AppOrUser, "sdk", "Leave a group"),
    // Callbacks and push (imcloud's own, §14.3, §14.4; §10.4).
    r("GET", "/{org}/{app}/callbacks", App, "callbacks and push", "Callback rules, secrets shown"),
    r("POST", "/{org}/{app}/callbacks", App, "callbacks and push", "Add a callback rule (its secret is generated)"),
    r("PUT", "/{org}/{app}/callbacks/{name}", App, "callbacks and push", "Change a callback rule"),
    r("DELETE", "/{org}/{app}/callbacks/{name}", App, "callbacks and push", "Delete a callback rule and its queue"),
    r("GET", "/{org}/{app}/callbacks/{name}/failures", App, "callbacks and push", "A rule's failed requests"),
    r("POST", "/{org}/{app}/callbacks/{name}/test", App, "callbacks and push", "Send a signed test event to the rule's URL; answers the receiver's reply"),
    r("GET", "/{org}/{app}/push/credentials", App, "callbacks and push", "Push credentials (secrets never shown)"),
    r("POST", "/{org}/{app}/push/credentials", App, "callbacks and push", "Add or replace a push credential"),
    r("DELETE", "/{org}/{app}/push/credentials/{name}", App, "callbacks and push", "Delete a push credential"),
    r("PUT", "/{org}/{app}/users/{user}/push/binding", App, "callbacks and push", "Bind a device's push token"),
    r("GET", "/{org}/{app}/users/{user}/push/binding", App, "callbacks and push", "A user's push bindings"),
    r("PUT", "/{org}/{app}/users/{user}/notification/{chattype}/{key}", App, "callbacks and push", "Set do-not-disturb for a conversation or the user"),
    r("GET", "/{org}/{app}/users/{user}/notification/{chattype}/{key}", App, "callbacks and push", "Do-not-disturb of a conversation or the user"),
    // App settings (imcloud's own, §14).
    r("GET", "/{org}/{app}/settings", App, "settings", "The app's settings"),
    r("PUT", "/{org}/{app}/settings", App, "settings", "Change some settings (all or nothing)"),
    r("GET", "/{org}/{app}/sensitive_words", App, "settings", "Sensitive words, paged"),
    r("POST", "/{org}/{app}/sensitive_words", App, "settings", "Add sensitive words"),
    r("DELETE", "/{org}/{app}/sensitive_words", App, "settings", "Remove sensitive words"),
    r("PUT", "/{org}/{app}/users/{username}", App, "callbacks and push", "A user's push nickname, notification display style and legacy do-not-disturb"),
    r("PUT", "/{org}/{app}/push/nickname", App, "callbacks and push", "Push nicknames of up to 50 users"),
];

#[cfg(test)]
mod tests {
    use super::ROUTES;
    use std::collections::HashSet;

    /// The document is a map by path and method, so a second row for a
    /// route would silently replace the first.
    #[test]
    fn no_route_is_documented_twice() {
        let mut seen = HashSet::new();
        for route in ROUTES {
            assert!(
                seen.insert((route.method, route.path)),
                "{} {} is in the table twice",
                route.method,
                route.path
            );
        }
    }
}
