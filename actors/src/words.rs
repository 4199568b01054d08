//! The sensitive-word filter (imcloud §14.2, Easemob 敏感词): an app's
//! list compiled once into an Aho-Corasick automaton, then matched in one
//! pass per text, case-insensitively in any script. A message is screened
//! on the text of `txt` bodies, the string fields of `custom` bodies
//! (`event` and the values of `params`) and every string inside `ext`;
//! per the app's mode a match replaces the word with `***` or refuses the
//! message (501).

use crate::app::SensitiveMode;
use crate::error::DomainError;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde_json::Value;

/// Longest word, in characters.
pub const MAX_WORD_CHARS: usize = 64;
/// Most words one call adds.
pub const MAX_WORDS_PER_CALL: usize = 10_000;
/// Most words an app may list.
pub const MAX_WORDS_PER_APP: usize = 100_000;
/// What a matched word becomes.
pub const REPLACEMENT: &str = "***";
/// Most distinct words one message's screening reports (`keyword_alert`
/// payloads stay small whatever a message holds).
pub const MAX_REPORTED: usize = 32;

/// A word as the list keeps it: trimmed and lowercased, 1–64 characters.
pub fn normalize(word: &str) -> Result<String, DomainError> {
    let w = word.trim().to_lowercase();
    let n = w.chars().count();
    if n == 0 || n > MAX_WORD_CHARS {
        return Err(DomainError::InvalidArgument(format!(
            "a sensitive word must be 1-{MAX_WORD_CHARS} characters: {word:?}"
        )));
    }
    Ok(w)
}

/// An app's words, compiled.
pub struct WordFilter {
    automaton: Option<AhoCorasick>,
    words: usize,
}

/// `text` lowercased, with where each of its bytes came from: for a byte
/// of the lowercased text, the original character's start and end.
struct Folded {
    lower: String,
    from: Vec<(u32, u32)>,
}

/// Whether lowercasing changes `text` beyond ASCII (which the automaton
/// folds itself): CJK text, say, is searched as it is.
fn needs_fold(text: &str) -> bool {
    !text.is_ascii() && text.chars().any(has_lowercase)
}

/// Whether `c` is a non-ASCII character with a different lowercase. The
/// large caseless blocks (CJK, kana, hangul) are skipped without a table
/// lookup: a chat in Chinese pays nothing for folding.
fn has_lowercase(c: char) -> bool {
    let caseless = matches!(
        c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF
    );
    !c.is_ascii() && !caseless && c.to_lowercase().ne(std::iter::once(c))
}

fn fold(text: &str) -> Folded {
    let mut lower = String::with_capacity(text.len());
    let mut from = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let end = (i + c.len_utf8()) as u32;
        let before = lower.len();
        lower.extend(c.to_lowercase());
        from.extend(std::iter::repeat_n((i as u32, end), lower.len() - before));
    }
    Folded { lower, from }
}

