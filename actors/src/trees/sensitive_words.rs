//! An app's sensitive words, kept by its App entity (so in the App's
//! shard): one key per word, in the word's order, which is also how the
//! list pages.
//!
//! - `W` + app + 0 + word (trimmed, lowercased) → empty.

use super::families::SENSITIVE_WORDS;

pub fn app_prefix(app: &str) -> Vec<u8> {
    let mut k = vec![SENSITIVE_WORDS];
    k.extend_from_slice(app.as_bytes());
    k.push(0);
    k
}

pub fn key(app: &str, word: &str) -> Vec<u8> {
    let mut k = app_prefix(app);
    k.extend_from_slice(word.as_bytes());
    k
}

/// The word of a key under `app_prefix` of length `prefix_len`.
pub fn parse(prefix_len: usize, key: &[u8]) -> Option<String> {
    key.get(prefix_len..)
        .and_then(|b| std::str::from_utf8(b).ok())
        .map(str::to_string)
}
