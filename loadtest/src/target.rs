//! The server under test. The harness refuses any address outside
//! 127.0.0.0/8: it generates enough traffic to hurt a machine it was not
//! meant for.

use crate::Error;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Where the server listens and which app the scenario uses.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://127.0.0.1:8080` (no trailing slash).
    pub http_base: String,
    /// The listener's socket address.
    pub addr: SocketAddr,
    /// `ws://127.0.0.1:8080/ws`.
    pub ws_url: String,
    /// The socket address of `ws_url`.
    pub ws_addr: SocketAddr,
    /// `org#app`.
    pub appkey: String,
    org: String,
    app: String,
}

/// A loopback socket address from an `http://` URL, or a usage error.
pub fn loopback_addr(url: &str) -> Result<SocketAddr, Error> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| Error::Usage(format!("bad url {url}: {e}")))?;
    if parsed.scheme() != "http" {
        return Err(Error::Usage(format!(
            "url {url}: only http:// is supported"
        )));
    }
    let ip = match parsed.host_str() {
        Some("localhost") => Ipv4Addr::LOCALHOST,
        Some(h) => h.parse::<Ipv4Addr>().map_err(|_| {
            Error::Usage(format!("url {url}: the harness only targets 127.0.0.0/8"))
        })?,
        None => return Err(Error::Usage(format!("url {url}: no host"))),
    };
    if !ip.is_loopback() {
        return Err(Error::Usage(format!(
            "url {url}: {ip} is not in 127.0.0.0/8; refusing to load it"
        )));
    }
    let port = parsed.port_or_known_default().unwrap_or(80);
    Ok(SocketAddr::new(IpAddr::V4(ip), port))
}

impl Target {
    /// Checks `url` (loopback only) and `appkey` (`org#app`).
    pub fn new(url: &str, appkey: &str) -> Result<Target, Error> {
        let addr = loopback_addr(url)?;
        let Some((org, app)) = appkey.split_once('#') else {
            return Err(Error::Usage(format!("app {appkey}: expected org#app")));
        };
        if org.is_empty() || app.is_empty() {
            return Err(Error::Usage(format!("app {appkey}: expected org#app")));
        }
        Ok(Target {
            http_base: format!("http://{addr}"),
            addr,
            ws_url: format!("ws://{addr}/ws"),
            ws_addr: addr,
            appkey: appkey.to_string(),
            org: org.to_string(),
            app: app.to_string(),
        })
    }

    /// Sockets go to `url` (`ws://`, loopback only) instead of `/ws` on the
    /// HTTP port.
    pub fn with_ws_url(mut self, url: &str) -> Result<Target, Error> {
        let Some(rest) = url.strip_prefix("ws://") else {
            return Err(Error::Usage(format!(
                "ws url {url}: only ws:// is supported"
            )));
        };
        self.ws_addr = loopback_addr(&format!("http://{rest}"))?;
        self.ws_url = url.to_string();
        Ok(self)
    }

    /// `http://host:port/{org}/{app}{rest}`.
    pub fn app_url(&self, rest: &str) -> String {
        format!("{}/{}/{}{rest}", self.http_base, self.org, self.app)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_urls_are_accepted() {
        let t = Target::new("http://127.0.0.1:8080", "demo#chat").expect("loopback");
        assert_eq!(t.ws_url, "ws://127.0.0.1:8080/ws");
        assert_eq!(t.app_url("/users"), "http://127.0.0.1:8080/demo/chat/users");
        assert!(Target::new("http://127.3.4.5:1/", "a#b").is_ok());
        let lean = Target::new("http://127.0.0.1:8080", "demo#chat")
            .and_then(|t| t.with_ws_url("ws://127.0.0.1:8081/ws"))
            .expect("loopback ws url");
        assert_eq!(lean.ws_url, "ws://127.0.0.1:8081/ws");
        assert_eq!(lean.ws_addr.port(), 8081);
        assert_eq!(lean.http_base, "http://127.0.0.1:8080");
        assert!(Target::new("http://127.0.0.1:8080", "demo#chat")
            .and_then(|t| t.with_ws_url("ws://10.0.0.1:8081/ws"))
            .is_err());
        assert_eq!(
            loopback_addr("http://localhost:9000")
                .expect("localhost")
                .port(),
            9000
        );
    }

    #[test]
    fn other_hosts_are_refused() {
        for url in [
            "http://10.0.0.1:8080",
            "http://example.com",
            "https://127.0.0.1",
            "http://[::1]:80",
            "http://0.0.0.0:80",
        ] {
            assert!(
                matches!(loopback_addr(url), Err(Error::Usage(_))),
                "{url} accepted"
            );
        }
        assert!(Target::new("http://127.0.0.1:8080", "nohash").is_err());
    }
}