impl WordFilter {
    /// Compiles `words` (already normalized).
    pub fn new<I, S>(words: I) -> Result<WordFilter, DomainError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let words: Vec<S> = words.into_iter().collect();
        if words.is_empty() {
            return Ok(WordFilter {
                automaton: None,
                words: 0,
            });
        }
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(words.iter().map(|w| w.as_ref()))
            .map_err(|e| {
                tracing::error!(error = %e, "the word list does not compile");
                DomainError::Internal
            })?;
        Ok(WordFilter {
            automaton: Some(automaton),
            words: words.len(),
        })
    }

    /// How many words it matches.
    pub fn len(&self) -> usize {
        self.words
    }

    pub fn is_empty(&self) -> bool {
        self.words == 0
    }

    /// The byte ranges of `text` that hold listed words, in order.
    fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        if !needs_fold(text) {
            // The automaton folds ASCII case itself.
            return ac.find_iter(text).map(|m| (m.start(), m.end())).collect();
        }
        let folded = fold(text);
        ac.find_iter(&folded.lower)
            .filter_map(|m| {
                let (start, _) = *folded.from.get(m.start())?;
                let (_, end) = *folded.from.get(m.end().checked_sub(1)?)?;
                Some((start as usize, end as usize))
            })
            .collect()
    }

    /// Whether `text` holds a listed word.
    pub fn finds(&self, text: &str) -> bool {
        match &self.automaton {
            None => false,
            Some(ac) if !needs_fold(text) => ac.is_match(text),
            Some(ac) => ac.is_match(&fold(text).lower),
        }
    }

    /// `text` with every listed word replaced by `***`, or `None` when it
    /// holds none.
    pub fn replaced(&self, text: &str) -> Option<String> {
        let ranges = self.ranges(text);
        if ranges.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in ranges {
            if start < at {
                // Two words mapped into one original character.
                continue;
            }
            out.push_str(&text[at..start]);
            out.push_str(REPLACEMENT);
            at = end;
        }
        out.push_str(&text[at..]);
        Some(out)
    }

    /// The listed words `text` holds, as they appear there lowercased,
    /// added to `found` (each once, at most [`MAX_REPORTED`]).
    fn collect(&self, text: &str, found: &mut Vec<String>) {
        for (start, end) in self.ranges(text) {
            if found.len() >= MAX_REPORTED {
                return;
            }
            let Some(word) = text.get(start..end) else {
                continue;
            };
            let word = word.to_lowercase();
            if !found.contains(&word) {
                found.push(word);
            }
        }
    }

    /// Screens a message per `mode`: its `txt` text, its `custom` event and
    /// params, every string of its `ext`. `replace` rewrites them in
    /// place; `refuse` leaves them. What it found is in the [`Screened`]
    /// (the `keyword_alert` callback reports it).
    pub fn screen(
        &self,
        mode: SensitiveMode,
        body: &mut Value,
        ext: Option<&mut Value>,
    ) -> Screened {
        let mut out = Screened::default();
        if mode == SensitiveMode::Off || self.is_empty() {
            return out;
        }
        let mut strings: Vec<&mut String> = Vec::new();
        if let Value::Object(b) = body {
            match b.get("type").and_then(Value::as_str) {
                Some("txt") => strings.extend(b.get_mut("msg").and_then(as_string)),
                Some("custom") => {
                    let mut params = None;
                    for (k, v) in b.iter_mut() {
                        match k.as_str() {
                            "event" => strings.extend(as_string(v)),
                            "params" => params = Some(v),
                            _ => {}
                        }
                    }
                    if let Some(p) = params {
                        collect_strings(p, &mut strings);
                    }
                }
                _ => {}
            }
        }
        if let Some(ext) = ext {
            collect_strings(ext, &mut strings);
        }
        for s in strings {
            // The common case, a clean text, costs one pass.
            if !self.finds(s) {
                continue;
            }
            self.collect(s, &mut out.words);
            match mode {
                SensitiveMode::Refuse => out.refused = true,
                SensitiveMode::Replace => {
                    if let Some(r) = self.replaced(s) {
                        *s = r;
                    }
                }
                SensitiveMode::Off => {}
            }
        }
        out
    }
}

/// What screening a message found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Screened {
    /// The listed words it held (lowercased, each once, at most
    /// [`MAX_REPORTED`]).
    pub words: Vec<String>,
    /// The app refuses such messages (501): nothing was replaced.
    pub refused: bool,
}

impl Screened {
    /// The refusal as the sender hears it, or the replaced words.
    pub fn into_result(self) -> Result<Vec<String>, DomainError> {
        if self.refused {
            Err(DomainError::IllegalContent)
        } else {
            Ok(self.words)
        }
    }
}

