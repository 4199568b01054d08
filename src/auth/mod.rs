//! Authentication: signed tokens and password hashing.

pub mod password;
pub mod token;
