//! The process's logs on stderr: imcloud's own events at INFO (start,
//! listen addresses, the demo app, shutdown) and every dependency's at WARN
//! unless `RUST_LOG` asks for more; colours only on a terminal; text lines
//! or, with `--log-format json` (or `IMCLOUD_LOG_FORMAT=json`), one JSON
//! object per line for log collectors.

use std::io::IsTerminal;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The filter when `RUST_LOG` is not set: our crates at `ours`, the rest
/// at WARN (fjall alone logs dozens of INFO lines while it opens).
fn default_filter(ours: &str) -> String {
    format!("warn,imcloud={ours},imcloud_actors={ours},imcloud_shards={ours}")
}

/// Installs the subscriber. `ours` is the level of imcloud's own events
/// (one-shot commands pass `warn`, so their output is the line they print).
pub fn init(ours: &str, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| default_filter(ours).into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dependencies_are_quiet_by_default() {
        let f = super::default_filter("info");
        assert!(f.starts_with("warn,"), "{f}");
        assert!(f.contains("imcloud=info") && f.contains("imcloud_shards=info"));
    }
}
