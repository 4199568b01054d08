//! The app's upload records.
//!
//! - `F` + app + 0x00 + file uuid → `FileRecord` (in the App entity's
//!   shard)

use super::families::FILES;

pub fn key(app: &str, uuid: &str) -> Vec<u8> {
    let mut k = vec![FILES];
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k.extend_from_slice(uuid.as_bytes());
    k
}
