//! `--compare A.json B.json`: two reports printed by `--json` side by side.
//! Every numeric field (nested ones as `e2e.p99_ms`) gets a row with both
//! values and the ratio B/A; other fields are shown when they differ. The
//! per-second series (`intervals`) are left out: they are for `--plot`.

use crate::Error;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Most fields a report may have: a bound on what is read and printed.
const MAX_FIELDS: usize = 10_000;
/// Largest report file read.
const MAX_BYTES: u64 = 16 << 20;

/// A report's fields by dotted path: numbers, and other values as text.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    if out.len() >= MAX_FIELDS {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "intervals" {
                    // Per-second series: for plots, not for a side-by-side.
                    continue;
                }
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, x, out);
            }
        }
        _ => {
            out.insert(prefix.to_string(), v.clone());
        }
    }
}

fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".into(),
        Some(Value::String(s)) => s.clone(),
        // Integers as they are, other numbers to 3 decimals.
        Some(Value::Number(n)) if n.is_f64() => format!("{:.3}", n.as_f64().unwrap_or(0.0)),
        Some(x) => x.to_string(),
    }
}

/// The side-by-side table of two reports (parsed JSON).
pub fn table(a: &Value, b: &Value) -> String {
    let (mut fa, mut fb) = (BTreeMap::new(), BTreeMap::new());
    flatten("", a, &mut fa);
    flatten("", b, &mut fb);
    let mut keys: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    keys.sort();
    keys.dedup();
    let width = keys.iter().map(|k| k.len()).max().unwrap_or(5).max(5);
    let mut o = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(
        o,
        "{:<width$} {:>14} {:>14} {:>9}",
        "field", "A", "B", "B/A"
    );
    for k in keys {
        let (x, y) = (fa.get(k), fb.get(k));
        let ratio = match (x.and_then(Value::as_f64), y.and_then(Value::as_f64)) {
            (Some(x), Some(y)) if x != 0.0 => format!("{:.3}", y / x),
            (Some(_), Some(_)) => "-".into(),
            // Not numbers on both sides: shown only when they differ.
            _ if x == y => continue,
            _ => String::new(),
        };
        let _ = writeln!(
            o,
            "{k:<width$} {:>14} {:>14} {:>9}",
            show(x),
            show(y),
            ratio
        );
    }
    o
}

fn read(path: &Path) -> Result<Value, Error> {
    let len = std::fs::metadata(path)
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?
        .len();
    if len > MAX_BYTES {
        return Err(Error::Usage(format!(
            "{}: larger than 16 MiB",
            path.display()
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
}

/// Reads both files and returns the table.
pub fn files(a: &Path, b: &Path) -> Result<String, Error> {
    Ok(table(&read(a)?, &read(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_fields_get_ratios_and_equal_text_is_left_out() {
        let a = json!({"mode": "closed", "encoding": "json", "sent": 100, "lost": 0,
            "e2e": {"p99_ms": 2.0}, "rate": null});
        let b = json!({"mode": "closed", "encoding": "msgpack", "sent": 250, "lost": 0,
            "e2e": {"p99_ms": 1.0}, "rate": null});
        let t = table(&a, &b);
        let row = |name: &str| {
            t.lines()
                .find(|l| l.split_whitespace().next() == Some(name))
                .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        };
        assert_eq!(
            row("sent"),
            Some(vec![
                "sent".into(),
                "100".into(),
                "250".into(),
                "2.500".into()
            ])
        );
        assert_eq!(
            row("e2e.p99_ms"),
            Some(vec![
                "e2e.p99_ms".into(),
                "2.000".into(),
                "1.000".into(),
                "0.500".into()
            ])
        );
        assert_eq!(
            row("lost"),
            Some(vec!["lost".into(), "0".into(), "0".into(), "-".into()])
        );
        assert_eq!(
            row("encoding"),
            Some(vec!["encoding".into(), "json".into(), "msgpack".into()])
        );
        assert_eq!(row("mode"), None, "{t}");
        assert_eq!(row("rate"), None, "{t}");
    }
}
