//! `EntityKey`: the address of every entity. Every key starts with the app, so
//! no lookup by key can reach another app's data.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What an entity is; part of its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityKind {
    App,
    User,
    Group,
    Chatroom,
}

impl EntityKind {
    /// The NUL that ends the app and the kind's tag, in a key's byte form.
    fn tag_bytes(self) -> &'static [u8; 2] {
        match self {
            EntityKind::App => &[0, b'a'],
            EntityKind::User => &[0, b'u'],
            EntityKind::Group => &[0, b'g'],
            EntityKind::Chatroom => &[0, b'c'],
        }
    }
}

/// `{app, kind, id}`. `app` is `org#app`; `id` is the user name, group id or
/// chatroom id (empty for the App entity). Neither may contain a NUL byte,
/// which the callers guarantee by validating names before building keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntityKey {
    pub app: String,
    pub kind: EntityKind,
    pub id: String,
}

impl EntityKey {
    pub fn new(app: impl Into<String>, kind: EntityKind, id: impl Into<String>) -> Self {
        EntityKey {
            app: app.into(),
            kind,
            id: id.into(),
        }
    }

    /// Byte form used for hashing and as a storage key prefix:
    /// `app 0x00 kind-tag id 0x00`. The trailing NUL makes it prefix-free.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.byte_len());
        self.write_bytes(&mut out);
        out
    }

    /// Appends the byte form (see [`EntityKey::to_bytes`]) to `out`.
    pub fn write_bytes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.app.as_bytes());
        out.extend_from_slice(self.kind.tag_bytes());
        out.extend_from_slice(self.id.as_bytes());
        out.push(0);
    }

    /// The length of the byte form.
    pub fn byte_len(&self) -> usize {
        self.app.len() + self.id.len() + 3
    }

    /// Reads the byte form at the start of `bytes` (as [`write_bytes`]
    /// wrote it), with the number of bytes it took; `None` if `bytes` does
    /// not start with one.
    ///
    /// [`write_bytes`]: EntityKey::write_bytes
    pub fn read_bytes(bytes: &[u8]) -> Option<(EntityKey, usize)> {
        let app_end = bytes.iter().position(|b| *b == 0)?;
        let kind = match *bytes.get(app_end + 1)? {
            b'a' => EntityKind::App,
            b'u' => EntityKind::User,
            b'g' => EntityKind::Group,
            b'c' => EntityKind::Chatroom,
            _ => return None,
        };
        let id_start = app_end + 2;
        let id_len = bytes.get(id_start..)?.iter().position(|b| *b == 0)?;
        let app = std::str::from_utf8(&bytes[..app_end]).ok()?;
        let id = std::str::from_utf8(&bytes[id_start..id_start + id_len]).ok()?;
        Some((EntityKey::new(app, kind, id), id_start + id_len + 1))
    }

    /// The byte form, in the pieces [`EntityKey::to_bytes`] joins.
    pub(crate) fn byte_parts(&self) -> [&[u8]; 4] {
        [
            self.app.as_bytes(),
            self.kind.tag_bytes(),
            self.id.as_bytes(),
            &[0],
        ]
    }
}

impl fmt::Display for EntityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:?}/{}", self.app, self.kind, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_form_reads_back_with_its_length() {
        for key in [
            EntityKey::new("o#a", EntityKind::User, "bob"),
            EntityKey::new("o#a", EntityKind::App, ""),
            EntityKey::new("o#a", EntityKind::Group, "123"),
        ] {
            let mut bytes = key.to_bytes();
            let len = bytes.len();
            bytes.extend_from_slice(&[1, 2, 3]);
            assert_eq!(EntityKey::read_bytes(&bytes), Some((key, len)));
        }
        assert_eq!(EntityKey::read_bytes(b"o#a\0xbob\0"), None);
        assert_eq!(EntityKey::read_bytes(b"o#a\0ubob"), None);
    }
}
