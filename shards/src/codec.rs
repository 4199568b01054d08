//! The on-disk value format: one version byte, then MessagePack with named
//! fields (`rmp_serde::to_vec_named`), so fields can be added without breaking
//! data written by older versions.

use crate::error::StoreError;
use serde::{de::DeserializeOwned, Serialize};

/// The format version written today.
pub const FORMAT_VERSION: u8 = 1;

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![FORMAT_VERSION];
    rmp_serde::encode::write_named(&mut out, value)
        .map_err(|e| StoreError::Codec(e.to_string()))?;
    Ok(out)
}

pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_VERSION, rest)) => {
            rmp_serde::from_slice(rest).map_err(|e| StoreError::Codec(e.to_string()))
        }
        Some((&v, _)) => Err(StoreError::Version(v)),
        None => Err(StoreError::Codec("empty value".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct V1 {
        a: u32,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct V2 {
        a: u32,
        #[serde(default)]
        b: Option<String>,
    }

    #[test]
    fn added_fields_read_old_data() {
        let old = encode(&V1 { a: 5 }).unwrap();
        let new: V2 = decode(&old).unwrap();
        assert_eq!(new, V2 { a: 5, b: None });
    }

    #[test]
    fn unknown_version_and_garbage_are_errors() {
        assert!(matches!(
            decode::<V1>(&[9, 1, 2]),
            Err(StoreError::Version(9))
        ));
        assert!(decode::<V1>(&[]).is_err());
        assert!(decode::<V1>(&[FORMAT_VERSION, 0xc1]).is_err());
    }
}
