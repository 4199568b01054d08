//! The server's resident memory: `VmRSS` from `/proc/PID/status` or the
//! `imcloud_process_resident_bytes` gauge of its `/metrics`.

use crate::Error;

/// Where to read the server's RSS.
#[derive(Debug, Clone)]
pub enum RssSource {
    /// A local process id.
    Pid(u32),
    /// A `/metrics` URL (loopback only).
    Metrics(String),
}

/// `VmRSS` of a `/proc/PID/status` text, in bytes.
pub fn parse_status(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// `imcloud_process_resident_bytes` of a Prometheus text, in bytes.
pub fn parse_metrics(text: &str) -> Option<u64> {
    let line = text
        .lines()
        .find(|l| l.starts_with("imcloud_process_resident_bytes "))?;
    let v: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(v as u64)
}

impl RssSource {
    /// Checks the source: a metrics URL must be on loopback.
    pub fn checked(self) -> Result<RssSource, Error> {
        if let RssSource::Metrics(url) = &self {
            crate::target::loopback_addr(url)?;
        }
        Ok(self)
    }

    /// The server's RSS now, in bytes.
    pub async fn read(&self, http: &reqwest::Client) -> Result<u64, Error> {
        match self {
            RssSource::Pid(pid) => {
                let path = format!("/proc/{pid}/status");
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| Error::Usage(format!("reading {path}: {e}")))?;
                parse_status(&text).ok_or_else(|| Error::Server(format!("no VmRSS in {path}")))
            }
            RssSource::Metrics(url) => {
                let text = http.get(url).send().await?.text().await?;
                parse_metrics(&text).ok_or_else(|| {
                    Error::Server(format!("no imcloud_process_resident_bytes at {url}"))
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_parse() {
        assert_eq!(
            parse_status("Name:\timcloud\nVmRSS:\t   2048 kB\nVmSwap: 0 kB\n"),
            Some(2048 * 1024)
        );
        assert_eq!(
            parse_metrics("# HELP x\nimcloud_process_resident_bytes 123456\n"),
            Some(123_456)
        );
        assert_eq!(
            parse_metrics("imcloud_process_resident_bytes_other 1\n"),
            None
        );
    }
}
