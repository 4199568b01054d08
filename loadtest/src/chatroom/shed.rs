//! The server's chatroom counters from its `/metrics`: messages refused by
//! priority because its fan-out queue was backed up, and pushes busy
//! devices skipped.

use crate::Error;
use serde::Serialize;

/// Counters at one moment, or the difference of two readings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ShedCounts {
    pub high: u64,
    pub normal: u64,
    pub low: u64,
    /// Pushes a busy device skipped.
    pub device: u64,
}

fn value(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

/// The counters of a Prometheus text (0 for any that is missing).
pub fn parse(text: &str) -> ShedCounts {
    ShedCounts {
        high: value(text, r#"imcloud_chatroom_shed_total{priority="high"}"#),
        normal: value(text, r#"imcloud_chatroom_shed_total{priority="normal"}"#),
        low: value(text, r#"imcloud_chatroom_shed_total{priority="low"}"#),
        device: value(text, "imcloud_chatroom_device_shed_total"),
    }
}

impl ShedCounts {
    /// Reads the counters from `url` (a loopback `/metrics`).
    pub async fn read(http: &reqwest::Client, url: &str) -> Result<ShedCounts, Error> {
        Ok(parse(&http.get(url).send().await?.text().await?))
    }

    /// What changed since `before`.
    pub fn since(self, before: ShedCounts) -> ShedCounts {
        ShedCounts {
            high: self.high.saturating_sub(before.high),
            normal: self.normal.saturating_sub(before.normal),
            low: self.low.saturating_sub(before.low),
            device: self.device.saturating_sub(before.device),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_priority_and_the_device_count() {
        let text =
            "# HELP imcloud_chatroom_shed_total x\n# TYPE imcloud_chatroom_shed_total counter\n\
            imcloud_chatroom_shed_total{priority=\"high\"} 1\n\
            imcloud_chatroom_shed_total{priority=\"normal\"} 20\n\
            imcloud_chatroom_shed_total{priority=\"low\"} 300\n\
            imcloud_chatroom_device_shed_total 4000\n";
        let c = parse(text);
        assert_eq!(
            c,
            ShedCounts {
                high: 1,
                normal: 20,
                low: 300,
                device: 4000
            }
        );
        assert_eq!(c.since(ShedCounts { low: 100, ..c }).low, 200);
        assert_eq!(parse("").device, 0);
    }
}
