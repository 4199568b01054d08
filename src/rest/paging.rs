//! Easemob's `pagenum`/`pagesize` paging of lists held whole in memory
//! (members G9/R9c, chatroom super admins R19c): `pagenum` counts from 1.
//! (G6/G6b count from 0 and refuse large sizes: they keep their own.)
//! And the opaque text cursors of lists paged by position (contacts,
//! block lists, sensitive words): base64url of the position.

use super::extract::AppCtx;
use crate::error::ApiError;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// The request's `cursor`: the position it names, if any.
pub fn text_cursor(ctx: &AppCtx) -> Result<Option<String>, ApiError> {
    let Some(c) = ctx.param("cursor") else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(Some)
        .ok_or_else(|| ApiError::IllegalArgument("cursor is not valid".into()))
}

/// The cursor naming `position`.
pub fn encode_text_cursor(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(position)
}

/// A page parameter: a non-negative number, or `default` when absent.
fn param(ctx: &AppCtx, name: &str, default: usize) -> Result<usize, ApiError> {
    match ctx.param(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| ApiError::IllegalArgument(format!("{name} must be a number"))),
    }
}

/// One page of a list: `num` from 1, `size` items.
pub struct Page {
    num: usize,
    size: usize,
}

impl Page {
    /// The request's page: `pagenum` from 1 (default 1) and `pagesize`
    /// 1–`max` (`default` when absent); out-of-range values are clamped.
    /// Read before the list, so a bad parameter is the call's first error.
    pub fn of(ctx: &AppCtx, default: usize, max: usize) -> Result<Page, ApiError> {
        let size = param(ctx, "pagesize", default)?.clamp(1, max);
        let num = param(ctx, "pagenum", 1)?.max(1);
        Ok(Page { num, size })
    }

    /// This page's items of `items`.
    pub fn take<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        items
            .into_iter()
            .skip((self.num - 1).saturating_mul(self.size))
            .take(self.size)
            .collect()
    }
}