fn as_string(v: &mut Value) -> Option<&mut String> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// Every string value inside `v` (object keys are left alone).
fn collect_strings<'a>(v: &'a mut Value, out: &mut Vec<&'a mut String>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter_mut().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values_mut().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filter(words: &[&str]) -> WordFilter {
        let normal: Vec<String> = words.iter().map(|w| normalize(w).unwrap()).collect();
        WordFilter::new(normal).unwrap()
    }

    #[test]
    fn words_match_in_any_case_and_script() {
        let f = filter(&["Spam", "违禁词", "ÄRGER", "straße"]);
        assert_eq!(f.replaced("no SPAM here").as_deref(), Some("no *** here"));
        assert_eq!(f.replaced("这是违禁词吗").as_deref(), Some("这是***吗"));
        assert_eq!(f.replaced("Viel Ärger!").as_deref(), Some("Viel ***!"));
        assert_eq!(f.replaced("STRASSE").as_deref(), None);
        assert_eq!(f.replaced("Die Straße").as_deref(), Some("Die ***"));
        assert!(f.finds("ÄrGeR"));
        assert!(!f.finds("clean text"));
        assert_eq!(f.replaced("clean"), None);
    }

    #[test]
    fn replacement_keeps_the_text_around_the_words() {
        let f = filter(&["ab", "abc", "x"]);
        // Leftmost-longest: "abc" wins over "ab".
        assert_eq!(f.replaced("zabcz x").as_deref(), Some("z***z ***"));
        // An expansion (İ lowercases to two characters) maps back whole.
        let f = filter(&["i̇stanbul"]);
        assert_eq!(f.replaced("İSTANBUL city").as_deref(), Some("*** city"));
    }

    #[test]
    fn a_message_is_screened_on_text_custom_strings_and_ext() {
        let f = filter(&["bad"]);
        let mut body = json!({"type": "txt", "msg": "a BAD day"});
        let mut ext = json!({"note": ["fine", {"deep": "bad luck"}], "bad": 1});
        let found = f.screen(SensitiveMode::Replace, &mut body, Some(&mut ext));
        assert_eq!(found.words, vec!["bad".to_string()]);
        assert!(!found.refused);
        assert_eq!(body["msg"], json!("a *** day"));
        assert_eq!(
            ext,
            json!({"note": ["fine", {"deep": "*** luck"}], "bad": 1})
        );

        let mut custom = json!({"type": "custom", "event": "badge", "params": {"k": "so bad"}});
        assert!(!f.screen(SensitiveMode::Replace, &mut custom, None).refused);
        assert_eq!(
            custom,
            json!({"type": "custom", "event": "***ge", "params": {"k": "so ***"}})
        );

        let mut img = json!({"type": "img", "url": "http://x/bad.png"});
        assert_eq!(
            f.screen(SensitiveMode::Refuse, &mut img, None),
            Screened::default()
        );
        let mut clean = json!({"type": "txt", "msg": "fine"});
        let mut dirty_ext = json!({"x": "bad"});
        let refused = f.screen(SensitiveMode::Refuse, &mut clean, Some(&mut dirty_ext));
        assert_eq!(dirty_ext, json!({"x": "bad"}), "a refusal replaces nothing");
        assert_eq!(
            refused.clone().into_result(),
            Err(DomainError::IllegalContent)
        );
        assert_eq!(refused.words, vec!["bad".to_string()]);
        let mut untouched = json!({"type": "txt", "msg": "bad"});
        assert_eq!(
            f.screen(SensitiveMode::Off, &mut untouched, None),
            Screened::default()
        );
        assert_eq!(untouched["msg"], json!("bad"));
    }

    #[test]
    fn screening_reports_each_word_once_as_written_lowercased() {
        let f = filter(&["spam", "违禁词", "ärger"]);
        let mut body = json!({"type": "txt", "msg": "SPAM, Ärger and spam"});
        let mut ext = json!({"a": "违禁词", "b": "clean"});
        let found = f.screen(SensitiveMode::Replace, &mut body, Some(&mut ext));
        assert_eq!(found.words, vec!["spam", "ärger", "违禁词"]);
        assert_eq!(body["msg"], json!("***, *** and ***"));
        let many: String = (0..100).map(|i| format!("w{i} ")).collect();
        let words: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let f = WordFilter::new(words).unwrap();
        let mut body = json!({"type": "txt", "msg": many});
        let found = f.screen(SensitiveMode::Refuse, &mut body, None);
        assert!(found.refused);
        assert_eq!(found.words.len(), MAX_REPORTED);
    }

    #[test]
    fn words_are_checked() {
        assert!(normalize("   ").is_err());
        assert!(normalize(&"x".repeat(65)).is_err());
        assert_eq!(normalize(" Hello ").unwrap(), "hello");
    }
}
