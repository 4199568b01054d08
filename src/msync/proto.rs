//! The msync messages imcloud reads and writes, derived by hand with
//! prost's macros from `msync.proto` (`shared/spec/msync/`, package
//! `easemob.pb`): the names are ours in Rust case, the tags are the SDK's.
//! Everything is proto2 `optional` (`Option<T>`), so a frame holds exactly
//! the fields that were set: the SDK tests presence (an explicit
//! `Content.subType = 0` turns a text into a combined message). Enums are
//! kept as `i32` (same varint on the wire) so a value the schema lacks
//! (the SDK's status 20) still decodes; their numbers are in [`code`].
//! Messages imcloud never reads (calls, the roster) are not here.

/// Envelope of every frame.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MSync {
    #[prost(int32, optional, tag = "1")]
    pub version: Option<i32>,
    #[prost(message, optional, tag = "2")]
    pub guid: Option<Jid>,
    #[prost(string, optional, tag = "3")]
    pub auth: Option<String>,
    #[prost(int32, optional, tag = "8")]
    pub command: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "9")]
    pub payload: Option<Vec<u8>>,
    #[prost(int32, repeated, packed = "false", tag = "11")]
    pub encrypt_type: Vec<i32>,
    #[prost(uint64, optional, tag = "20")]
    pub trace_id: Option<u64>,
}

/// Login request and result.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Provision {
    #[prost(int32, optional, tag = "1")]
    pub os_type: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub version: Option<String>,
    #[prost(int32, repeated, packed = "false", tag = "5")]
    pub compress_type: Vec<i32>,
    #[prost(int32, repeated, packed = "false", tag = "6")]
    pub encrypt_type: Vec<i32>,
    #[prost(message, optional, tag = "8")]
    pub status: Option<Status>,
    #[prost(string, optional, tag = "9")]
    pub device_uuid: Option<String>,
    #[prost(string, optional, tag = "11")]
    pub password: Option<String>,
    #[prost(string, optional, tag = "12")]
    pub device_name: Option<String>,
    #[prost(string, optional, tag = "13")]
    pub resource: Option<String>,
    #[prost(string, optional, tag = "14")]
    pub auth: Option<String>,
    #[prost(string, optional, tag = "17")]
    pub action_version: Option<String>,
    #[prost(string, optional, tag = "18")]
    pub auth_token: Option<String>,
    #[prost(string, optional, tag = "20")]
    pub session_id: Option<String>,
    #[prost(string, optional, tag = "21")]
    pub reason: Option<String>,
    #[prost(int32, repeated, packed = "true", tag = "22")]
    pub protocol_compress_type: Vec<i32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Logout {
    #[prost(string, optional, tag = "1")]
    pub session_id: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub reason: Option<String>,
    #[prost(message, optional, tag = "3")]
    pub status: Option<Status>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Status {
    #[prost(int32, optional, tag = "1")]
    pub error_code: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub reason: Option<String>,
}

/// An address: a user (`easemob.com`) or a group or room
/// (`conference.easemob.com`).
#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct Jid {
    #[prost(string, optional, tag = "1")]
    pub app_key: Option<String>,
    #[prost(string, optional, tag = "2")]
    pub name: Option<String>,
    #[prost(string, optional, tag = "3")]
    pub domain: Option<String>,
    #[prost(string, optional, tag = "4")]
    pub client_resource: Option<String>,
}

/// Client→server `SYNC`: a meta to send, or a queue to pull.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CommSyncUl {
    #[prost(message, optional, tag = "1")]
    pub meta: Option<Meta>,
    #[prost(uint64, optional, tag = "2")]
    pub key: Option<u64>,
    #[prost(message, optional, tag = "3")]
    pub queue: Option<Jid>,
}

