//! The codec of everything that crosses an entity boundary: commands,
//! replies and fan-out notices, as MessagePack with named fields. The
//! encode-everything router mode (`shards.encode_commands`) passes every
//! one of them through it on a single node, which is how the cluster's seam
//! is tested before there is a network; between nodes the same bytes will
//! travel.

use crate::error::StoreError;
use serde::{de::DeserializeOwned, Serialize};

pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, StoreError> {
    rmp_serde::to_vec_named(value).map_err(|e| StoreError::Codec(e.to_string()))
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    rmp_serde::from_slice(bytes).map_err(|e| StoreError::Codec(e.to_string()))
}

/// `value` after a trip through its encoding, as if it had crossed a
/// network.
pub fn round_trip<T: Serialize + DeserializeOwned>(value: &T) -> Result<T, StoreError> {
    decode(&encode(value)?)
}
