//! The hourly export (Easemob §5.8): which hour a `yyyyMMddHH` names, the
//! signed, expiring link to its file, and the file itself (`lines`): every
//! archived message of the app in that hour, as gzip'd JSON lines,
//! produced while it is downloaded.

pub mod lines;

use crate::auth::token::mac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use imcloud_actors::app::AppRecord;
use sha2::Sha256;

const HOUR_MS: i64 = 3_600_000;

/// The start of the hour `yyyyMMddHH` names, Unix ms (UTC); `None` for
/// anything that is not such an hour.
pub fn parse_hour(s: &str) -> Option<i64> {
    if s.len() != 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let (year, month, day, hour) = (num(0..4)?, num(4..6)?, num(6..8)?, num(8..10)?);
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    if hour > 23 {
        return None;
    }
    let midnight = date.midnight().assume_utc().unix_timestamp();
    Some(midnight * 1000 + i64::from(hour) * HOUR_MS)
}

/// The end (exclusive) of the hour starting at `start_ms`.
pub fn hour_end(start_ms: i64) -> i64 {
    start_ms + HOUR_MS
}

/// The MAC of a link, keyed by the app's token key and domain-separated
/// from the app's access tokens.
fn link_mac(app: &AppRecord, hour_ms: i64, expires: u64) -> Option<Hmac<Sha256>> {
    let mut m = mac(&app.token_key)?;
    m.update(format!("export\0{}\0{hour_ms}\0{expires}", app.appkey).as_bytes());
    Some(m)
}

/// The path segment of a download link for the hour at `hour_ms`, valid
/// until `expires` (Unix seconds).
pub fn sign_link(app: &AppRecord, hour_ms: i64, expires: u64) -> Option<String> {
    let sig = URL_SAFE_NO_PAD.encode(link_mac(app, hour_ms, expires)?.finalize().into_bytes());
    Some(format!("{hour_ms}.{expires}.{sig}"))
}

/// Why a download link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    Invalid,
    Expired,
}

/// The hour a download link is for, if it is the app's, untampered and
/// not expired at `now_secs`.
pub fn verify_link(app: &AppRecord, link: &str, now_secs: u64) -> Result<i64, LinkError> {
    let mut parts = link.splitn(3, '.');
    let (Some(hour), Some(expires), Some(sig)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(LinkError::Invalid);
    };
    let hour_ms: i64 = hour.parse().map_err(|_| LinkError::Invalid)?;
    let expires: u64 = expires.parse().map_err(|_| LinkError::Invalid)?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| LinkError::Invalid)?;
    link_mac(app, hour_ms, expires)
        .ok_or(LinkError::Invalid)?
        .verify_slice(&sig)
        .map_err(|_| LinkError::Invalid)?;
    if expires <= now_secs {
        return Err(LinkError::Expired);
    }
    Ok(hour_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_parse_in_utc_and_bad_ones_do_not() {
        assert_eq!(parse_hour("2018112717"), Some(1_543_338_000_000));
        assert_eq!(parse_hour("1970010100"), Some(0));
        for bad in [
            "2018112724",
            "2018113217",
            "2018130117",
            "201811271",
            "20181127ab",
            "+018112717",
        ] {
            assert_eq!(parse_hour(bad), None, "{bad}");
        }
    }
}