/// Server→client `SYNC`: a send's ack, or a page of a queue.
#[derive(Clone, PartialEq, prost::Message)]
pub struct CommSyncDl {
    #[prost(message, optional, tag = "1")]
    pub status: Option<Status>,
    #[prost(uint64, optional, tag = "2")]
    pub meta_id: Option<u64>,
    #[prost(uint64, optional, tag = "3")]
    pub server_id: Option<u64>,
    #[prost(message, repeated, tag = "4")]
    pub metas: Vec<Meta>,
    #[prost(uint64, optional, tag = "5")]
    pub next_key: Option<u64>,
    #[prost(message, optional, tag = "6")]
    pub queue: Option<Jid>,
    #[prost(bool, optional, tag = "7")]
    pub is_last: Option<bool>,
    #[prost(uint64, optional, tag = "8")]
    pub timestamp: Option<u64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CommNotice {
    #[prost(message, optional, tag = "1")]
    pub queue: Option<Jid>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct CommUnreadDl {
    #[prost(message, optional, tag = "1")]
    pub status: Option<Status>,
    #[prost(message, repeated, tag = "2")]
    pub unread: Vec<MetaQueue>,
    #[prost(uint64, optional, tag = "3")]
    pub timestamp: Option<u64>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MetaQueue {
    #[prost(message, optional, tag = "1")]
    pub queue: Option<Jid>,
    #[prost(uint32, optional, tag = "2")]
    pub n: Option<u32>,
}

/// One item of a queue (or one item sent).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Meta {
    #[prost(uint64, optional, tag = "1")]
    pub id: Option<u64>,
    #[prost(message, optional, tag = "2")]
    pub from: Option<Jid>,
    #[prost(message, optional, tag = "3")]
    pub to: Option<Jid>,
    #[prost(uint64, optional, tag = "4")]
    pub timestamp: Option<u64>,
    #[prost(int32, optional, tag = "5")]
    pub ns: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "6")]
    pub payload: Option<Vec<u8>>,
    #[prost(int32, optional, tag = "7")]
    pub routetype: Option<i32>,
    #[prost(message, repeated, tag = "8")]
    pub ext: Vec<KeyValue>,
}

/// A chat message (`Meta.payload` when `ns` is CHAT).
#[derive(Clone, PartialEq, prost::Message)]
pub struct MessageBody {
    #[prost(int32, optional, tag = "1")]
    pub r#type: Option<i32>,
    #[prost(message, optional, tag = "2")]
    pub from: Option<Jid>,
    #[prost(message, optional, tag = "3")]
    pub to: Option<Jid>,
    #[prost(message, repeated, tag = "4")]
    pub contents: Vec<Content>,
    #[prost(message, repeated, tag = "5")]
    pub ext: Vec<KeyValue>,
    #[prost(uint64, optional, tag = "6")]
    pub ack_message_id: Option<u64>,
    #[prost(message, optional, tag = "7")]
    pub msg_config: Option<MessageConfig>,
    #[prost(string, optional, tag = "8")]
    pub ack_content: Option<String>,
    /// A JSON string: for an edit, `{"edit_msg": {…}}` (who, when, how
    /// many times).
    #[prost(string, optional, tag = "9")]
    pub meta: Option<String>,
    #[prost(uint64, optional, tag = "11")]
    pub edit_message_id: Option<u64>,
    #[prost(int32, optional, tag = "12")]
    pub edit_scope: Option<i32>,
}

/// `MessageBody.MessageConfig`: a group message asks for read receipts.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MessageConfig {
    #[prost(bool, optional, tag = "1")]
    pub allow_group_ack: Option<bool>,
}

/// One content of a message body (`MessageBody.Content`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Content {
    #[prost(int32, optional, tag = "1")]
    pub r#type: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub text: Option<String>,
    #[prost(double, optional, tag = "3")]
    pub latitude: Option<f64>,
    #[prost(double, optional, tag = "4")]
    pub longitude: Option<f64>,
    #[prost(string, optional, tag = "5")]
    pub address: Option<String>,
    #[prost(string, optional, tag = "6")]
    pub display_name: Option<String>,
    #[prost(string, optional, tag = "7")]
    pub remote_path: Option<String>,
    #[prost(string, optional, tag = "8")]
    pub secret_key: Option<String>,
    #[prost(int32, optional, tag = "9")]
    pub file_length: Option<i32>,
    #[prost(string, optional, tag = "10")]
    pub action: Option<String>,
    #[prost(message, repeated, tag = "11")]
    pub params: Vec<KeyValue>,
    #[prost(int32, optional, tag = "12")]
    pub duration: Option<i32>,
    #[prost(message, optional, tag = "13")]
    pub size: Option<Size>,
    #[prost(string, optional, tag = "14")]
    pub thumbnail_remote_path: Option<String>,
    #[prost(string, optional, tag = "15")]
    pub thumbnail_secret_key: Option<String>,
    #[prost(string, optional, tag = "19")]
    pub custom_event: Option<String>,
    #[prost(message, repeated, tag = "20")]
    pub custom_exts: Vec<KeyValue>,
    #[prost(string, optional, tag = "21")]
    pub building_name: Option<String>,
    #[prost(int32, optional, tag = "22")]
    pub sub_type: Option<i32>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Size {
    #[prost(double, optional, tag = "1")]
    pub width: Option<f64>,
    #[prost(double, optional, tag = "2")]
    pub height: Option<f64>,
}

/// A typed key/value (message `ext`, custom params).
#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValue {
    #[prost(string, optional, tag = "1")]
    pub key: Option<String>,
    #[prost(int32, optional, tag = "2")]
    pub r#type: Option<i32>,
    #[prost(int64, optional, tag = "3")]
    pub varint_value: Option<i64>,
    #[prost(float, optional, tag = "4")]
    pub float_value: Option<f32>,
    #[prost(double, optional, tag = "5")]
    pub double_value: Option<f64>,
    #[prost(string, optional, tag = "6")]
    pub string_value: Option<String>,
}

/// `Meta.payload` when `ns` is STATISTIC: device information up, a
/// logout reason down.
#[derive(Clone, PartialEq, prost::Message)]
pub struct StatisticsBody {
    #[prost(int32, optional, tag = "1")]
    pub operation: Option<i32>,
    #[prost(string, optional, tag = "10")]
    pub reason: Option<String>,
}

/// `Meta.payload` when `ns` is MUC: a group or chatroom operation (only
/// the fields imcloud uses: joining and leaving chatrooms from the SDK,
/// and the events it tells the SDK of, `src/msync/muc.rs`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct MucBody {
    #[prost(message, optional, tag = "1")]
    pub muc_id: Option<Jid>,
    #[prost(int32, optional, tag = "2")]
    pub operation: Option<i32>,
    #[prost(message, optional, tag = "3")]
    pub from: Option<Jid>,
    #[prost(message, repeated, tag = "4")]
    pub to: Vec<Jid>,
    #[prost(bool, optional, tag = "7")]
    pub is_chatroom: Option<bool>,
}

/// `Meta.payload` when `ns` is ROSTER: a contact event (imcloud writes
/// these; the SDK's own contact calls go over REST).
#[derive(Clone, PartialEq, prost::Message)]
pub struct RosterBody {
    #[prost(int32, optional, tag = "1")]
    pub operation: Option<i32>,
    #[prost(message, optional, tag = "3")]
    pub from: Option<Jid>,
    #[prost(message, repeated, tag = "4")]
    pub to: Vec<Jid>,
    #[prost(string, optional, tag = "5")]
    pub reason: Option<String>,
}

/// The enum numbers of `msync.proto` that imcloud uses.
pub mod code {
    /// `MSync.Command`.
    pub mod command {
        pub const SYNC: i32 = 0;
        pub const UNREAD: i32 = 1;
        pub const NOTICE: i32 = 2;
        pub const PROVISION: i32 = 3;
        pub const LOGOUT: i32 = 4;
    }
    /// `Status.ErrorCode` (20: `RESOURCE_CHANGED`, known to the SDK's code
    /// though not to its schema).
    pub mod status {
        pub const OK: i32 = 0;
        pub const FAIL: i32 = 1;
        pub const UNAUTHORIZED: i32 = 2;
        pub const WRONG_PARAMETER: i32 = 4;
        pub const TOKEN_EXPIRED: i32 = 6;
        pub const PERMISSION_DENIED: i32 = 7;
        pub const PB_PARSER_ERROR: i32 = 10;
        pub const IM_FORBIDDEN: i32 = 12;
        pub const TOO_MANY_DEVICES: i32 = 13;
        pub const USER_MUTED: i32 = 15;
        pub const PERMISSION_DENIED_EXTERNAL: i32 = 19;
    }
    /// `Meta.NameSpace`.
    pub mod ns {
        pub const STATISTIC: i32 = 0;
        pub const CHAT: i32 = 1;
        pub const MUC: i32 = 2;
        pub const ROSTER: i32 = 3;
        pub const NOTIFY: i32 = 5;
    }
    /// `MessageBody.Type`.
    pub mod body {
        pub const CHAT: i32 = 1;
        pub const GROUPCHAT: i32 = 2;
        pub const CHATROOM: i32 = 3;
        pub const READ_ACK: i32 = 4;
        pub const DELIVER_ACK: i32 = 5;
        pub const RECALL: i32 = 6;
        pub const CHANNEL_ACK: i32 = 7;
        pub const EDIT: i32 = 8;
    }
    /// `MessageBody.Content.Type`.
    pub mod content {
        pub const TEXT: i32 = 0;
        pub const IMAGE: i32 = 1;
        pub const VIDEO: i32 = 2;
        pub const LOCATION: i32 = 3;
        pub const VOICE: i32 = 4;
        pub const FILE: i32 = 5;
        pub const COMMAND: i32 = 6;
        pub const CUSTOM: i32 = 7;
        pub const COMBINE: i32 = 8;
    }
    /// `KeyValue.ValueType`.
    pub mod value {
        pub const BOOL: i32 = 1;
        pub const INT: i32 = 2;
        pub const UINT: i32 = 3;
        pub const LLINT: i32 = 4;
        pub const FLOAT: i32 = 5;
        pub const DOUBLE: i32 = 6;
        pub const STRING: i32 = 7;
        pub const JSON_STRING: i32 = 8;
    }
    /// `MUCBody.Operation` (the ones imcloud serves).
    pub mod edit_scope {
        pub const BODY: i32 = 1;
        pub const BODY_AND_EXT: i32 = 2;
    }

    /// `RosterBody.Operation`.
    pub mod roster {
        /// A friend request to this user.
        pub const ADD: i32 = 2;
        pub const REMOVE: i32 = 3;
        /// This user's request was accepted / declined.
        pub const REMOTE_ACCEPT: i32 = 8;
        pub const REMOTE_DECLINE: i32 = 9;
    }

    /// `MUCBody.Operation`.
    pub mod muc {
        pub const DESTROY: i32 = 1;
        pub const JOIN: i32 = 2;
        pub const LEAVE: i32 = 3;
        pub const APPLY: i32 = 4;
        pub const INVITE: i32 = 7;
        pub const KICK: i32 = 10;
        pub const BAN: i32 = 12;
        pub const PRESENCE: i32 = 17;
        pub const ABSENCE: i32 = 18;
        pub const ASSIGN_OWNER: i32 = 20;
        pub const ADD_MUTE: i32 = 23;
        pub const REMOVE_MUTE: i32 = 24;
        pub const UPDATE_ANNOUNCEMENT: i32 = 25;
        pub const BAN_GROUP: i32 = 31;
        pub const REMOVE_BAN_GROUP: i32 = 32;
    }
    /// `StatisticsBody.Operation`.
    pub mod operation {
        pub const INFORMATION: i32 = 0;
        pub const USER_REMOVED: i32 = 1;
        pub const USER_LOGIN_ANOTHER_DEVICE: i32 = 2;
        pub const USER_KICKED_BY_CHANGE_PASSWORD: i32 = 3;
        pub const USER_KICKED_BY_OTHER_DEVICE: i32 = 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test vector is hex"))
            .collect()
    }

    #[test]
    fn the_sdks_golden_frames_decode() {
        let beat =
            MSync::decode(&unhex("080040015800a00180a080d0f3f8f9c068")[..]).expect("heartbeat");
        assert_eq!(beat.command, Some(code::command::UNREAD));
        assert_eq!(beat.encrypt_type, vec![0]);
        assert!(beat.payload.is_none());

        let send = MSync::decode(&unhex("080040004a470a45089582ae86b80f1a1c0a0864656d6f236170701203626f621a0b656173656d6f622e636f6d2801321a080112071205616c6963651a051203626f622206080012026d3138005800a00180a0809ef4f8f9c068")[..]).expect("send");
        assert_eq!(send.command, Some(code::command::SYNC));
        let ul = CommSyncUl::decode(send.payload.as_deref().unwrap_or_default()).expect("ul");
        let meta = ul.meta.expect("meta");
        assert_eq!(meta.id, Some(530441797909));
        assert_eq!(meta.ns, Some(code::ns::CHAT));
        let to = meta.to.expect("to");
        assert_eq!(to.app_key.as_deref(), Some("demo#app"));
        assert_eq!(to.name.as_deref(), Some("bob"));
        let body = MessageBody::decode(meta.payload.as_deref().unwrap_or_default()).expect("body");
        assert_eq!(body.r#type, Some(code::body::CHAT));
        assert_eq!(body.from.and_then(|j| j.name).as_deref(), Some("alice"));
        assert_eq!(body.contents[0].r#type, Some(code::content::TEXT));
        assert_eq!(body.contents[0].text.as_deref(), Some("m1"));
        assert_eq!(body.contents[0].sub_type, None);

        let pull = MSync::decode(&unhex("080040004a2a10848080a8f4f8f9c0681a1e0a0864656d6f236170701205616c6963651a0b656173656d6f622e636f6d5800a00180a080c6f4f8f9c068")[..]).expect("pull");
        let ul = CommSyncUl::decode(pull.payload.as_deref().unwrap_or_default()).expect("ul");
        assert_eq!(ul.key, Some(7530554894982316036));
        assert_eq!(ul.queue.and_then(|q| q.name).as_deref(), Some("alice"));
    }

    #[test]
    fn unset_fields_are_not_written() {
        let c = Content {
            r#type: Some(code::content::TEXT),
            text: Some("hi".into()),
            ..Default::default()
        };
        // type 0 written explicitly (tag 1, value 0), text; no subType.
        assert_eq!(c.encode_to_vec(), vec![0x08, 0x00, 0x12, 0x02, b'h', b'i']);
    }
}
